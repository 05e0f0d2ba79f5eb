package dev.sluice.spring;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import reactor.blockhound.BlockHound;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * BlockHound, installed for the WebFlux tests: any blocking call on a non-blocking thread (Reactor
 * Netty's event loops, Reactor's parallel scheduler) fails the request that made it.
 */
final class BlockingCheck {

  private BlockingCheck() {}

  static synchronized void install() {
    BlockHound.install();
  }

  /** Shows that BlockHound is active: a sleep on the parallel scheduler is refused. */
  static void assertActive() {
    assertThatThrownBy(
            () ->
                Mono.fromCallable(
                        () -> {
                          Thread.sleep(1);
                          return 1;
                        })
                    .subscribeOn(Schedulers.parallel())
                    .block())
        .hasMessageContaining("Blocking call");
  }
}
