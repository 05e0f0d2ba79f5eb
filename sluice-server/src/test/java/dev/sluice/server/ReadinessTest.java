package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code /health/ready} is a start-up gate: 503 until the warm-up is done, then 200; the warm-up's
 * HTTP requests.
 */
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
  void theHttpWarmUpMakesAllItsRequestsOnOneConnectionAndChangesNothing() {
    AtomicInteger live = new AtomicInteger();
    AtomicInteger acquires = new AtomicInteger();
    AtomicInteger connections = new AtomicInteger();
    Server server =
        Server.builder()
            .http(0)
            .service(
                "/health/live",
                (ctx, req) -> {
                  live.incrementAndGet();
                  return HttpResponse.of(HttpStatus.OK);
                })
            .service(
                "/v1/acquire",
                (ctx, req) ->
                    HttpResponse.of(
                        req.aggregate()
                            .thenApply(
                                body -> {
                                  assertThat(body.contentUtf8()).isEqualTo("{\"key\": \"\"}");
                                  acquires.incrementAndGet();
                                  return HttpResponse.of(HttpStatus.BAD_REQUEST);
                                })))
            .childChannelPipelineCustomizer(pipeline -> connections.incrementAndGet())
            .build();
    server.start().join();
    try {
      WarmUp.http("127.0.0.1", server.activeLocalPort());
    } finally {
      server.stop().join();
    }

    assertThat(live).hasValue(WarmUp.HTTP_REQUESTS / 2);
    assertThat(acquires).hasValue(WarmUp.HTTP_REQUESTS / 2);
    assertThat(connections).hasValue(1);
  }

  @Test
  void theReservedWarmUpKeysAreLongerThanAnyClientKey() {
    for (int i = 0; i < 100; i++) {
      assertThat(WarmUp.reservedKey(i).getBytes(StandardCharsets.UTF_8)).hasSize(513);
    }
  }
}
