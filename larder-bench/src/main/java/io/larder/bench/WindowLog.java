package io.larder.bench;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * What happened in each measured window beyond its rate, one line per window, for finding why
 * a row's windows differ: calls; this process's CPU and the bytes all its threads allocated,
 * per call; young and full collections and their pause time; JIT compilation time; the time
 * this JVM's threads and the servers it started (its child processes) spent on a core and
 * waiting for one (Linux {@code /proc/<pid>/task/<tid>/schedstat}); and the calls' latency
 * (p50, p99, max); the workers' system time and context switches, the process's page faults.
 * Off unless {@code -Dlarder.bench.windows=FILE} is given ({@code -} for
 * standard error; a fork appends to the same file); when off, {@link Harness#measure} times
 * no call, so a normal run pays nothing for it.
 */
final class WindowLog {
  /** The system property naming the file (or {@code -}) that turns the log on. */
  static final String PROPERTY = "larder.bench.windows";

  private static final PrintStream OUT = open(System.getProperty(PROPERTY));

  private WindowLog() {}

  /** Tells whether windows are logged (and their calls timed). */
  static boolean enabled() {
    return OUT != null;
  }

  private static PrintStream open(String target) {
    if (target == null || target.isEmpty()) {
      return null;
    }
    if (target.equals("-")) {
      return System.err;
    }
    try {
      return new PrintStream(new FileOutputStream(target, true), true, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + PROPERTY + "=" + target, e);
    }
  }

  /** A reading of the process's counters at one instant. */
  record Counters(long uptimeMillis, long nanoTime, long cpuNanos,
      Map<Long, Long> allocatedBytes, long youngCount, long youngMillis, long fullCount,
      long fullMillis, long jitMillis, long runNanos,
      long waitNanos, long childRunNanos, long childWaitNanos, Map<String, Long> runByKind,
      long minorFaults) {

    /**
     * Reads every counter now, at a window's start: the process's CPU time and the clock last,
     * so that walking {@code /proc} for the other counters is not counted in the window.
     */
    static Counters read() {
      return read(false);
    }

    /**
     * Reads every counter now, at a window's end: the process's CPU time and the clock first,
     * so that walking {@code /proc} for the other counters is not counted in the window.
     */
    static Counters readAtEnd() {
      return read(true);
    }

    private static Counters read(boolean clocksFirst) {
      long cpuFirst = clocksFirst ? Harness.processCpuNanos() : 0;
      long nanoFirst = clocksFirst ? System.nanoTime() : 0;
      long young = 0;
      long youngMs = 0;
      long full = 0;
      long fullMs = 0;
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (isFull(gc.getName())) {
          full += Math.max(0, gc.getCollectionCount());
          fullMs += Math.max(0, gc.getCollectionTime());
        } else {
          young += Math.max(0, gc.getCollectionCount());
          youngMs += Math.max(0, gc.getCollectionTime());
        }
      }
      var jit = ManagementFactory.getCompilationMXBean();
      long jitMs = jit != null && jit.isCompilationTimeMonitoringSupported()
          ? jit.getTotalCompilationTime() : -1;
      Map<String, Long> byKind = new HashMap<>();
      long[] self = schedstat(ProcessHandle.current().pid(), byKind);
      long[] children = {0, 0};
      ProcessHandle.current().descendants().forEach(p -> {
        long[] s = schedstat(p.pid(), null);
        children[0] += s[0];
        children[1] += s[1];
      });
      Map<Long, Long> allocated = threadAllocatedBytes();
      long faults = processMinorFaults();
      long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
      long cpu = clocksFirst ? cpuFirst : Harness.processCpuNanos();
      long nanos = clocksFirst ? nanoFirst : System.nanoTime();
      return new Counters(uptime, nanos, cpu, allocated, young, youngMs, full, fullMs, jitMs,
          self[0], self[1], children[0], children[1], byKind, faults);
    }
  }

  /**
   * Tells whether a collector (by its MXBean's name) is a full or old-generation one: G1's
   * and Parallel's "Old Generation", Serial's "MarkSweepCompact"; the rest are young.
   */
  static boolean isFull(String collector) {
    return collector.contains("Old") || collector.contains("MarkSweep");
  }

  /** The bytes each live thread allocated so far, by thread id (empty where unknown). */
  static Map<Long, Long> threadAllocatedBytes() {
    Map<Long, Long> bytes = new HashMap<>();
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
        && t.isThreadAllocatedMemorySupported()) {
      long[] ids = t.getAllThreadIds();
      long[] allocated = t.getThreadAllocatedBytes(ids);
      for (int i = 0; i < ids.length; i++) {
        if (allocated[i] >= 0) {
          bytes.put(ids[i], allocated[i]);
        }
      }
    }
    return bytes;
  }

  /**
   * The bytes allocated between two readings by the threads alive at both: a thread that
   * started or ended in between is left out (the harness's workers count their own).
   */
  static long allocatedBetween(Map<Long, Long> before, Map<Long, Long> after) {
    long sum = 0;
    for (Map.Entry<Long, Long> e : after.entrySet()) {
      Long was = before.get(e.getKey());
      if (was != null) {
        sum += e.getValue() - was;
      }
    }
    return sum;
  }

  /**
   * A process's nanoseconds on a core and waiting for one, summed over its threads (the first
   * two fields of each {@code /proc/<pid>/task/<tid>/schedstat}); zeros where there is none.
   * With {@code byKind}, adds each thread's time on a core to its {@link #kind}.
   */
  static long[] schedstat(long pid, Map<String, Long> byKind) {
    long[] sum = {0, 0};
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (Stream<Path> list = Files.list(tasks)) {
      list.forEach(task -> {
        try {
          long[] s = parseSchedstat(Files.readString(task.resolve("schedstat")));
          if (byKind != null) {
            byKind.merge(kind(Files.readString(task.resolve("comm")).trim()), s[0], Long::sum);
          }
          sum[0] += s[0];
          sum[1] += s[1];
        } catch (IOException | RuntimeException gone) {
          // a thread that ended between the listing and the read
        }
      });
    } catch (IOException | RuntimeException none) {
      // not Linux, or the process is gone
    }
    return sum;
  }

  /** The kinds of this JVM's threads whose CPU a window's line shows apart, in its order. */
  static final List<String> KINDS = List.of("bench", "jit", "gc", "other");

  /**
   * The kind of a thread by its Linux name ({@code comm}, 15 characters at most): the harness's
   * workers ({@code bench-N}), the JIT's compiler threads, the collector's threads, or other
   * (a client's I/O threads, Larder's own, the JVM's). The "VM Thread" counts as the
   * collector's, though it also runs the JVM's other safepoint operations (deoptimisation,
   * biased-lock revocation, thread dumps).
   */
  static String kind(String comm) {
    if (comm.startsWith("bench-")) {
      return "bench";
    }
    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
      return "jit";
    }
    if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")) {
      return "gc";
    }
    return "other";
  }

  /** This process's minor page faults so far (field 10 of {@code /proc/self/stat}), or 0. */
  static long processMinorFaults() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[7]); // fields counted from the state, the third
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * The calling thread's context switches so far, voluntary and not (from
   * {@code /proc/thread-self/status}), or 0.
   */
  static long contextSwitches() {
    try {
      long sum = 0;
      for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
        if (line.contains("ctxt_switches:")) { // voluntary_ and nonvoluntary_
          sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
      return sum;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The first two numbers of a {@code schedstat} line: run and wait nanoseconds. */
  static long[] parseSchedstat(String line) {
    String[] f = line.trim().split("\\s+");
    return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
  }

  /** Writes the line that opens one measurement: its number and contenders. */
  static void measurement(int number, List<String> contenders) {
    if (OUT != null) {
      OUT.println("# measurement " + number + ": " + contenders);
    }
  }

  /**
   * What the workers of one window count themselves: they end before the window's last
   * reading, so their CPU time, allocation and context switches cannot be read from outside
   * then; and each call's latency.
   */
  static final class Workers {
    private final List<Latencies> latencies = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder cpu = new LongAdder();
    private final LongAdder user = new LongAdder();
    private final LongAdder switches = new LongAdder();

    /**
     * The loop of a worker in a logged window: as {@link Harness#measure}'s own, timing each
     * call, and counting this thread's CPU time, allocation and context switches.
     */
    void loop(Harness.Work work, ThreadLocalRandom random, AtomicBoolean stop, LongAdder calls)
        throws Exception {
      Latencies mine = new Latencies();
      com.sun.management.ThreadMXBean threads =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long bytesBefore = threads.getCurrentThreadAllocatedBytes();
      long cpuBefore = threads.getCurrentThreadCpuTime();
      long userBefore = threads.getCurrentThreadUserTime();
      long switchesBefore = contextSwitches();
      try {
        while (!stop.get()) {
          long t0 = System.nanoTime();
          work.run(random);
          mine.record(System.nanoTime() - t0);
          calls.increment();
        }
      } finally {
        bytes.add(threads.getCurrentThreadAllocatedBytes() - bytesBefore);
        cpu.add(threads.getCurrentThreadCpuTime() - cpuBefore);
        user.add(threads.getCurrentThreadUserTime() - userBefore);
        switches.add(contextSwitches() - switchesBefore);
        latencies.add(mine);
      }
    }

    /** Counts given directly (for tests): one worker's totals and its calls' latencies. */
    void add(long allocated, long cpuNanos, long userNanos, long contextSwitches,
        Latencies calls) {
      bytes.add(allocated);
      cpu.add(cpuNanos);
      user.add(userNanos);
      switches.add(contextSwitches);
      latencies.add(calls);
    }

    /** The latencies of every worker's calls so far, merged. */
    Latencies latencies() {
      Latencies all = new Latencies();
      latencies.forEach(all::add);
      return all;
    }
  }

  /** Writes one window's line (see {@link #line}). */
  static void window(String label, long calls, Workers workers, Counters before,
      Counters after) {
    if (OUT != null) {
      OUT.println(line(label, calls, workers, before, after));
    }
  }

  /**
   * The label of a window measured outside {@link Harness#rounds} (a suite's own warm-up that
   * calls {@link Harness#measure}): as many columns as a round's label, none of them known.
   */
  static final String NO_LABEL = "-\t-\t-";

  /**
   * The header naming the columns of {@link #line}: a window's label is three of them (the
   * measurement, the round, the contender; {@link #NO_LABEL} outside rounds).
   */
  static String header() {
    return "measurement\tround\tcontender\tcalls\tper_s\tcpu_us_call\talloc_kB_call\tyoung"
        + "\tyoung_ms\tfull\tfull_ms"
        + "\tjit_ms\trun_ms\twait_ms\tchild_run_ms\tchild_wait_ms\tp50_us\tp99_us\tmax_us"
        + "\trun_bench_ms\trun_jit_ms\trun_gc_ms\trun_other_ms\tuptime_ms\tbench_sys_ms"
        + "\tbench_switches\tminor_faults";
  }

  /**
   * One window as tab-separated columns ({@link #header}): per call, the process's CPU in µs
   * and the bytes every thread allocated in kB (the workers' as they counted them); counts and
   * milliseconds in the window; latencies in µs; the JVM's uptime at the window's start (to
   * match a JIT or GC log); the workers' system CPU time, context switches, and the process's
   * minor page faults.
   */
  static String line(String label, long calls, Workers w, Counters b, Counters a) {
    long workerCpu = w.cpu.sum();
    Latencies l = w.latencies();
    double n = Math.max(1, calls);
    double seconds = (a.nanoTime() - b.nanoTime()) / 1e9;
    return String.format(Locale.ROOT,
        "%s\t%d\t%.0f\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f",
        label, calls, calls / seconds, (a.cpuNanos() - b.cpuNanos()) / n / 1e3,
        (w.bytes.sum() + allocatedBetween(b.allocatedBytes(), a.allocatedBytes())) / n / 1024.0,
        a.youngCount() - b.youngCount(), a.youngMillis() - b.youngMillis(),
        a.fullCount() - b.fullCount(), a.fullMillis() - b.fullMillis(),
        a.jitMillis() - b.jitMillis(),
        (a.runNanos() - b.runNanos() + workerCpu) / 1e6, (a.waitNanos() - b.waitNanos()) / 1e6,
        (a.childRunNanos() - b.childRunNanos()) / 1e6,
        (a.childWaitNanos() - b.childWaitNanos()) / 1e6,
        l.quantile(0.5) / 1e3, l.quantile(0.99) / 1e3, l.max() / 1e3)
        + byKind(b, a, workerCpu) + "\t" + b.uptimeMillis()
        + String.format(Locale.ROOT, "\t%.0f\t%d\t%d", (workerCpu - w.user.sum()) / 1e6,
            w.switches.sum(), a.minorFaults() - b.minorFaults());
  }

  /**
   * The milliseconds on a core of each of {@link #KINDS} between two readings; the workers
   * have ended by the second, so theirs is the CPU time they counted themselves.
   */
  private static String byKind(Counters b, Counters a, long workerCpu) {
    StringBuilder out = new StringBuilder();
    for (String kind : KINDS) {
      long nanos = kind.equals("bench") ? workerCpu
          : a.runByKind().getOrDefault(kind, 0L) - b.runByKind().getOrDefault(kind, 0L);
      out.append(String.format(Locale.ROOT, "\t%.0f", nanos / 1e6));
    }
    return out.toString();
  }

  /**
   * Writes the lines that open a suite's windows: a comment naming the suite and the process,
   * then the header on a line of its own, so that a reader of the TSV that skips comments
   * finds each column under its name.
   */
  static void begin(String suite) {
    if (OUT != null) {
      OUT.println("# suite " + suite + ", pid " + ProcessHandle.current().pid());
      OUT.println(header());
    }
  }
}
