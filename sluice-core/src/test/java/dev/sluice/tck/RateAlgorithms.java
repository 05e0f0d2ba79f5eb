package dev.sluice.tck;

import dev.sluice.Algorithm;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The algorithms that limit a rate (all but {@link Algorithm#CONCURRENCY}, which limits requests in
 * flight and has tests of its own): the source of the suite's tests of rates, windows and costs.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
public @interface RateAlgorithms {}
