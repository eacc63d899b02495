package io.larder.testkit;

import io.larder.Cache;
import io.larder.Freshness;
import io.larder.Larder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Races several JVMs on one cold key with {@code getOrCompute} in lease mode, for tests that
 * show a store's lease makes the loader run once in the whole fleet.
 *
 * <pre>{@code
 * LeaseRace.Result result = LeaseRace.run(redis.url(), 4);
 * assertThat(result.computations()).isEqualTo(1);
 * }</pre>
 *
 * <p>Each worker JVM runs with this JVM's class path, opens the URL, prints {@code ready},
 * waits until the coordinator writes a start key, then calls {@code getOrCompute} with a
 * loader that takes half a second, and prints whether its loader ran and what it got.
 */
public final class LeaseRace {
  private LeaseRace() {}

  /**
   * What the race produced.
   *
   * @param computations how many workers ran the loader
   * @param values the value each worker got
   */
  public record Result(int computations, List<String> values) {}

  /**
   * Runs the race.
   *
   * @param url the cache URL every worker opens
   * @param workers how many JVMs to start
   * @return what the workers reported
   * @throws Exception if a worker fails or does not finish within two minutes
   */
  public static Result run(String url, int workers) throws Exception {
    String key = "lease-race-" + UUID.randomUUID();
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    List<Process> processes = new ArrayList<>();
    List<BufferedReader> outputs = new ArrayList<>();
    try (Cache coordinator = Larder.open(url)) {
      for (int i = 0; i < workers; i++) {
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
            LeaseRace.class.getName(), url, key).redirectErrorStream(true).start();
        processes.add(p);
        outputs.add(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
      }
      for (BufferedReader out : outputs) {
        StringBuilder before = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null && !line.equals("ready")) {
          before.append("\n  ").append(line); // JVM warnings, or why the worker failed
        }
        if (line == null) {
          throw new IllegalStateException("a worker exited before it was ready:" + before);
        }
      }
      coordinator.set(key + ":go", "go");
      int computations = 0;
      List<String> values = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        String line;
        String result = null;
        while ((line = outputs.get(i).readLine()) != null) {
          if (line.startsWith("computed=")) {
            result = line;
          }
        }
        if (!processes.get(i).waitFor(2, TimeUnit.MINUTES) || result == null) {
          throw new IllegalStateException("worker " + i + " did not report");
        }
        if (result.startsWith("computed=true")) {
          computations++;
        }
        values.add(result.substring(result.indexOf("value=") + 6));
      }
      coordinator.delete(key);
      coordinator.delete(key + ":go");
      return new Result(computations, values);
    } finally {
      for (Process p : processes) {
        p.destroyForcibly();
      }
    }
  }

  /**
   * The worker: {@code LeaseRace URL KEY}.
   *
   * @param args the URL and the key
   * @throws Exception anything; the coordinator sees the worker fail
   */
  public static void main(String[] args) throws Exception {
    String url = args[0];
    String key = args[1];
    try (Cache cache = Larder.open(url)) {
      System.out.println("ready");
      System.out.flush();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (!cache.exists(key + ":go") && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      AtomicBoolean computed = new AtomicBoolean();
      String me = ProcessHandle.current().pid() + "";
      String value = cache.getOrCompute(key, String.class,
          Freshness.of(Duration.ofMinutes(1)).lease(Duration.ofSeconds(20)), () -> {
            computed.set(true);
            try {
              Thread.sleep(500);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return "computed by " + me;
          });
      System.out.println("computed=" + computed.get() + " value=" + value);
      System.out.flush();
    }
  }
}
