package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public types of the API package are exactly the ones docs/architecture.md documents as API: a
 * new public type is a decision, not an accident. Internals live in {@code dev.sluice.internal}.
 */
class PublicApiTest {

  private static final Set<String> API =
      Set.of(
          "Acquire",
          "Algorithm",
          "Backend",
          "BackendException",
          "CalendarUnit",
          "Decision",
          "Decision$Source",
          "DecisionListener",
          "Durations",
          "InMemoryBackend",
          "InMemoryBackend$Builder",
          "Limit",
          "Limit$CalendarWindow",
          "Limit$Concurrency",
          "Limit$FixedWindow",
          "Limit$LeakyBucket",
          "Limit$SlidingLog",
          "Limit$SlidingWindow",
          "Limit$TokenBucket",
          "ManualTimeSource",
          "Policy",
          "Policy$Builder",
          "PolicyRegistry",
          "PolicyRegistry$Builder",
          "Rate",
          "RateLimiter",
          "RateLimiter$Builder",
          "ResilientBackend",
          "ResilientBackend$Builder",
          "ResilientBackend$CircuitState",
          "ResilientBackend$OnFailure",
          "TimeSource",
          "ValidationException");

  @Test
  void theApiPackageExportsTheDocumentedTypesOnly() throws IOException, ClassNotFoundException {
    Path classes = Path.of("target", "classes", "dev", "sluice");
    Set<String> found = new TreeSet<>();
    try (Stream<Path> files = Files.list(classes)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        if (!name.endsWith(".class")) {
          continue;
        }
        String simple = name.substring(0, name.length() - ".class".length());
        Class<?> type = Class.forName("dev.sluice." + simple);
        if (Modifier.isPublic(type.getModifiers()) && !type.isAnonymousClass()) {
          found.add(simple);
        }
      }
    }
    assertThat(found).containsExactlyInAnyOrderElementsOf(API);
  }
}
