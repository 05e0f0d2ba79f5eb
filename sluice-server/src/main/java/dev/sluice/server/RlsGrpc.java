package dev.sluice.server;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.linecorp.armeria.common.grpc.protocol.ArmeriaStatusException;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.protocol.AbstractUnsafeUnaryGrpcService;
import dev.sluice.envoy.RlsService;
import dev.sluice.envoy.proto.rls.RateLimitRequest;
import dev.sluice.envoy.proto.rls.RateLimitResponse;
import dev.sluice.envoy.proto.rls.RateLimitServiceGrpc;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code ShouldRateLimit} served by Armeria's unary gRPC service: the gRPC wire format (framing,
 * {@code grpc-status} trailers) without grpc-java's call machinery, which cost more than the
 * decision itself (a JFR profile of the server under h2load). The request is parsed from, and the
 * response written to, Netty's pooled buffers. Answers and status codes are {@link RlsService}'s:
 * UNKNOWN for a bad request, UNAVAILABLE for a store failure; a message that is not a {@code
 * RateLimitRequest} is INTERNAL, as grpc-java and grpc-go answer it. Compression is not offered
 * (Envoy sends identity).
 */
final class RlsGrpc extends AbstractUnsafeUnaryGrpcService {

  /** The path gRPC calls the method at. */
  static final String PATH =
      "/" + RateLimitServiceGrpc.getShouldRateLimitMethod().getFullMethodName();

  private final RlsService service;

  RlsGrpc(RlsService service) {
    this.service = service;
  }

  @Override
  protected CompletionStage<ByteBuf> handleMessage(ServiceRequestContext ctx, ByteBuf message) {
    RateLimitRequest request;
    try {
      request = RateLimitRequest.parseFrom(message.nioBuffer());
    } catch (InvalidProtocolBufferException e) {
      return CompletableFuture.failedFuture(
          new ArmeriaStatusException(
              Status.Code.INTERNAL.value(),
              "the message is not a RateLimitRequest: " + e.getMessage()));
    } finally {
      message.release();
    }
    return service
        .decide(request)
        .handle(
            (response, error) -> {
              if (error != null) {
                Status status = RlsService.status(error);
                throw new ArmeriaStatusException(status.getCode().value(), status.getDescription());
              }
              return serialized(ctx, response);
            });
  }

  private static ByteBuf serialized(ServiceRequestContext ctx, RateLimitResponse response) {
    int size = response.getSerializedSize();
    ByteBuf buf = ctx.alloc().buffer(size, size);
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(buf.nioBuffer(0, size));
      response.writeTo(out);
      out.checkNoSpaceLeft();
      return buf.writerIndex(size);
    } catch (IOException | RuntimeException e) {
      buf.release();
      throw new IllegalStateException("a response of " + size + " bytes did not serialize", e);
    }
  }
}
