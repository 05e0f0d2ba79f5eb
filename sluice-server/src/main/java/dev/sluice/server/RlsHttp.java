package dev.sluice.server;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.sluice.envoy.RlsService;
import dev.sluice.envoy.proto.rls.RateLimitRequest;
import dev.sluice.envoy.proto.rls.RateLimitResponse;
import java.util.function.BooleanSupplier;

/**
 * envoyproxy/ratelimit's HTTP surface beside Sluice's API: {@code POST /json} (a {@code
 * RateLimitRequest} in the standard protobuf JSON mapping, answered with the {@code
 * RateLimitResponse} in the same mapping: 200 when OK, 429 when over the limit, 400 for a bad
 * request) sharing its counters with gRPC, and {@code GET /healthcheck}.
 */
final class RlsHttp {

  private final RlsService service;
  private final BooleanSupplier ready;

  RlsHttp(RlsService service, BooleanSupplier ready) {
    this.service = service;
    this.ready = ready;
  }

  /** {@code POST /json}. */
  HttpResponse json(ServiceRequestContext ctx, HttpRequest req) {
    return HttpResponse.of(
        req.aggregate()
            .thenCompose(
                body -> {
                  RateLimitRequest.Builder request = RateLimitRequest.newBuilder();
                  try {
                    JsonFormat.parser().merge(body.contentUtf8(), request);
                  } catch (InvalidProtocolBufferException | RuntimeException e) {
                    return java.util.concurrent.CompletableFuture.completedFuture(
                        text(
                            HttpStatus.BAD_REQUEST,
                            "invalid RateLimitRequest JSON: " + e.getMessage()));
                  }
                  return service
                      .decide(request.build())
                      .handle(
                          (response, error) -> {
                            if (error != null) {
                              io.grpc.Status status = RlsService.status(error);
                              return text(
                                  status.getCode() == io.grpc.Status.Code.UNKNOWN
                                      ? HttpStatus.BAD_REQUEST
                                      : HttpStatus.SERVICE_UNAVAILABLE,
                                  String.valueOf(status.getDescription()));
                            }
                            try {
                              return HttpResponse.of(
                                  response.getOverallCode() == RateLimitResponse.Code.OVER_LIMIT
                                      ? HttpStatus.TOO_MANY_REQUESTS
                                      : HttpStatus.OK,
                                  MediaType.JSON_UTF_8,
                                  JsonFormat.printer().print(response));
                            } catch (InvalidProtocolBufferException e) {
                              throw new IllegalStateException("a response prints as JSON", e);
                            }
                          })
                      .toCompletableFuture();
                }));
  }

  /** {@code GET /healthcheck}: 200 OK once ready, 500 before, as envoyproxy/ratelimit. */
  HttpResponse healthcheck(ServiceRequestContext ctx, HttpRequest req) {
    return ready.getAsBoolean()
        ? text(HttpStatus.OK, "OK")
        : text(HttpStatus.INTERNAL_SERVER_ERROR, "starting");
  }

  private static HttpResponse text(HttpStatus status, String body) {
    return HttpResponse.of(status, MediaType.PLAIN_TEXT_UTF_8, body + "\n");
  }
}
