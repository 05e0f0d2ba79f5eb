package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The starter's tests run on the versions Spring Boot manages, as a Boot application's starter
 * would: each library on the test class path has the version of Boot's BOM (read from the local
 * repository the build imported it from), not the Sluice parent's pin.
 */
class BootManagedVersionsTest {

  private static String managed(String property) throws Exception {
    String boot = System.getProperty("sluice.springBootVersion");
    Path bom =
        Path.of(
            System.getProperty("sluice.localRepository"),
            "org/springframework/boot/spring-boot-dependencies",
            boot,
            "spring-boot-dependencies-" + boot + ".pom");
    Matcher version =
        Pattern.compile("<" + Pattern.quote(property) + ">([^<]+)<").matcher(Files.readString(bom));
    assertThat(version.find()).as("%s in %s", property, bom).isTrue();
    return version.group(1);
  }

  /** The version directory of the jar a class was loaded from. */
  private static String loaded(Class<?> type) throws Exception {
    Path jar = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    return jar.getParent().getFileName().toString();
  }

  @Test
  void lettuceNettyMicrometerJacksonAndSpringAreBootsVersions() throws Exception {
    assertThat(loaded(RedisClient.class)).isEqualTo(managed("lettuce.version"));
    assertThat(loaded(Version.class)).isEqualTo(managed("netty.version"));
    assertThat(Version.identify().get("netty-common").artifactVersion())
        .isEqualTo(managed("netty.version"));
    assertThat(loaded(MeterRegistry.class)).isEqualTo(managed("micrometer.version"));
    assertThat(loaded(tools.jackson.databind.ObjectMapper.class))
        .isEqualTo(managed("jackson-bom.version"));
    assertThat(loaded(org.springframework.core.SpringVersion.class))
        .isEqualTo(managed("spring-framework.version"));
  }
}
