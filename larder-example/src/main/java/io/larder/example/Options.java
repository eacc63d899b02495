package io.larder.example;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The example's command line.
 *
 * @param cacheUrl the Larder URL of the cache
 * @param port the port to listen on (127.0.0.1 only); 0 picks a free one
 * @param data the folder for the book database (and the default SQLite cache)
 * @param staticDir the folder served as files under {@code /static/}, or {@code null} for none
 * @param help whether {@code --help} was asked for
 * @param noCache whether the site runs without Larder at all ({@code --no-cache}): no page
 *     cache, no fragments, no memoize, no single flight; the uncached baseline to compare with
 */
record Options(String cacheUrl, int port, Path data, Path staticDir, boolean help,
    boolean noCache) {
  static final String USAGE = String.join("\n",
      "usage: larder example [--cache URL | --no-cache] [--port N] [--data DIR] [--static DIR]",
      "",
      "Starts the example book site on http://127.0.0.1:N/ (8080 by default; 0 picks a free port).",
      "  --cache URL  the cache: sqlite:PATH (the default, DIR/larder-example-cache.db), mem:,",
      "               redis://host:6379/0, memcached://host:11211,..., or none: (nothing stored)",
      "  --no-cache   run without Larder at all: every page rendered, every query run (the",
      "               uncached baseline; none: still shares concurrent computations)",
      "  --data DIR   where the book database lives (./data by default; created if missing)",
      "  --port N     the port to listen on, on 127.0.0.1 only",
      "  --static DIR serve the files of DIR under /static/ (a site's CSS and images), as Jetty",
      "               serves static files, past the page cache; none by default");

  Options {
    Objects.requireNonNull(cacheUrl, "cacheUrl");
    Objects.requireNonNull(data, "data");
  }

  /**
   * Parses the arguments.
   *
   * @throws IllegalArgumentException naming the bad argument
   */
  static Options parse(String... args) {
    String cache = null;
    Integer port = null;
    Path data = null;
    Path staticDir = null;
    boolean help = false;
    boolean noCache = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        value = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      switch (a) {
        case "--help", "-h" -> help = true;
        case "--no-cache" -> {
          if (value != null) {
            throw new IllegalArgumentException("--no-cache takes no value");
          }
          noCache = true;
        }
        case "--cache" -> {
          if (cache != null) {
            throw new IllegalArgumentException("--cache was given twice");
          }
          cache = value != null ? value : next(args, ++i, "--cache");
          if (cache.isBlank()) {
            throw new IllegalArgumentException("--cache needs a URL, such as mem: or sqlite:cache.db");
          }
        }
        case "--port" -> {
          if (port != null) {
            throw new IllegalArgumentException("--port was given twice");
          }
          String p = value != null ? value : next(args, ++i, "--port");
          try {
            port = Integer.parseInt(p);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--port needs a number from 0 to 65535, got '" + p + "'");
          }
          if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port needs a number from 0 to 65535, got " + port);
          }
        }
        case "--data" -> {
          if (data != null) {
            throw new IllegalArgumentException("--data was given twice");
          }
          data = Path.of(value != null ? value : next(args, ++i, "--data"));
        }
        case "--static" -> {
          if (staticDir != null) {
            throw new IllegalArgumentException("--static was given twice");
          }
          staticDir = Path.of(value != null ? value : next(args, ++i, "--static"));
        }
        default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
      }
    }
    if (noCache && cache != null) {
      throw new IllegalArgumentException("--no-cache and --cache " + cache + " contradict each other");
    }
    if (data == null) {
      data = Path.of("data");
    }
    if (noCache) {
      cache = "none:";
    } else if (cache == null) {
      cache = "sqlite:" + data.resolve("larder-example-cache.db");
    }
    return new Options(cache, port == null ? 8080 : port, data, staticDir, help, noCache);
  }

  private static String next(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
