package io.larder.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code larder bench [SUITE…] [--quick] [--json FILE] [--no-fork]}: runs each suite, Larder
 * beside its comparison on the same work in the same run, interleaved in rounds, and prints the
 * medians, the ratio and the quartiles of the per-round ratios; {@code ratio > 1} always means
 * Larder is better.
 *
 * <p>Each suite runs in a JVM of its own (a fork, as JMH's), started with this JVM's flags and
 * class path, which passes its results back in a file: so no suite's classes, JIT profiles
 * (the facade's call sites, Caffeine's, shared by several suites), heap or garbage reach another
 * suite's measurements, and {@code larder bench a b} measures what {@code larder bench a} and
 * {@code larder bench b} do. {@code --no-fork} runs every suite in this JVM instead, as before
 * 2026-12-05 (for a profiler attached to one process); flags that name a file, such as
 * {@code -XX:StartFlightRecording:filename=…} or {@code -Xlog:gc:file=…}, are passed to every
 * fork, so give them a {@code %p} (the fork's process id) or name one suite. A fork whose flags
 * size no heap gets a fixed one ({@link #HEAP}) and writes its young generation once before
 * measuring ({@link #touchYoungGeneration}), so that no window pays for the heap growing.
 *
 * <p>A suite whose rows move between JVMs of the same code by more than between the rounds of
 * one asks for several JVMs ({@link Suite#forks}; the {@code memory} suite, three in a full
 * run): they run one after another, each measures every row and prints its table, and each
 * row's rounds are pooled over them ({@link #pooled}): the row's ratio is the median of all
 * their per-round ratios, its q1-q3 their quartiles, and the {@code forks} column (JSON field)
 * gives each JVM's own ratio. With {@code --no-fork} those runs take turns in this JVM and are
 * pooled the same way.
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

  /** The internal option that makes a JVM a fork: run the one suite named, write to FILE. */
  private static final String FORK = "--fork-results";

  /** The internal option that tells a fork which of its suite's JVMs it is (from 0). */
  private static final String FORK_INDEX = "--fork-index";

  /**
   * Runs the suites named in {@code args} (all when none is named), each in a JVM of its own
   * unless {@code --no-fork} is given.
   *
   * @param args {@code [SUITE…] [--quick] [--json FILE] [--no-fork]}
   * @throws Exception if a server cannot start, a client fails, or a suite's JVM fails
   */
  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    if (options == null) {
      return;
    }
    List<String> names = options.names();
    boolean fork = options.fork();
    Path json = options.json();
    Path forkResults = options.forkResults();
    Harness.Settings settings = options.settings();
    if (forkResults != null) {
      if (names.size() != 1) {
        usage(FORK + " runs one suite");
      }
      touchYoungGeneration(bytesToTouch(settings));
      writeResults(forkResults, runHere(names.get(0), options.forkSettings()));
      // a thread a suite left running must not keep its JVM, and the run, waiting
      System.exit(0);
    }
    System.out.printf(Locale.ROOT, "larder bench %s: %d rounds of %d ms per measurement (+1"
        + " warm-up round of %d ms) unless a suite's line says otherwise, each suite in %s, %d"
        + " cores, Java %s%n",
        String.join(" ", names), settings.rounds(), settings.millis(), settings.warmUpMillis(),
        fork ? "a JVM of its own" : "this JVM", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    if (!fork) {
      MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      String warning = unfixedHeapWarning(heap.getInit(), heap.getMax());
      if (warning != null) {
        System.err.println(warning);
      }
      touchYoungGeneration(bytesToTouch(settings));
    }
    long began = System.nanoTime();
    Map<String, List<Suite.Result>> all = new LinkedHashMap<>();
    for (String name : names) {
      all.put(name, run(name, settings, fork));
      if (json != null) {
        writeJson(json, all); // after every suite, so a later failure keeps what was measured
      }
    }
    System.out.printf(Locale.ROOT, "total %.1f s; ratio > 1 means Larder is better; ratio:"
        + " the median of the per-round ratios where paired; of med: the ratio of the two"
        + " medians printed; q1-q3: the quartiles of the per-round ratios; cpu: the per-round"
        + " ratio of process CPU time per"
        + " call (information, not the goals' measure); forks: each JVM's own ratio, where a"
        + " suite's rows are measured in several and their rounds pooled%n",
        (System.nanoTime() - began) / 1e9);
  }

  /**
   * Runs one suite in as many JVMs as it asks for ({@link Suite#forks}), one after another (in
   * this one, in turn, with {@code --no-fork}), and gives its rows: one JVM's as they are, or
   * several JVMs' pooled ({@link #pooled}), printed once more, pooled. A failure in any one
   * of the JVMs (a hit-ratio check, an out-of-memory error) fails the suite and loses the rows
   * of the others: a suite measured in three JVMs has three chances to fail where it had one.
   */
  private static List<Suite.Result> run(String name, Harness.Settings settings, boolean fork)
      throws Exception {
    int forks = SUITES.get(name).forks(settings);
    String shape = SUITES.get(name).shape(settings);
    if (shape != null) {
      System.out.printf(Locale.ROOT, "%s: %s%n", name, shape);
    }
    long began = System.nanoTime();
    List<List<Suite.Result>> each = new ArrayList<>();
    for (int i = 0; i < forks; i++) {
      if (forks > 1) {
        System.out.printf(Locale.ROOT, "%n%s: %s %d of %d%s%n", name, fork ? "JVM" : "run",
            i + 1, forks, fork ? "" : ", in this JVM");
      }
      each.add(fork ? runForked(name, settings.quick(), i) : runHere(name, settings.forFork(i)));
    }
    if (forks == 1) {
      return each.get(0);
    }
    List<Suite.Result> pooled = pooled(each);
    print(name + ", " + forks + " JVMs pooled", pooled, (System.nanoTime() - began) / 1e9);
    return pooled;
  }

  /**
   * One suite's rows measured in several JVMs, combined row by row: Larder's and the peer's
   * values are the median of the JVMs' (medians), and a paired row's spread pools every JVM's
   * per-round ratios ({@link Harness.Spread#pooled}: its ratio is the median of all their
   * rounds, its quartiles theirs, and each JVM's own ratio is kept in its {@code forks}). A row
   * that is not paired in every JVM keeps no spread, and its ratio is that of the two values.
   *
   * @throws IllegalStateException if the JVMs did not measure the same rows in the same order
   */
  static List<Suite.Result> pooled(List<List<Suite.Result>> forks) {
    List<Suite.Result> first = forks.get(0);
    for (List<Suite.Result> other : forks) {
      List<String> names = other.stream().map(Suite.Result::name).toList();
      if (!names.equals(first.stream().map(Suite.Result::name).toList())) {
        throw new IllegalStateException("a suite's JVMs measured different rows: " + names
            + " and " + first.stream().map(Suite.Result::name).toList());
      }
    }
    List<Suite.Result> pooled = new ArrayList<>();
    for (int row = 0; row < first.size(); row++) {
      List<Suite.Result> rows = new ArrayList<>();
      for (List<Suite.Result> fork : forks) {
        rows.add(fork.get(row));
      }
      Suite.Result r = rows.get(0);
      boolean paired = rows.stream().allMatch(x -> x.spread() != null);
      Harness.Spread spread = paired
          ? Harness.Spread.pooled(rows.stream().map(Suite.Result::spread).toList())
          : null;
      pooled.add(new Suite.Result(r.name(),
          Harness.median(rows.stream().map(Suite.Result::larder).toList()),
          Harness.median(rows.stream().map(Suite.Result::peer).toList()), r.peerName(),
          r.unit(), r.higherIsBetter(), r.note(), spread));
    }
    return pooled;
  }

  /** Runs one suite in this JVM, prints its table and checks that it checked its reads. */
  private static List<Suite.Result> runHere(String name, Harness.Settings settings)
      throws Exception {
    long t0 = System.nanoTime();
    Harness.CHECKED_READS.reset();
    WindowLog.begin(name);
    Suite suite = SUITES.get(name);
    List<Suite.Result> results = suite.run(settings);
    print(name, results, (System.nanoTime() - t0) / 1e9);
    long checked = Harness.CHECKED_READS.sum();
    System.out.printf(Locale.ROOT, "%s: %,d reads checked%n", name, checked);
    if (suite.readsCache() && checked == 0) {
      throw new IllegalStateException("suite " + name + " checked none of its reads");
    }
    return results;
  }

  /**
   * Runs one suite in a JVM of its own, with this JVM's flags and class path, its output going
   * where this JVM's goes, and reads back its results. The options this JVM took from
   * {@code JAVA_TOOL_OPTIONS} and {@code JDK_JAVA_OPTIONS} are among its flags, so the fork
   * gets them from there and not again from those variables; a debugger's agent is not passed
   * on (it would fail to load twice, or its port is taken): debug a suite with
   * {@code --no-fork}.
   *
   * @throws IllegalStateException if the suite's JVM fails (its error is in the output)
   */
  private static List<Suite.Result> runForked(String name, boolean quick, int index)
      throws IOException, InterruptedException {
    Path results = Files.createTempFile("larder-bench-" + name + "-", ".results");
    try {
      List<String> command = forkCommand(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          ManagementFactory.getRuntimeMXBean().getInputArguments(),
          System.getProperty("java.class.path"), name, results, index, quick);
      System.out.flush();
      ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
      // their options are in this JVM's flags, copied above: applied again they would be twice
      builder.environment().remove("JAVA_TOOL_OPTIONS");
      builder.environment().remove("JDK_JAVA_OPTIONS");
      Process process = builder.start();
      Thread reaper = new Thread(process::destroy, "larder-bench-fork-reaper");
      Runtime.getRuntime().addShutdownHook(reaper); // the fork ends with this JVM
      int exit;
      try {
        exit = process.waitFor();
      } finally {
        if (process.isAlive()) {
          process.destroy();
        }
        Runtime.getRuntime().removeShutdownHook(reaper);
      }
      if (exit != 0) {
        throw new IllegalStateException("suite " + name + " failed in its JVM (exit status "
            + exit + "; its error is printed above)");
      }
      return readResults(results);
    } finally {
      Files.deleteIfExists(results);
    }
  }

  /**
   * The command line of suite {@code name}'s JVM number {@code index}: {@code java} with this
   * JVM's {@code flags} as {@link #forkFlags} passes them on, the class path, and the options
   * that make it a fork writing to {@code results} and tell it which JVM it is.
   */
  static List<String> forkCommand(String java, List<String> flags, String classPath,
      String name, Path results, int index, boolean quick) {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(forkFlags(flags));
    command.addAll(List.of("-cp", classPath, Bench.class.getName(), name, FORK,
        results.toString(), FORK_INDEX, String.valueOf(index)));
    if (quick) {
      command.add("--quick");
    }
    return command;
  }

  /**
   * The heap of a fork whose flags size none: fixed at 2 GiB, so that the collector never gives
   * memory back to the system nor takes more; and a young generation fixed at 256 MiB, so that
   * how often a contender is collected follows the bytes it allocates, not how the collector
   * resized the young generation after earlier windows: on average over the rounds, not window
   * by window (the window that fills the young generation pays its collection, whoever made
   * most of the garbage). On this project's 2-core
   * virtual machine a page of memory the process touches for the first time costs about 10 µs
   * of kernel time (a gibibyte, 2.8-3 s): with the JVM's default heap (a quarter of the
   * memory, starting at a 64th) the heap shrank after each round's full collection and grew
   * again inside a window, and the window that grew it paid up to 10,000 page faults, up to
   * 5 × its CPU per call (see docs/BENCHMARKS.md, branch {@code bulk1}).
   */
  static final List<String> HEAP = List.of("-Xms2g", "-Xmx2g", "-Xmn256m");

  /**
   * This JVM's flags for a fork: all of them but a debugger's agent (see {@link #runForked}),
   * and {@link #HEAP} unless they size the heap or its young generation themselves.
   */
  static List<String> forkFlags(List<String> flags) {
    List<String> kept = new ArrayList<>();
    boolean sized = false;
    for (String flag : flags) {
      if (!flag.startsWith("-agentlib:jdwp") && !flag.startsWith("-Xrunjdwp")
          && !flag.equals("-Xdebug")) {
        kept.add(flag);
      }
      sized |= sizesTheHeap(flag);
    }
    if (!sized) {
      kept.addAll(HEAP);
    }
    return kept;
  }

  /**
   * Tells whether a JVM flag sets the heap's size or its young generation's, directly or as a
   * share of the memory ({@code -XX:NewRatio}, which {@code -Xmn} would silently override, is
   * one).
   */
  static boolean sizesTheHeap(String flag) {
    return flag.startsWith("-Xms") || flag.startsWith("-Xmx") || flag.startsWith("-Xmn")
        || flag.matches("-XX:(Initial|Max|Min)HeapSize=.*")
        || flag.matches("-XX:(Max)?NewSize=.*")
        || flag.matches("-XX:(Max|Initial|Min)RAMPercentage=.*")
        || flag.matches("-XX:(MaxRAM|MaxRAMFraction|NewRatio)=.*");
  }

  /**
   * What {@code --no-fork} prints when this JVM's heap is not fixed (its initial size is not its
   * maximum, as {@link #HEAP} makes it in a fork), or {@code null} when it is: its windows may
   * then pay for the heap growing back after a collection, which a fork's do not.
   */
  static String unfixedHeapWarning(long initialBytes, long maxBytes) {
    if (initialBytes == maxBytes) {
      return null;
    }
    return String.format(Locale.ROOT, "larder bench --no-fork: this JVM's heap is not fixed"
        + " (%d MiB at start, up to %d MiB), so windows may pay page faults that a fork's do"
        + " not; give it %s as a fork gets", initialBytes >> 20, maxBytes >> 20,
        String.join(" ", HEAP));
  }

  /**
   * The bytes {@link #touchYoungGeneration} writes before a suite: {@link #YOUNG_TOUCHED} in a
   * full run, none in a quick one (a smoke test, which measures nothing, and which the project's
   * test script runs for every suite).
   */
  static long bytesToTouch(Harness.Settings settings) {
    return settings.quick() ? 0 : YOUNG_TOUCHED;
  }

  /** The bytes {@link #touchYoungGeneration} allocates in a fork: its young generation and more. */
  static final long YOUNG_TOUCHED = 320L << 20;

  /** The size of each array {@link #touchYoungGeneration} allocates. */
  private static final int TOUCH_CHUNK = 64 << 10;

  /** Where {@link #touchYoungGeneration} leaves a byte, so that no allocation is left out. */
  static volatile byte touched;

  /**
   * Has the memory of the young generation written once, before the suite measures anything:
   * allocates {@code bytes} of short-lived 64 kB arrays (below G1's humongous size, so they go
   * where a window's garbage goes), then collects. Without it the windows of a suite's first
   * measurements pay for the system's first touch of that memory (page faults, about 10 µs
   * each on this project's machine), the first contender more than the others.
   *
   * @return the arrays allocated
   */
  static int touchYoungGeneration(long bytes) {
    int arrays = 0;
    for (long done = 0; done < bytes; done += TOUCH_CHUNK) {
      byte[] chunk = new byte[TOUCH_CHUNK];
      chunk[arrays % TOUCH_CHUNK] = (byte) arrays;
      touched = chunk[(arrays * 31) % TOUCH_CHUNK];
      arrays++;
    }
    if (arrays > 0) {
      System.gc();
    }
    return arrays;
  }

  /** Writes a fork's results for {@link #readResults}. */
  static void writeResults(Path file, List<Suite.Result> results) throws IOException {
    try (DataOutputStream out = new DataOutputStream(
        new BufferedOutputStream(Files.newOutputStream(file)))) {
      out.writeInt(results.size());
      for (Suite.Result r : results) {
        writeString(out, r.name());
        out.writeDouble(r.larder());
        out.writeDouble(r.peer());
        writeString(out, r.peerName());
        writeString(out, r.unit());
        out.writeBoolean(r.higherIsBetter());
        writeString(out, r.note());
        Harness.Spread s = r.spread();
        out.writeBoolean(s != null);
        if (s != null) {
          out.writeDouble(s.median());
          out.writeDouble(s.q1());
          out.writeDouble(s.q3());
          out.writeInt(s.rounds());
          out.writeDouble(s.cpuRatio());
          writeDoubles(out, s.ratios());
          writeDoubles(out, s.cpuRatios());
          writeDoubles(out, s.forks());
        }
      }
    }
  }

  private static void writeDoubles(DataOutputStream out, List<Double> values)
      throws IOException {
    out.writeInt(values.size());
    for (double v : values) {
      out.writeDouble(v);
    }
  }

  private static List<Double> readDoubles(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<Double> values = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      values.add(in.readDouble());
    }
    return values;
  }

  /** A string as its length in UTF-8 bytes and those bytes (no 64 kB limit, as writeUTF has). */
  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInputStream in) throws IOException {
    byte[] bytes = new byte[in.readInt()];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Reads what {@link #writeResults} wrote. */
  static List<Suite.Result> readResults(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(
        new BufferedInputStream(Files.newInputStream(file)))) {
      int count = in.readInt();
      List<Suite.Result> results = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        String name = readString(in);
        double larder = in.readDouble();
        double peer = in.readDouble();
        String peerName = readString(in);
        String unit = readString(in);
        boolean higherIsBetter = in.readBoolean();
        String note = readString(in);
        Harness.Spread spread = in.readBoolean()
            ? new Harness.Spread(in.readDouble(), in.readDouble(), in.readDouble(), in.readInt(),
                in.readDouble(), readDoubles(in), readDoubles(in), readDoubles(in))
            : null;
        results.add(new Suite.Result(name, larder, peer, peerName, unit, higherIsBetter, note,
            spread));
      }
      return results;
    }
  }

  /**
   * The command line's options: the suites named (all when none is), and for a fork, the file
   * it writes its results to and which of its suite's JVMs it is.
   */
  record Options(List<String> names, boolean quick, boolean fork, Path json, Path forkResults,
      int forkIndex) {
    /**
     * Parses {@code args}; {@code null} after printing the usage for {@code --help}. A wrong
     * option prints the usage and ends the JVM.
     */
    static Options parse(String[] args) {
      List<String> names = new ArrayList<>();
      boolean quick = false;
      boolean fork = true;
      Path json = null;
      Path forkResults = null;
      int forkIndex = 0;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--quick" -> quick = true;
          case "--no-fork" -> fork = false;
          case "--json" -> {
            if (i + 1 >= args.length) {
              usage("--json needs a FILE");
            }
            json = Path.of(args[++i]);
          }
          case FORK -> {
            if (i + 1 >= args.length) {
              usage(FORK + " needs a FILE");
            }
            forkResults = Path.of(args[++i]);
          }
          case FORK_INDEX -> {
            if (i + 1 >= args.length) {
              usage(FORK_INDEX + " needs a number");
            }
            forkIndex = Integer.parseInt(args[++i]);
          }
          case "-h", "--help" -> {
            usage(null);
            return null;
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
      return new Options(names, quick, fork, json, forkResults, forkIndex);
    }

    /** A full or a quick run's settings. */
    Harness.Settings settings() {
      return quick ? Harness.Settings.quickRun() : Harness.Settings.fullRun();
    }

    /** The settings a fork runs its suite with: which of the suite's JVMs it is. */
    Harness.Settings forkSettings() {
      return settings().forFork(forkIndex);
    }
  }

  private static void usage(String error) {
    String text = "usage: larder bench [SUITE...] [--quick] [--json FILE] [--no-fork]\nsuites: "
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
    // "forks": each JVM's own ratio, only for a suite measured in several
    boolean forks = results.stream().anyMatch(r -> r.spread() != null
        && !r.spread().forks().isEmpty());
    // "of med": the ratio of the two medians printed, beside the paired ratio, so that a
    // reader dividing the two columns finds that number, and a gap between the two tells that
    // the machine's speed moved between rounds
    System.out.printf(Locale.ROOT, "%-42s %14s %14s %-30s %-12s %7s %7s %11s %7s%s%n", "case",
        "Larder", "peer", "peer name", "unit", "ratio", "of med", "q1-q3", "cpu",
        forks ? "  forks" : "");
    for (Suite.Result r : results) {
      Harness.Spread s = r.spread();
      System.out.printf(Locale.ROOT, "%-42s %14s %14s %-30s %-12s %7.2f %7s %11s %7s%s%n",
          r.name(), number(r.larder()), number(r.peer()), r.peerName(), r.unit(), r.ratio(),
          s == null ? "-" : String.format(Locale.ROOT, "%.2f", r.ratioOfValues()),
          s == null ? "-" : String.format(Locale.ROOT, "%.2f-%.2f", s.q1(), s.q3()),
          s == null || Double.isNaN(s.cpuRatio()) ? "-"
              : String.format(Locale.ROOT, "%.2f", s.cpuRatio()),
          !forks ? "" : s == null || s.forks().isEmpty() ? "  -" : "  " + s.forks().stream()
              .map(f -> String.format(Locale.ROOT, "%.2f", f))
              .collect(java.util.stream.Collectors.joining(" ")));
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
            .append(",\"ratio\":").append(num(r.ratio()));
        // added 2026-12-05 on every case, null when not paired (then ratio is the ratio of
        // the two values; when paired, the median of the per-round ratios)
        Harness.Spread s = r.spread();
        boolean paired = s != null;
        out.append(",\"ratioQ1\":").append(paired ? num(s.q1()) : "null")
            .append(",\"ratioQ3\":").append(paired ? num(s.q3()) : "null")
            .append(",\"pairedRounds\":").append(paired ? String.valueOf(s.rounds()) : "null")
            .append(",\"ratioOfMedians\":").append(paired ? num(r.ratioOfValues()) : "null")
            .append(",\"cpuRatio\":")
            .append(paired && !Double.isNaN(s.cpuRatio()) ? num(s.cpuRatio()) : "null");
        // added 2026-12-05 (branch memfork): each JVM's own ratio where a suite's rows pool
        // several JVMs' rounds, else null
        out.append(",\"forks\":").append(paired && !s.forks().isEmpty()
            ? s.forks().stream().map(Bench::num)
                .collect(java.util.stream.Collectors.joining(",", "[", "]"))
            : "null");
        out.append('}');
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
