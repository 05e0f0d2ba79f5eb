package dev.sluice.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script from the class path, called by its SHA-1 with EVALSHA; on NOSCRIPT (after a SCRIPT
 * FLUSH, a restart or a failover to a node that never saw it) it is sent once with EVAL, which also
 * caches it on that node.
 */
final class Script {

  private final String body;
  private final String sha;

  private Script(String body) {
    this.body = body;
    this.sha = sha1(body);
  }

  static Script load(String resource) {
    try (InputStream in = Script.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("script not found on the class path: " + resource);
      }
      return new Script(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String sha() {
    return sha;
  }

  /** Runs the script; the reply is a flat list of integers. */
  CompletionStage<List<Long>> run(
      RedisClusterAsyncCommands<String, String> redis, String[] keys, String[] args) {
    CompletableFuture<List<Long>> result = new CompletableFuture<>();
    redis
        .<List<Long>>evalsha(sha, ScriptOutputType.MULTI, keys, args)
        .whenComplete(
            (reply, error) -> {
              if (error == null) {
                result.complete(reply);
              } else if (error instanceof RedisNoScriptException) {
                redis
                    .<List<Long>>eval(body, ScriptOutputType.MULTI, keys, args)
                    .whenComplete(
                        (again, failed) -> {
                          if (failed == null) {
                            result.complete(again);
                          } else {
                            result.completeExceptionally(failed);
                          }
                        });
              } else {
                result.completeExceptionally(error);
              }
            });
    return result;
  }

  private static String sha1(String body) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JVM", e);
    }
  }
}
