package dev.sluice.testkit;

/**
 * redis-server could not bind its port because someone else took it first.
 *
 * <p>Design: thrown by {@link ServerProcess#launch} when the server exits at start-up saying
 * "Address already in use", so that the caller can retry on another port from {@link Ports}.
 */
final class PortTakenException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  PortTakenException(int port) {
    super("port " + port + " already in use");
  }
}
