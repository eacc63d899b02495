package io.larder.testkit;

import io.larder.Cache;
import io.larder.CacheStats;
import io.larder.Larder;
import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.Deflater;

/**
 * Writes decompression bombs raw to a store under Larder keys, as anyone who can write to the
 * cache server could, and reads them from many threads in a child JVM with a small heap, for
 * tests that show every such read is a counted decode error and none throws.
 *
 * <pre>{@code
 * DecompressionBomb.Result result = DecompressionBomb.run(redis.url(), 16, 10);
 * assertThat(result.throwables()).isZero();
 * assertThat(result.decodeErrors()).isEqualTo(result.reads());
 * }</pre>
 *
 * <p>Two bombs are written: 512 MiB of deflated zeros in the stored form without an inflated
 * length (about 0.5 MB), and a small deflated value whose header claims 512 MiB. The child JVM
 * runs with {@code -Xmx256m}, reads each key alternately from every thread, and prints how
 * many reads threw and how many decode errors the cache counted.
 */
public final class DecompressionBomb {
  /** Zeros in the bomb: 512 MiB. */
  static final long ZEROS = 512L << 20;

  private DecompressionBomb() {}

  /**
   * What the child JVM reported.
   *
   * @param reads how many reads it made
   * @param throwables how many reads threw anything, an {@link Error} included
   * @param decodeErrors the decode errors its cache counted
   * @param hits the hits its cache counted
   * @param storeErrors the store errors its cache counted (a read that timed out)
   */
  public record Result(int reads, int throwables, long decodeErrors, long hits,
      long storeErrors) {}

  /**
   * Writes the bombs, runs the reading JVM and removes the bombs.
   *
   * @param url the cache URL
   * @param threads how many threads read at once
   * @param readsPerThread how many reads each thread makes
   * @return what the child reported
   * @throws Exception if the child fails or does not report within five minutes
   */
  public static Result run(String url, int threads, int readsPerThread) throws Exception {
    String prefix = "bomb-" + UUID.randomUUID();
    String legacy = prefix + "-legacy";
    String lying = prefix + "-lying";
    AtomicReference<Store> raw = new AtomicReference<>();
    List<String> storeKeys = new ArrayList<>();
    try (Cache cache = Larder.builder().url(url).decorateStore(s -> {
      raw.set(s);
      return new ForwardingStore(s) {
        @Override
        public void set(String key, byte[] value, long ttlMillis) {
          storeKeys.add(key);
          super.set(key, value, ttlMillis);
        }
      };
    }).build()) {
      cache.set(legacy, "placeholder");
      cache.set(lying, "placeholder");
      raw.get().set(storeKeys.get(0), legacyBomb(), 300_000);
      raw.get().set(storeKeys.get(1), lyingBomb(), 300_000);
      try {
        return child(url, threads, readsPerThread, legacy, lying);
      } finally {
        cache.delete(legacy);
        cache.delete(lying);
      }
    }
  }

  private static Result child(String url, int threads, int readsPerThread, String... keys)
      throws Exception {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-cp",
        System.getProperty("java.class.path"), DecompressionBomb.class.getName(), url,
        Integer.toString(threads), Integer.toString(readsPerThread)));
    command.addAll(List.of(keys));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      String result = null;
      StringBuilder all = new StringBuilder();
      while ((line = out.readLine()) != null) {
        all.append(line).append('\n');
        if (line.startsWith("reads=")) {
          result = line;
        }
      }
      if (!p.waitFor(5, TimeUnit.MINUTES) || result == null) {
        throw new IllegalStateException("the reading JVM did not report:\n" + all);
      }
      String[] f = result.split(" ");
      return new Result(Integer.parseInt(value(f[0])), Integer.parseInt(value(f[1])),
          Long.parseLong(value(f[2])), Long.parseLong(value(f[3])), Long.parseLong(value(f[4])));
    } finally {
      p.destroyForcibly();
    }
  }

  private static String value(String field) {
    return field.substring(field.indexOf('=') + 1);
  }

  /** 512 MiB of zeros deflated, after the header {@code 0xFF 0x01}: deflated, no length. */
  static byte[] legacyBomb() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
    out.write(0xFF);
    out.write(0x01);
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
    try {
      byte[] zeros = new byte[1 << 20];
      byte[] buf = new byte[1 << 16];
      for (long left = ZEROS; left > 0; left -= zeros.length) {
        deflater.setInput(zeros, 0, (int) Math.min(zeros.length, left));
        while (!deflater.needsInput()) {
          out.write(buf, 0, deflater.deflate(buf));
        }
      }
      deflater.finish();
      while (!deflater.finished()) {
        out.write(buf, 0, deflater.deflate(buf));
      }
    } finally {
      deflater.end();
    }
    return out.toByteArray();
  }

  /** A few deflated bytes whose header ({@code 0xFF 0x21 varint}) claims 512 MiB inflated. */
  static byte[] lyingBomb() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xFF);
    out.write(0x21);
    for (long v = ZEROS; ; v >>>= 7) {
      if ((v & ~0x7FL) == 0) {
        out.write((int) v);
        break;
      }
      out.write((int) ((v & 0x7F) | 0x80));
    }
    Deflater deflater = new Deflater();
    try {
      deflater.setInput(new byte[1000]);
      deflater.finish();
      byte[] buf = new byte[4096];
      while (!deflater.finished()) {
        out.write(buf, 0, deflater.deflate(buf));
      }
    } finally {
      deflater.end();
    }
    return out.toByteArray();
  }

  /**
   * The reading JVM: {@code DecompressionBomb URL THREADS READS KEY...}.
   *
   * @param args the URL, thread count, reads per thread and the keys to read in turn
   * @throws Exception if the cache cannot be opened
   */
  public static void main(String[] args) throws Exception {
    int threads = Integer.parseInt(args[1]);
    int reads = Integer.parseInt(args[2]);
    List<String> keys = List.of(args).subList(3, args.length);
    AtomicInteger throwables = new AtomicInteger();
    try (Cache cache = Larder.open(args[0])) {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        Thread reader = new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          for (int i = 0; i < reads; i++) {
            try {
              cache.get(keys.get((first + i) % keys.size()), String.class);
            } catch (Throwable e) {
              throwables.incrementAndGet();
            }
          }
        });
        reader.start();
        readers.add(reader);
      }
      start.countDown();
      for (Thread reader : readers) {
        reader.join();
      }
      CacheStats stats = cache.stats();
      System.out.println("reads=" + threads * reads + " throwables=" + throwables.get()
          + " decodeErrors=" + stats.decodeErrors() + " hits=" + stats.hits()
          + " storeErrors=" + stats.storeErrors());
      System.out.flush();
    }
  }
}
