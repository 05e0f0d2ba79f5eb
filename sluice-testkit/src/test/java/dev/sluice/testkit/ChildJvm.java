package dev.sluice.testkit;

/**
 * Main class run in a child JVM by {@link ProcessCleanupIT}: starts a node, prints its pid and directory, then
 * either exits without closing it ({@code exit}) or waits to be killed ({@code hang}).
 */
final class ChildJvm {

    private ChildJvm() {
    }

    public static void main(String[] args) throws Exception {
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
