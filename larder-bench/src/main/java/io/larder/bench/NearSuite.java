package io.larder.bench;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.NearStats;
import io.larder.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code near}: Larder on Redis with a near tier ({@code near=32m}, tracking on) beside raw
 * Lettuce {@code GET} (one shared connection, synchronous API), interleaved in one measurement
 * per case:
 *
 * <ul>
 *   <li>hot-key get of one 1 kB value at 1 and 16 threads;
 *   <li>100 hot keys of 1 kB at 16 threads with 10 % writes: Larder's writes come from another
 *       client (a second cache on the same prefix, without a near tier), so the near tier only
 *       learns of them through invalidations; Lettuce does the same mix of {@code GET} and
 *       {@code SET}. Every value carries its key's write sequence; a Larder read that returns a
 *       sequence older than a write that returned more than 50 ms before the read started is
 *       counted as stale past the bound. The note gives the near hit ratio and that count.
 * </ul>
 */
final class NearSuite implements Suite {
  static final int HOT_KEYS = 100;
  static final long BOUND_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  @Override
  public String name() {
    return "near";
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    List<Result> results = new ArrayList<>();
    byte[] value = Harness.value(1_024);
    try (RedisServer redis = RedisServer.builder()
            .args("--maxmemory", "512mb", "--maxmemory-policy", "allkeys-lru").start();
        Cache cache = Larder.open(redis.url()
            + "?prefix=near&near=32m&failOpen=false&timeout=10s&writeTimeout=10s");
        Cache other = Larder.open(redis.url()
            + "?prefix=near&failOpen=false&timeout=10s&writeTimeout=10s")) {
      RedisClient client = RedisClient.create(redis.url());
      try (StatefulRedisConnection<byte[], byte[]> connection =
               client.connect(ByteArrayCodec.INSTANCE)) {
        RedisCommands<byte[], byte[]> lettuce = connection.sync();
        if (!cache.nearStats().tracking()) {
          throw new IllegalStateException("the near tier does not track; Redis 6 is needed");
        }
        cache.set("hot", value);
        byte[] rawHot = "~near::hot".getBytes(StandardCharsets.UTF_8);
        Map<String, Harness.Work> hot = new LinkedHashMap<>();
        hot.put("Larder near=32m", random -> Harness.require(cache.get("hot", byte[].class), value));
        hot.put("Lettuce (raw) GET", random -> Harness.require(lettuce.get(rawHot), value));
        for (int threads : new int[] {1, 16}) {
          long behind = cache.nearStats().behind();
          Harness.Measurement m = Harness.throughput(settings, threads, hot);
          System.out.println("near: hot key, " + threads + " thr: "
              + (cache.nearStats().behind() - behind) + " reads sent to Redis because the"
              + " invalidations were confirmed only more than nearLag ago");
          results.add(m.rate("hot-key get 1kB, " + threads + " thr",
              "Larder near=32m", "Lettuce (raw) GET", "Lettuce (raw) GET",
              "ops/s"));
        }
        results.add(withWrites(settings, cache, other, lettuce, value));
      } finally {
        client.shutdown();
      }
      cache.clear();
    }
    return results;
  }

  /** The 10 %-writes case; see the class comment. */
  private static Result withWrites(Harness.Settings settings, Cache cache, Cache other,
      RedisCommands<byte[], byte[]> lettuce, byte[] value) throws InterruptedException {
    AtomicLong[] seqs = new AtomicLong[HOT_KEYS];
    Object[] locks = new Object[HOT_KEYS];
    Map<String, Long> returnedAt = new ConcurrentHashMap<>();
    byte[][] rawKeys = new byte[HOT_KEYS][];
    for (int k = 0; k < HOT_KEYS; k++) {
      seqs[k] = new AtomicLong();
      locks[k] = new Object();
      other.set("h" + k, stamped(0, value));
      rawKeys[k] = ("~near::raw" + k).getBytes(StandardCharsets.UTF_8);
      lettuce.set(rawKeys[k], value);
    }
    LongAdder reads = new LongAdder();
    LongAdder stale = new LongAdder();
    NearStats before = cache.nearStats();
    Map<String, Harness.Work> mix = new LinkedHashMap<>();
    mix.put("Larder near=32m", random -> {
      int k = random.nextInt(HOT_KEYS);
      if (random.nextInt(10) == 0) {
        synchronized (locks[k]) { // one writer per key at a time, so sequences land in order
          long s = seqs[k].incrementAndGet();
          other.set("h" + k, stamped(s, value));
          returnedAt.put(k + ":" + s, System.nanoTime());
        }
        return;
      }
      long started = System.nanoTime();
      byte[] read = cache.get("h" + k, byte[].class);
      reads.increment();
      if (read == null || read.length != value.length + Long.BYTES) {
        throw new IllegalStateException("a hot key read as " + (read == null ? "missing"
            : read.length + " bytes"));
      }
      Harness.checked();
      Long newer = returnedAt.get(k + ":" + (ByteBuffer.wrap(read).getLong() + 1));
      if (newer != null && started - newer > BOUND_NANOS) {
        stale.increment();
      }
    });
    mix.put("Lettuce (raw) GET/SET", random -> {
      int k = random.nextInt(HOT_KEYS);
      if (random.nextInt(10) == 0) {
        lettuce.set(rawKeys[k], value);
      } else {
        Harness.require(lettuce.get(rawKeys[k]), value);
      }
    });
    Harness.Measurement m = Harness.throughput(settings, 16, mix);
    NearStats after = cache.nearStats();
    double hitRatio = reads.sum() == 0 ? 0 : (double) (after.hits() - before.hits()) / reads.sum();
    String note = String.format(java.util.Locale.ROOT, "near hit ratio %.3f, %d stale reads past"
        + " 50 ms of %d reads, %d invalidations, %d reads behind nearLag", hitRatio, stale.sum(),
        reads.sum(), after.invalidations() - before.invalidations(),
        after.behind() - before.behind());
    System.out.println("near: 10% writes: " + note);
    return m.result("hot keys 90% get / 10% set by another client, 16 thr",
        "Larder near=32m", "Lettuce (raw) GET/SET", "Lettuce (raw) GET/SET",
        "ops/s", true, note);
  }

  /** The value with its write sequence in front. */
  private static byte[] stamped(long seq, byte[] value) {
    return ByteBuffer.allocate(Long.BYTES + value.length).putLong(seq).put(value).array();
  }
}
