package io.larder.cli;

import io.larder.Larder;
import io.larder.spi.StoreUrl;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The {@code larder} command.
 *
 * <pre>
 * larder check URL             run the live checks against a store and report each one
 * larder example [OPTIONS...]  the example book site (the larder script runs larder-example)
 * larder bench [SUITE...]      the benchmarks (the larder script runs larder-bench)
 * larder help                  list the commands, the URL schemes and the exit codes
 * </pre>
 *
 * <p>Exit codes: {@value #OK} success, {@value #FAILED} a check failed or the store could not
 * be opened, {@value #USAGE} bad usage.
 */
public final class Main {
  /** The exit code of success. */
  static final int OK = 0;
  /** The exit code when a check failed or the store could not be opened. */
  static final int FAILED = 1;
  /** The exit code of bad usage: an unknown command, a missing or extra argument. */
  static final int USAGE = 2;

  /** A command as the help lists it. */
  private record Command(String name, String synopsis, String summary) {}

  private static final List<Command> COMMANDS = List.of(
      new Command("check", "check URL",
          "run the live checks against the store at URL; exit 1 if one fails"),
      new Command("example", "example [--cache URL] ...",
          "start the example book site (larder example --help for its options)"),
      new Command("bench", "bench [SUITE...] [--quick]",
          "run Larder beside the raw clients and its peers, printing ratios"),
      new Command("help", "help",
          "print this help (also --help or -h)"));

  private Main() {}

  /**
   * Runs the command and exits with its status, logging one line per record to standard
   * error.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    logOneLinePerRecord();
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the command.
   *
   * @param args the command line
   * @param out where results and the help asked for go
   * @param err where usage errors go
   * @return the exit status: {@value #OK} success, {@value #FAILED} a check failed or the
   *     store could not be opened, {@value #USAGE} bad usage
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      usage(err);
      return USAGE;
    }
    switch (args[0]) {
      case "help":
      case "--help":
      case "-h":
        usage(out);
        return OK;
      case "check":
        if (args.length != 2) {
          err.println("usage: larder check URL   (for example: larder check sqlite:cache.db)");
          return USAGE;
        }
        return LiveChecks.run(args[1], out);
      case "example":
      case "bench":
        // the larder script runs these from their own jars; this jar has neither
        err.println("larder: run '" + args[0] + "' through the larder script at the project's"
            + " root: ./larder " + args[0] + " --help");
        return USAGE;
      default:
        err.println("larder: unknown command '" + args[0] + "'"
            + didYouMean(StoreUrl.closest(args[0], COMMANDS.stream().map(Command::name).toList()))
            + "; 'larder --help' lists the commands");
        return USAGE;
    }
  }

  private static String didYouMean(List<String> meant) {
    return meant.isEmpty() ? "" : " (did you mean " + StoreUrl.quoteChoices(meant) + "?)";
  }

  private static void usage(PrintStream s) {
    s.println("usage: larder COMMAND [ARGS...]");
    s.println();
    s.println("commands:");
    for (Command c : COMMANDS) {
      s.printf(Locale.ROOT, "  %-28s %s%n", c.synopsis(), c.summary());
    }
    s.println();
    s.println("URL schemes here: " + Larder.schemes().stream().map(scheme -> scheme + ":")
        .collect(Collectors.joining(" ")));
    s.println("URL options: ?prefix=app&ttl=60s&compress=256&failOpen=false and each store's"
        + " own (docs/urls.md)");
    s.println();
    s.println("exit status: " + OK + " success; " + FAILED + " failure (a check failed, the store"
        + " could not be opened, the site could not start); " + USAGE + " bad usage");
  }

  /**
   * Replaces the root logger's handlers with one writing each record as one line to standard
   * error, {@code larder: warning: ...}, with no date header and no stack trace.
   */
  static void logOneLinePerRecord() {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler console = new ConsoleHandler();
    console.setFormatter(new OneLine());
    root.addHandler(console);
  }

  /** Formats a log record as {@code larder: LEVEL: message[: cause]} on one line. */
  static final class OneLine extends Formatter {
    @Override
    public String format(LogRecord record) {
      String message = formatMessage(record);
      Throwable thrown = record.getThrown();
      if (thrown != null && thrown.getMessage() != null
          && (message == null || !message.contains(thrown.getMessage()))) {
        message = message + ": " + LiveChecks.describe(thrown);
      }
      return "larder: " + level(record.getLevel()) + ": " + LiveChecks.oneLine(message)
          + System.lineSeparator();
    }

    private static String level(Level level) {
      if (level.intValue() >= Level.SEVERE.intValue()) {
        return "error";
      }
      return level.intValue() >= Level.WARNING.intValue() ? "warning" : "info";
    }
  }
}
