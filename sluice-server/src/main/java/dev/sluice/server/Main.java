package dev.sluice.server;

import dev.sluice.BackendException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command line. */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "A distributed rate limiter: token bucket and friends, in memory or on Redis.",
    subcommands = {
      ServeCommand.class,
      ConfigCommand.class,
      DemoCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main {

  /** The exit status for invalid arguments or configuration. */
  static final int USAGE_ERROR = 2;

  /** The exit status when the configured store cannot be reached at startup. */
  static final int STORE_UNAVAILABLE = 3;

  private Main() {}

  /**
   * Runs the command line and exits with its status.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    processDefaults();
    System.exit(commandLine().execute(args));
  }

  /** The system property of Netty's buffer leak detector. */
  static final String LEAK_DETECTION = "io.netty.leakDetection.level";

  /**
   * The defaults of a {@code sluice} process, set before Netty loads: its buffer leak detector off
   * unless {@code -Dio.netty.leakDetection.level} is given. The detector samples one buffer in 128
   * and records a stack trace for each, which cost the HTTP API 7% to 17% of its requests per
   * second on the benchmark's machine. Only {@link #main} sets it: tests that run the server inside
   * their own JVM keep Netty's default, while the servers the integration tests start as processes
   * run as users' do.
   */
  static void processDefaults() {
    if (System.getProperty(LEAK_DETECTION) == null) {
      System.setProperty(LEAK_DETECTION, "disabled");
    }
  }

  /**
   * The configured command line, for tests and embedding.
   *
   * @return the command line
   */
  public static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(
            (error, commandLine, parseResult) -> {
              if (error instanceof IllegalArgumentException) {
                commandLine.getErr().println("sluice: " + error.getMessage());
                commandLine.getErr().flush();
                return USAGE_ERROR;
              }
              if (error instanceof BackendException) {
                commandLine.getErr().println("sluice: " + error.getMessage());
                commandLine.getErr().flush();
                return STORE_UNAVAILABLE;
              }
              throw error;
            });
  }

  /** The version from the jar's manifest, or "development" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"sluice " + (version == null ? "development" : version)};
    }
  }
}
