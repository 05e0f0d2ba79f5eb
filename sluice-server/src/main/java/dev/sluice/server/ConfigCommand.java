package dev.sluice.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice config}: work with configuration files without starting a server. */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Works with sluice configuration files.",
    subcommands = {ConfigCommand.Check.class})
final class ConfigCommand {

  /**
   * {@code sluice config check FILE}: validates a file; exit 0 and a summary, or 2 and the first
   * problem.
   */
  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description = {
        "Validates a configuration file without starting the server, with the envoyproxy/ratelimit"
            + " configuration its rls.config names.",
        "Prints a one-line summary and exits 0 when valid; prints FILE:LINE: problem and exits 2"
            + " when not."
      })
  static final class Check implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The YAML configuration file.")
    Path file;

    @Override
    public Integer call() {
      ServerConfig config = ConfigLoader.load(file);
      Path rls = config.rls().config();
      String domains = "";
      if (rls != null) {
        int count = RlsConfigLoader.load(rls).domains().size();
        domains = "; " + rls + ": " + count + (count == 1 ? " RLS domain" : " RLS domains");
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(file + ": valid: " + config.summary() + domains);
      out.flush();
      return 0;
    }
  }
}
