package io.larder.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One configuration of Redis's own load generator, {@code redis-benchmark}, run as a separate
 * process against a server on {@code 127.0.0.1}: one test ({@code get} or {@code set}) of
 * {@value #VALUE_BYTES}-byte values over a keyspace of {@value #KEYSPACE} keys ({@code -d
 * 1024 -r 1000}), with a number of connections ({@code -c}) and a pipeline depth ({@code -P}).
 *
 * <p>Each {@link #perSecond(long)} runs the process once with a request count sized, from the
 * previous run's rate, to take about the given time, and returns the requests per second it
 * reports. Its keys are {@link #key(int)}; seed them before a {@code get} test, since
 * redis-benchmark does not check that a read found its value. Not thread-safe.
 */
final class RedisBenchmark {
  /** The value size, {@code -d}. */
  static final int VALUE_BYTES = 1_024;
  /** The keyspace, {@code -r}: keys {@code key:000000000000} to {@code key:000000000999}. */
  static final int KEYSPACE = 1_000;

  private static final String EXECUTABLE = "redis-benchmark";
  private static final String HOST = "127.0.0.1";
  private static final long FIRST_REQUESTS = 10_000; // the warm-up round also calibrates
  private static final long MIN_REQUESTS = 1_000;

  private final Path executable;
  private final int port;
  private final String test;
  private final int clients;
  private final int pipeline;
  private double lastRate;

  RedisBenchmark(Path executable, int port, String test, int clients, int pipeline) {
    this.executable = executable;
    this.port = port;
    this.test = test;
    this.clients = clients;
    this.pipeline = pipeline;
  }

  /** Finds {@code redis-benchmark} on the {@code PATH}; empty when it is not installed. */
  static Optional<Path> onPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, EXECUTABLE);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The key redis-benchmark's {@code -r} substitutes for {@code i}, for seeding. */
  static String key(int i) {
    return String.format(Locale.ROOT, "key:%012d", i);
  }

  /** What this configuration is, as its command-line options: {@code redis-benchmark -c 16}. */
  String label() {
    return EXECUTABLE + " -c " + clients + (pipeline > 1 ? " -P " + pipeline : "");
  }

  /**
   * Runs the process once, sized to take about {@code millis}, and returns its rate.
   *
   * @return requests per second as redis-benchmark reports them
   * @throws IOException if the process cannot be started
   * @throws IllegalStateException if it fails, times out, reports an error or no rate
   * @throws InterruptedException if the thread is interrupted while waiting for it
   */
  double perSecond(long millis) throws IOException, InterruptedException {
    long requests = lastRate == 0 ? FIRST_REQUESTS
        : Math.max(MIN_REQUESTS, Math.round(lastRate * millis / 1_000.0));
    lastRate = run(requests, Math.max(60_000, 20 * millis));
    return lastRate;
  }

  private double run(long requests, long limit) throws IOException, InterruptedException {
    List<String> command = List.of(executable.toString(), "-h", HOST, "-p", String.valueOf(port),
        "-c", String.valueOf(clients), "-P", String.valueOf(pipeline),
        "-n", String.valueOf(requests), "-d", String.valueOf(VALUE_BYTES),
        "-r", String.valueOf(KEYSPACE), "-t", test, "-q", "--csv");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    // -q --csv prints a few hundred bytes, far below a pipe's buffer, so it cannot block on it
    if (!process.waitFor(limit, TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(label() + " -n " + requests + " did not finish in "
          + limit + " ms");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0 || output.toLowerCase(Locale.ROOT).contains("error")) {
      throw new IllegalStateException(String.join(" ", command) + " failed (exit "
          + process.exitValue() + "): " + output.strip());
    }
    return rate(output);
  }

  /** Reads the rate of this test from {@code --csv} output: {@code "GET","81234.56",…}. */
  private double rate(String output) {
    for (String line : output.split("\\R")) {
      String[] fields = line.split(",");
      if (fields.length >= 2 && unquote(fields[0]).equalsIgnoreCase(test)) {
        try {
          return Double.parseDouble(unquote(fields[1]));
        } catch (NumberFormatException e) {
          break;
        }
      }
    }
    throw new IllegalStateException(label() + " printed no rate for " + test + ": "
        + output.strip());
  }

  private static String unquote(String field) {
    String s = field.strip();
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
        ? s.substring(1, s.length() - 1) : s;
  }
}
