package dev.sluice.server;

import dev.sluice.Backend;
import dev.sluice.Policy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Brings a starting instance to full speed before it reports ready: the store's connections and
 * scripts, the decision path of every configured policy (compiled by the JIT), and the HTTP
 * server's request path.
 *
 * <p>Decisions are made on reserved keys that no client can send (longer than the longest client
 * key: {@value #KEY_BYTES} bytes), first on the store itself (so that every call reaches Redis),
 * then through the failure handling in front of it; the keys are reset at the end. The HTTP path is
 * warmed with requests that change nothing (the liveness probe, and acquires refused as bad input).
 * Each part is bounded by {@link #BUDGET}: a slow machine reports ready later, but it does report.
 */
final class WarmUp {

  /** The longest a warm-up takes. */
  static final Duration BUDGET = Duration.ofSeconds(5);

  /** The length of a reserved key: one byte more than a client key may have. */
  static final int KEY_BYTES = 513;

  /** Decisions made on the store itself, in all. */
  private static final int STORE_CALLS = 2_000;

  /** Decisions made through the whole chain, in all. */
  private static final int CHAIN_CALLS = 300;

  /** Reserved keys in use, and calls in flight at most. */
  private static final int KEYS = 32;

  /** HTTP requests made, half to the liveness probe, half refused acquires. */
  static final int HTTP_REQUESTS = 200;

  private WarmUp() {}

  /**
   * Warms the decision path.
   *
   * @param store the store (below the failure handling), or the only backend
   * @param chain the backend the limiter calls: the failure handling in front of the store, or the
   *     store itself
   * @param policies the configured policies
   */
  static void decisions(Backend store, Backend chain, Collection<Policy> policies) {
    long deadline = System.nanoTime() + BUDGET.toNanos();
    List<Policy> all = List.copyOf(policies);
    List<String> keys = keys(0, KEYS);
    run(store, all, keys, STORE_CALLS, deadline);
    List<String> fresh = List.of();
    if (chain != store) {
      // A fresh key per call: each is decided by the store, none by the deny cache, so that the
      // chain's own counters (saved calls) show nothing of the warm-up.
      fresh = keys(KEYS, CHAIN_CALLS);
      run(chain, all, fresh, CHAIN_CALLS, deadline);
    }
    ExecutorService resets = Executors.newFixedThreadPool(KEYS / 4);
    try {
      List<CompletableFuture<Void>> done = new ArrayList<>();
      int mine = all.size() * KEYS;
      for (int i = 0; i < mine + fresh.size(); i++) {
        Policy policy = all.get(i < mine ? i / KEYS : (i - mine) % all.size());
        String key = i < mine ? keys.get(i % KEYS) : fresh.get(i - mine);
        done.add(CompletableFuture.runAsync(() -> chain.reset(policy, key), resets));
      }
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
          .get(Math.max(1, deadline + BUDGET.toNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // The store failed or is slow: the reserved keys expire on their own.
    } finally {
      resets.shutdownNow();
    }
  }

  private static List<String> keys(int first, int count) {
    List<String> keys = new ArrayList<>(count);
    for (int i = first; i < first + count; i++) {
      keys.add(reservedKey(i));
    }
    return keys;
  }

  /**
   * Warms the HTTP server's request path with requests that change nothing, over HTTP/1.1 with
   * {@link HttpURLConnection}: it costs the starting process a third of what {@code
   * java.net.http}'s client does (whose first use also sets up TLS), measured here.
   *
   * @param port the port the server listens on
   * @param host the address to reach it at
   */
  static void http(String host, int port) {
    long deadline = System.nanoTime() + BUDGET.toNanos();
    String base = "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    byte[] refused = "{\"key\": \"\"}".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < HTTP_REQUESTS && System.nanoTime() < deadline; i++) {
      try {
        boolean live = i % 2 == 0;
        HttpURLConnection call =
            (HttpURLConnection)
                URI.create(base + (live ? "/health/live" : "/v1/acquire")).toURL().openConnection();
        call.setConnectTimeout(1_000);
        call.setReadTimeout(1_000);
        if (!live) {
          call.setRequestMethod("POST");
          call.setRequestProperty("Content-Type", "application/json");
          call.setDoOutput(true);
          try (OutputStream body = call.getOutputStream()) {
            body.write(refused);
          }
        }
        // Read to the end, so that the connection is kept for the next request.
        InputStream answer =
            call.getResponseCode() < 400 ? call.getInputStream() : call.getErrorStream();
        if (answer != null) {
          try (answer) {
            answer.readAllBytes();
          }
        }
      } catch (IOException e) {
        return;
      }
    }
  }

  /**
   * A key no client can send: {@value #KEY_BYTES} ASCII bytes, one more than a client key may have.
   */
  static String reservedKey(int index) {
    String head = "sluice-warm-up-" + index + "-";
    return head + "x".repeat(KEY_BYTES - head.length());
  }

  private static void run(
      Backend backend, List<Policy> policies, List<String> keys, int calls, long deadline) {
    Semaphore inFlight = new Semaphore(KEYS);
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (int i = 0; i < calls && System.nanoTime() < deadline; i++) {
      Policy policy = policies.get(i % policies.size());
      String key = keys.get(i % keys.size());
      boolean peek = keys.size() == KEYS && i % 8 == 0;
      try {
        if (!inFlight.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          break;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      CompletableFuture<?> call;
      try {
        call =
            peek
                ? CompletableFuture.runAsync(() -> backend.peek(policy, key))
                : backend.tryAcquireAsync(policy, key, 1).toCompletableFuture();
      } catch (RuntimeException e) {
        call = CompletableFuture.failedFuture(e);
      }
      pending.add(call.whenComplete((result, error) -> inFlight.release()));
    }
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // A failed or slow warm-up still ends: readiness waits for the budget at most.
    }
  }
}
