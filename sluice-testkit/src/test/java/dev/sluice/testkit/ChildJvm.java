package dev.sluice.testkit;

/**
 * Main class run in a child JVM by {@link ProcessCleanupIT}: starts a node, prints its pid and
 * directory, then either exits without closing it ({@code exit}) or waits to be killed ({@code
 * hang}). With {@code sentinel-hang} it starts a {@link RedisSentinel} instead, prints a line for
 * each of its five processes and waits to be killed.
 */
final class ChildJvm {

  private ChildJvm() {}

  public static void main(String[] args) throws Exception {
    if ("sentinel-hang".equals(args[0])) {
      RedisSentinel sentinel = RedisSentinel.start();
      for (RedisNode node : sentinel.nodes()) {
        System.out.println("NODE " + node.pid() + " " + node.directory());
      }
      for (RedisNode node : sentinel.sentinels()) {
        System.out.println("NODE " + node.pid() + " " + node.directory());
      }
      System.out.println("DONE");
      System.out.flush();
      Thread.sleep(60_000);
      System.exit(2);
    }
    RedisNode node = RedisNode.start();
    System.out.println("NODE " + node.pid() + " " + node.directory());
    System.out.flush();
    if ("exit".equals(args[0])) {
      System.exit(0);
    }
    Thread.sleep(60_000);
    System.exit(2);
  }
}
