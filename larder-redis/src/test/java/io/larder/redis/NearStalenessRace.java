package io.larder.redis;

import io.larder.Cache;
import io.larder.CacheException;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.testkit.Answered;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Several JVMs, each with a near cache on one Redis, read and write a few hot keys at random;
 * values carry a per-key sequence that only grows ({@code update} orders the writes of a key),
 * so a read's freshness can be judged afterwards against every JVM's writes.
 *
 * <p>The coordinator ({@link #start}) launches the workers with this JVM's class path, as
 * {@code LeaseRace} does; each worker ({@link #main}) prints {@code ready}, runs on
 * {@code go} for the given time, prints {@code done}, and on {@code check} compares its near
 * tier with the server for every key, writes its log of reads and writes (times from
 * {@link System#nanoTime()}, which on one machine is one clock for every process) and exits.
 */
final class NearStalenessRace implements AutoCloseable {
  static final int KEYS = 200;
  static final int THREADS = 8;
  private static final Duration TTL = Duration.ofMinutes(10);
  private final List<Process> processes = new ArrayList<>();
  private final List<BufferedReader> outputs = new ArrayList<>();
  private final List<PrintStream> inputs = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();

  /** What the race found. */
  record Result(long reads, long writes, long errors, long failures, long staleReads, long stalePastBound,
      long[] lagsNanos, long staleEntries) {

    long lagPercentile(double p) {
      if (lagsNanos.length == 0) {
        return 0;
      }
      return lagsNanos[(int) Math.min(lagsNanos.length - 1, Math.floor(p * lagsNanos.length))];
    }

    @Override
    public String toString() {
      return "reads=" + reads + " writes=" + writes + " errors=" + errors + " failures=" + failures + " staleReads="
          + staleReads + " stalePastBound=" + stalePastBound + " lag p50/p99/max (us)="
          + lagPercentile(0.5) / 1000 + "/" + lagPercentile(0.99) / 1000 + "/"
          + (lagsNanos.length == 0 ? 0 : lagsNanos[lagsNanos.length - 1] / 1000)
          + " staleEntriesAfterQuiescence=" + staleEntries;
    }
  }

  /** Starts the workers and waits until each has its cache open. */
  static NearStalenessRace start(String url, int workers, long runMillis, Path dir)
      throws IOException {
    NearStalenessRace race = new NearStalenessRace();
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    try {
      for (int i = 0; i < workers; i++) {
        Path log = dir.resolve("worker-" + i + ".log");
        race.logs.add(log);
        Process p = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp",
            System.getProperty("java.class.path"), NearStalenessRace.class.getName(), url,
            Integer.toString(i), Long.toString(runMillis), log.toString())
            .redirectErrorStream(true).start();
        race.processes.add(p);
        race.outputs.add(new BufferedReader(
            new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
        race.inputs.add(new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8));
      }
      race.awaitAll("ready");
      return race;
    } catch (IOException | RuntimeException e) {
      race.close();
      throw e;
    }
  }

  /** Sends a command to every worker. */
  void tell(String command) {
    for (PrintStream in : inputs) {
      in.println(command);
    }
  }

  /** Reads each worker's output up to a line starting with {@code word}; returns those lines. */
  List<String> awaitAll(String word) throws IOException {
    List<String> lines = new ArrayList<>();
    for (BufferedReader out : outputs) {
      StringBuilder before = new StringBuilder();
      String line;
      while ((line = out.readLine()) != null && !line.startsWith(word)) {
        before.append("\n  ").append(line);
        System.out.println("worker: " + line); // JVM warnings, logged failures
      }
      if (line == null) {
        throw new IllegalStateException("a worker exited before '" + word + "':" + before);
      }
      lines.add(line);
    }
    return lines;
  }

  /** Runs the quiescence check, collects the logs and judges every read. */
  Result finish(long boundNanos) throws IOException, InterruptedException {
    tell("check");
    long staleEntries = 0;
    for (String line : awaitAll("stale-entries=")) {
      staleEntries += Long.parseLong(line.substring("stale-entries=".length()));
    }
    for (Process p : processes) {
      if (!p.waitFor(1, TimeUnit.MINUTES)) {
        throw new IllegalStateException("a worker did not exit");
      }
    }
    return judge(logs, boundNanos, staleEntries);
  }

  /**
   * Judges the reads: a read of key {@code k} that returned sequence {@code s} and started at
   * {@code t} is stale if some write of {@code k} with a sequence above {@code s} had returned
   * before {@code t}; its lag is {@code t} minus the earliest such return.
   */
  static Result judge(List<Path> logs, long boundNanos, long staleEntries) throws IOException {
    List<long[]>[] writes = perKey();
    List<long[]>[] reads = perKey();
    long errors = 0;
    long failures = 0;
    for (Path log : logs) {
      try (DataInputStream in = new DataInputStream(
          new java.io.BufferedInputStream(Files.newInputStream(log)))) {
        errors += in.readLong();
        failures += in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
          boolean write = in.readBoolean();
          int key = in.readShort();
          long seq = in.readLong();
          long time = in.readLong();
          (write ? writes : reads)[key].add(new long[] {seq, time});
        }
      }
    }
    long readCount = 0;
    long writeCount = 0;
    long stale = 0;
    long pastBound = 0;
    List<Long> lags = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      List<long[]> w = writes[k];
      w.sort((a, b) -> Long.compare(a[0], b[0]));
      writeCount += w.size();
      long[] seqs = new long[w.size()];
      long[] earliestAfter = new long[w.size() + 1];
      earliestAfter[w.size()] = Long.MAX_VALUE;
      for (int i = w.size() - 1; i >= 0; i--) {
        seqs[i] = w.get(i)[0];
        earliestAfter[i] = Math.min(earliestAfter[i + 1], w.get(i)[1]);
      }
      for (long[] r : reads[k]) {
        readCount++;
        int idx = Arrays.binarySearch(seqs, r[0] + 1);
        int first = idx >= 0 ? idx : -idx - 1;
        long superseded = earliestAfter[first];
        if (superseded < r[1]) {
          stale++;
          long lag = r[1] - superseded;
          lags.add(lag);
          if (lag > boundNanos) {
            pastBound++;
          }
        }
      }
    }
    long[] sorted = lags.stream().mapToLong(Long::longValue).sorted().toArray();
    return new Result(readCount, writeCount, errors, failures, stale, pastBound, sorted, staleEntries);
  }

  @SuppressWarnings("unchecked")
  private static List<long[]>[] perKey() {
    List<long[]>[] lists = new List[KEYS];
    for (int i = 0; i < KEYS; i++) {
      lists[i] = new ArrayList<>();
    }
    return lists;
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
  }

  // ---- the worker ------------------------------------------------------------------------

  /** The sequence in a value {@code "seq:writer"}; 0 for none. */
  static long seq(String value) {
    return value == null ? 0 : Long.parseLong(value.substring(0, value.indexOf(':')));
  }

  /**
   * The worker: {@code NearStalenessRace URL ID MILLIS LOG}.
   *
   * @param args the near-cache URL, the worker's number, how long to run and the log file
   * @throws Exception anything; the coordinator sees the worker fail
   */
  public static void main(String[] args) throws Exception {
    String url = args[0];
    String me = args[1];
    long runNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[2]));
    Path logFile = Paths.get(args[3]);
    BufferedReader commands = new BufferedReader(
        new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String plain = url.replaceAll("[&?]near(Ttl|Lag)?=[^&]*", "");
    try (Cache cache = Larder.builder().url(url).failOpen(false).build();
        Cache server = Larder.builder().url(plain).failOpen(false).build()) {
      for (int i = 0; i < 300; i++) { // loads the classes and scripts before the clock runs
        String key = "warm" + (i % 10);
        // the race has not started: a call that times out while four JVMs start on a loaded
        // machine is made again, not a worker lost before it is ready
        Answered.call(() -> cache.update(key, Codec.utf8(), TTL, old -> "0:" + me));
        Answered.call(() -> cache.get(key, String.class));
      }
      System.out.println("ready");
      System.out.flush();
      if (!"go".equals(commands.readLine())) {
        return;
      }
      AtomicLong errors = new AtomicLong();
      AtomicLong failures = new AtomicLong();
      long[][] logs = new long[THREADS][];
      int[] sizes = new int[THREADS];
      Thread[] threads = new Thread[THREADS];
      long end = System.nanoTime() + runNanos;
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        threads[t] = new Thread(() -> {
          long[] log = new long[3 * 400_000];
          int n = 0;
          ThreadLocalRandom random = ThreadLocalRandom.current();
          while (System.nanoTime() < end && n < log.length) {
            int key = random.nextInt(KEYS);
            try {
              if (random.nextInt(10) == 0) {
                String written = cache.update("k" + key, Codec.utf8(), TTL, old ->
                    Math.max(seq(old) + 1, System.nanoTime()) + ":" + me);
                log[n++] = key | (1L << 32);
                log[n++] = seq(written);
                log[n++] = System.nanoTime();
              } else {
                long started = System.nanoTime();
                String read = cache.get("k" + key, String.class);
                if (read != null) {
                  log[n++] = key;
                  log[n++] = seq(read);
                  log[n++] = started;
                }
              }
            } catch (CacheException e) {
              errors.incrementAndGet(); // the server is being killed or restarted
            } catch (RuntimeException e) {
              e.printStackTrace();
              failures.incrementAndGet();
              break;
            }
          }
          logs[thread] = log;
          sizes[thread] = n;
        });
        threads[t].start();
      }
      for (Thread t : threads) {
        t.join();
      }
      System.out.println("done " + Arrays.toString(sizes) + " errors=" + errors + " "
          + cache.nearStats());
      System.out.flush();
      if (!"check".equals(commands.readLine())) {
        return;
      }
      System.out.println("stale-entries=" + staleEntries(cache, server));
      try (DataOutputStream out = new DataOutputStream(
          new java.io.BufferedOutputStream(Files.newOutputStream(logFile)))) {
        out.writeLong(errors.get());
        out.writeLong(failures.get());
        int total = 0;
        for (int s : sizes) {
          total += s / 3;
        }
        out.writeInt(total);
        for (int t = 0; t < THREADS; t++) {
          for (int i = 0; i < sizes[t]; i += 3) {
            out.writeBoolean((logs[t][i] >>> 32) != 0);
            out.writeShort((int) (logs[t][i] & 0xFFFF));
            out.writeLong(logs[t][i + 1]);
            out.writeLong(logs[t][i + 2]);
          }
        }
      }
      System.out.flush();
    }
  }

  /**
   * Counts keys whose value in this JVM's near cache still differs from the server's once the
   * writes stopped: an invalidation in flight gets two seconds to land after the first full
   * comparison (which waits, up to 30 s, for the connections to be back after the restart).
   */
  private static long staleEntries(Cache cache, Cache server) {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long deadline = Long.MAX_VALUE;
    List<Integer> differ = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      differ.add(k);
    }
    while (true) {
      try {
        differ.removeIf(k -> java.util.Objects.equals(cache.get("k" + k, String.class),
            server.get("k" + k, String.class)));
        deadline = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
      } catch (CacheException e) {
        // the connections are not back yet after the restart
      }
      long now = System.nanoTime();
      if (differ.isEmpty() || now > deadline || now > giveUp) {
        return differ.size();
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
  }
}
