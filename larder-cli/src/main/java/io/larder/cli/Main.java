package io.larder.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code larder} command.
 *
 * <pre>
 * larder check URL     run the live checks against a store and report each one
 * </pre>
 */
public final class Main {
  private Main() {}

  /**
   * Runs the command and exits with its status.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the command.
   *
   * @param args the command line
   * @param out where results go
   * @param err where usage errors go
   * @return the exit status: 0 success, 1 a check failed, 2 bad usage
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")
        || args[0].equals("help")) {
      usage(args.length == 0 ? err : out);
      return args.length == 0 ? 2 : 0;
    }
    switch (args[0]) {
      case "check":
        if (args.length != 2) {
          err.println("usage: larder check URL   (for example: larder check sqlite:cache.db)");
          return 2;
        }
        return LiveChecks.run(args[1], out);
      default:
        err.println("larder: unknown command '" + args[0] + "' in " + Arrays.toString(args));
        usage(err);
        return 2;
    }
  }

  private static void usage(PrintStream s) {
    s.println("usage: larder COMMAND");
    s.println();
    s.println("  check URL   run the live checks (set/get, TTL, bulk, incr, CAS, namespace");
    s.println("              clear, bad keys, preload) against the store at URL, in a random");
    s.println("              namespace that is removed afterwards; exits 1 if any check fails");
    s.println();
    s.println("URLs: mem:, sqlite:path/to/file.db, ... with options such as ?ttl=60s&prefix=app");
  }
}
