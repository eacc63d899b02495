package io.larder.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code larder bench [SUITE…] [--quick] [--json FILE]}: runs each suite, Larder beside its
 * comparison on the same work in the same run, interleaved in rounds, and prints the medians and
 * the ratio; {@code ratio > 1} always means Larder is better.
 *
 * <pre>
 * java -jar larder-bench/target/larder-bench-0.1.0-SNAPSHOT-all.jar redis memory --quick --json out.json
 * </pre>
 */
public final class Bench {
  private static final Map<String, Suite> SUITES = new LinkedHashMap<>();

  static {
    for (Suite s : List.of(new RedisSuite(), new MemcachedSuite(), new PreloadSuite(),
        new MemorySuite(), new SqliteSuite(), new DatabaseSuite(), new StampedeSuite(),
        new PageSuite(), new MicroSuite(), new ChurnSuite(), new NearSuite(),
        new KyotoTycoonSuite(), new AsyncSuite())) {
      SUITES.put(s.name(), s);
    }
  }

  private Bench() {}

  /**
   * Runs the suites named in {@code args} (all when none is named).
   *
   * @param args {@code [SUITE…] [--quick] [--json FILE]}
   * @throws Exception if a server cannot start or a client fails
   */
  public static void main(String[] args) throws Exception {
    List<String> names = new ArrayList<>();
    boolean quick = false;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--json" -> {
          if (i + 1 >= args.length) {
            usage("--json needs a FILE");
          }
          json = Path.of(args[++i]);
        }
        case "-h", "--help" -> {
          usage(null);
          return;
        }
        default -> {
          if (!SUITES.containsKey(args[i])) {
            usage("unknown suite or option '" + args[i] + "'");
          }
          names.add(args[i]);
        }
      }
    }
    if (names.isEmpty()) {
      names.addAll(SUITES.keySet());
    }
    Harness.Settings settings = quick ? Harness.Settings.quickRun() : Harness.Settings.fullRun();
    System.out.printf(Locale.ROOT, "larder bench %s: %d rounds of %d ms per measurement (+1"
        + " warm-up round), %d cores, Java %s%n", String.join(" ", names), settings.rounds(),
        settings.millis(), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    long began = System.nanoTime();
    Map<String, List<Suite.Result>> all = new LinkedHashMap<>();
    for (String name : names) {
      long t0 = System.nanoTime();
      Harness.CHECKED_READS.reset();
      Suite suite = SUITES.get(name);
      List<Suite.Result> results = suite.run(settings);
      all.put(name, results);
      print(name, results, (System.nanoTime() - t0) / 1e9);
      long checked = Harness.CHECKED_READS.sum();
      System.out.printf(Locale.ROOT, "%s: %,d reads checked%n", name, checked);
      if (suite.readsCache() && checked == 0) {
        throw new IllegalStateException("suite " + name + " checked none of its reads");
      }
      if (json != null) {
        writeJson(json, all); // after every suite, so a later failure keeps what was measured
      }
    }
    System.out.printf(Locale.ROOT, "total %.1f s; ratio > 1 means Larder is better%n",
        (System.nanoTime() - began) / 1e9);
  }

  private static void usage(String error) {
    String text = "usage: larder bench [SUITE...] [--quick] [--json FILE]\nsuites: "
        + String.join(" ", SUITES.keySet());
    if (error != null) {
      System.err.println("larder bench: " + error);
      System.err.println(text);
      System.exit(2);
    }
    System.out.println(text);
  }

  private static void print(String suite, List<Suite.Result> results, double seconds) {
    System.out.printf(Locale.ROOT, "%n== %s (%.1f s)%n", suite, seconds);
    System.out.printf(Locale.ROOT, "%-42s %14s %14s %-30s %-12s %7s%n", "case", "Larder", "peer",
        "peer name", "unit", "ratio");
    for (Suite.Result r : results) {
      System.out.printf(Locale.ROOT, "%-42s %14s %14s %-30s %-12s %7.2f%n", r.name(),
          number(r.larder()), number(r.peer()), r.peerName(), r.unit(), r.ratio());
    }
  }

  private static String number(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v)
        : v >= 1 || v == 0 ? String.format(Locale.ROOT, "%.2f", v)
        : String.format(Locale.ROOT, "%.3g", v);
  }

  static void writeJson(Path file, Map<String, List<Suite.Result>> all) throws IOException {
    StringBuilder out = new StringBuilder("{\"suites\":[");
    boolean firstSuite = true;
    for (Map.Entry<String, List<Suite.Result>> e : all.entrySet()) {
      out.append(firstSuite ? "" : ",").append("\n {\"suite\":").append(quote(e.getKey()))
          .append(",\"cases\":[");
      firstSuite = false;
      boolean firstCase = true;
      for (Suite.Result r : e.getValue()) {
        out.append(firstCase ? "" : ",").append("\n  {\"name\":").append(quote(r.name()))
            .append(",\"larder\":").append(num(r.larder()))
            .append(",\"peer\":").append(num(r.peer()))
            .append(",\"peerName\":").append(quote(r.peerName()))
            .append(",\"unit\":").append(quote(r.unit()))
            .append(",\"ratio\":").append(num(r.ratio())).append('}');
        firstCase = false;
      }
      out.append("]}");
    }
    out.append("\n]}\n");
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, out, StandardCharsets.UTF_8);
  }

  private static String num(double v) {
    if (!Double.isFinite(v)) {
      return "null";
    }
    return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros()
        .toPlainString();
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
