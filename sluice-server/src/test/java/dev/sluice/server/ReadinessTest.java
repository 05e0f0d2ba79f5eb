package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@code /health/ready} is a start-up gate: 503 until the warm-up is done, then 200. */
class ReadinessTest {

  @Test
  void readyOnlyOnceWarmedUp() {
    AtomicBoolean warmedUp = new AtomicBoolean();
    HttpApi api = new HttpApi(null, null, () -> null, () -> Duration.ZERO, warmedUp::get);

    AggregatedHttpResponse starting = api.ready(null, null).aggregate().join();
    assertThat(starting.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(starting.contentUtf8()).contains("\"status\":\"starting\"");

    warmedUp.set(true);
    AggregatedHttpResponse ready = api.ready(null, null).aggregate().join();
    assertThat(ready.status()).isEqualTo(HttpStatus.OK);
    assertThat(ready.contentUtf8()).isEqualTo("{\"status\":\"ready\"}");
  }

  @Test
  void theReservedWarmUpKeysAreLongerThanAnyClientKey() {
    for (int i = 0; i < 100; i++) {
      assertThat(WarmUp.reservedKey(i).getBytes(StandardCharsets.UTF_8)).hasSize(513);
    }
  }
}
