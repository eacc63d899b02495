package io.larder.bench;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.Preload;
import io.larder.testkit.KyotoTycoonServer;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import net.rubyeye.xmemcached.MemcachedClient;

/**
 * {@code preload}: one "page" reads 100 fragments of 1 kB, on one thread, three ways: 100
 * per-key {@code cache.get} calls; one {@code cache.preload(keys)} scope and then the same 100
 * {@code cache.get} calls, served by the scope; the raw client's own bulk read (Lettuce
 * {@code MGET}, XMemcached multi-get, Kyoto Tycoon's binary {@code get_bulk} on one socket).
 * Run against Redis, memcached and Kyoto Tycoon; the last is skipped, with a line saying so,
 * when no {@code ktserver} is found where the tests look for one. Every contender checks one
 * value of the page, picked at random, byte for byte (Larder's reads every value, as the raw
 * clients' replies hold every value).
 *
 * <p>Larder's page reads each value once, as {@code byte[]}: the pattern for which a preload
 * scope hands the reader the array its bulk read returned, with no copy (see
 * {@link io.larder.Preload}). A page reading a key twice as {@code byte[]} makes a round trip
 * for the second read, and a page reading values as {@code String} decodes each from the
 * scope's bytes: neither is what this row measures.
 *
 * <p>Measured more steadily than {@link Harness#throughput} alone (see {@link #throughput}):
 * a full run warms every contender up for a whole window first, then takes {@link #ROUNDS}
 * short rounds, each after a full collection, and reports the median. Each page also
 * reports the bytes the JVM allocated per page, on every thread (the raw clients decode on
 * their own I/O threads), for Larder's preload and the raw bulk read: a measure the machine's
 * load does not move.
 */
final class PreloadSuite implements Suite {
  private static final int FRAGMENTS = 100;
  private static final int PAGES = 20; // distinct pages, so a page is not always the same keys
  /**
   * Rounds of a full run, each window a twentieth of other suites' time per contender: many
   * short windows, so that a neighbour's burst of load or a collection falls on a few windows
   * of every contender rather than on one contender's whole sample, and the median leaves it
   * out.
   */
  static final int ROUNDS = 21;
  /** Pages read on the calling thread to measure the bytes allocated per page (full run). */
  private static final int ALLOCATION_PAGES = 200;

  @Override
  public String name() {
    return "preload";
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    List<Result> results = new ArrayList<>();
    if (!settings.quick()) {
      System.err.println("preload: each contender warms up for " + settings.warmUpMillis()
          + " ms, then " + rounds(settings) + " interleaved rounds of " + window(settings)
          + " ms, medians (not the rounds above)");
    }
    byte[] value = Harness.value(1_024);
    List<List<String>> pages = new ArrayList<>();
    Map<String, Object> all = new LinkedHashMap<>();
    for (int p = 0; p < PAGES; p++) {
      List<String> page = new ArrayList<>();
      for (int f = 0; f < FRAGMENTS; f++) {
        String key = "page" + p + ":fragment" + f;
        page.add(key);
        all.put(key, value);
      }
      pages.add(List.copyOf(page));
    }

    try (RedisServer redis = RedisServer.start();
         Cache cache = Larder.open(redis.url()
             + "?prefix=bench&failOpen=false&timeout=10s&writeTimeout=10s")) {
      RedisClient client = RedisClient.create(redis.url());
      try (StatefulRedisConnection<byte[], byte[]> connection =
               client.connect(ByteArrayCodec.INSTANCE)) {
        RedisCommands<byte[], byte[]> lettuce = connection.sync();
        cache.setMany(all);
        List<byte[][]> rawPages = new ArrayList<>();
        for (List<String> page : pages) {
          byte[][] raw = new byte[FRAGMENTS][];
          for (int f = 0; f < FRAGMENTS; f++) {
            raw[f] = ("~bench::" + page.get(f)).getBytes(StandardCharsets.UTF_8);
          }
          rawPages.add(raw);
        }
        results.addAll(compare(settings, "redis", "Lettuce MGET", cache, pages, value, r -> {
          var found = lettuce.mget(rawPages.get(r.nextInt(PAGES)));
          if (found.size() != FRAGMENTS || found.stream().anyMatch(kv -> !kv.hasValue())) {
            throw new IllegalStateException("MGET missed keys");
          }
          Harness.require(found.get(r.nextInt(FRAGMENTS)).getValue(), value);
        }));
        cache.clear();
      } finally {
        client.shutdown();
      }
    }

    try (MemcachedServer server = MemcachedServer.builder().args("-m", "128").start();
         Cache cache = Larder.open(server.url() + "?failOpen=false&timeout=5s")) {
      MemcachedClient xmc = MemcachedSuite.xmemcached(MemcachedSuite.hostPort(server));
      try {
        cache.setMany(all);
        for (String k : all.keySet()) {
          xmc.set("xmc:" + k, 0, value);
        }
        List<List<String>> xmcPages = pages.stream()
            .map(p -> p.stream().map(k -> "xmc:" + k).toList()).toList();
        results.addAll(compare(settings, "memcached", "XMemcached multi-get", cache, pages, value,
            r -> Harness.requireSize(xmc.<byte[]>get(xmcPages.get(r.nextInt(PAGES))),
                FRAGMENTS, value)));
      } finally {
        xmc.shutdown();
      }
    }

    if (KyotoTycoonServer.locate().isEmpty()) {
      System.err.println("preload: the Kyoto Tycoon page is skipped: no ktserver found ($"
          + KyotoTycoonServer.EXECUTABLE_VARIABLE + ", PATH, or shared/kyototycoon/bin/ktserver"
          + " above " + Path.of("").toAbsolutePath() + ")");
      return results;
    }
    try (KyotoTycoonServer kt = KyotoTycoonServer.start();
         Cache cache = Larder.open(kt.url() + "?db=0&prefix=bench&failOpen=false&timeout=10s");
         KtGetBulk raw = new KtGetBulk(kt.host(), kt.port())) {
      cache.setMany(all);
      List<List<byte[]>> rawPages = pages.stream()
          .map(p -> p.stream().map(k -> ("~bench::" + k).getBytes(StandardCharsets.UTF_8))
              .toList())
          .toList();
      results.addAll(compare(settings, "kyototycoon", "raw binary get_bulk", cache, pages, value,
          r -> Harness.requireSize(raw.get(0, rawPages.get(r.nextInt(PAGES))), FRAGMENTS,
              value)));
    }
    return results;
  }

  /**
   * Reads every key of a page, as rendering it would, and compares one value picked at random
   * byte for byte: the same checking the raw contenders' {@link Harness#requireSize} does.
   */
  private static void readPage(Cache cache, List<String> page, byte[] value,
      ThreadLocalRandom r) {
    int pick = r.nextInt(page.size());
    for (String key : page) {
      byte[] found = cache.get(key, byte[].class);
      if (pick-- == 0) {
        Harness.require(found, value);
      } else if (found == null) {
        throw new IllegalStateException("a preloaded key read as missing");
      }
    }
  }

  private static List<Result> compare(Harness.Settings settings, String store, String rawName,
      Cache cache, List<List<String>> pages, byte[] value, Harness.Work raw) throws Exception {
    Map<String, Harness.Work> contenders = new LinkedHashMap<>();
    contenders.put("perKey", r -> readPage(cache, pages.get(r.nextInt(PAGES)), value, r));
    contenders.put("preload", r -> {
      List<String> page = pages.get(r.nextInt(PAGES));
      try (Preload scope = cache.preload(page)) {
        readPage(cache, page, value, r);
      }
    });
    contenders.put("raw", raw);
    Harness.Measurement m = throughput(settings, contenders);
    return List.of(
        m.rate(store + " page: preload vs per-key gets", "preload", "perKey",
            "Larder, 100 per-key gets", "pages/s"),
        m.rate(store + " page: preload vs raw bulk", "preload", "raw",
            rawName, "pages/s"),
        Result.cost(store + " page: preload vs raw bulk, alloc",
            allocatedPerPage(settings, contenders.get("preload")),
            allocatedPerPage(settings, raw), rawName,
            "B/page"));
  }

  /**
   * Measures as {@link Harness#throughput} does at one thread, more steadily in a full run:
   * every contender first runs the harness's warm-up window of at least 1 s, uncounted (so
   * that the JIT has compiled each one's path before any is counted, whichever the order puts
   * first; until 2026-12-05 a second warm-up ran before it), then
   * {@link #ROUNDS} rounds of windows a twentieth of a suite's measuring time per contender,
   * each window starting after a full collection (as the memory suite's), so that it pays the
   * collections of its own garbage only: with the forks' fixed 256 MiB young generation a
   * window that fills it pays its collection whoever made the garbage, and with one
   * collection per round (until {@code bulk1-fix}) the peers' windows that held one nearly all
   * came right after a Larder preload window, which allocates the most per page. It costs
   * about 65 ms a window here, 5.5 s of a 60 s suite at load 14-19. A quick run is a smoke test
   * and does neither.
   */
  static Harness.Measurement throughput(Harness.Settings settings,
      Map<String, Harness.Work> contenders) throws InterruptedException {
    if (settings.quick()) {
      return Harness.throughput(settings, 1, contenders);
    }
    Harness.Settings shortRounds =
        new Harness.Settings(rounds(settings), window(settings), false);
    Map<String, Harness.Timed<InterruptedException>> timed = new LinkedHashMap<>();
    contenders.forEach((name, work) -> timed.put(name, millis -> {
      System.gc();
      return Harness.measure(work, 1, millis);
    }));
    return Harness.rounds(shortRounds, timed);
  }

  /** The rounds of a full run: {@link #ROUNDS}, or more if the settings ask for more. */
  private static int rounds(Harness.Settings settings) {
    return Math.max(ROUNDS, settings.rounds());
  }

  /**
   * The window of one contender in one round of a full run, in milliseconds: a twentieth of
   * what other suites measure per contender (275 ms at the default 11 × 500 ms; 250 ms at 5 × 1 s).
   */
  private static long window(Harness.Settings settings) {
    return Math.max(1, settings.rounds() * settings.millis() / 20);
  }

  /**
   * The bytes the JVM allocates per page of {@code work}, on every thread (a raw client
   * decodes on its own I/O threads): the median of three runs of {@link #ALLOCATION_PAGES}
   * pages on this thread; a quick run reads a tenth as many, once.
   */
  private static double allocatedPerPage(Harness.Settings settings, Harness.Work work)
      throws Exception {
    int pages = settings.quick() ? ALLOCATION_PAGES / 10 : ALLOCATION_PAGES;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    List<Double> runs = new ArrayList<>();
    for (int run = 0; run < (settings.quick() ? 1 : 3); run++) {
      Map<Long, Long> before = WindowLog.threadAllocatedBytes();
      for (int i = 0; i < pages; i++) {
        work.run(random);
      }
      Map<Long, Long> after = WindowLog.threadAllocatedBytes();
      runs.add(WindowLog.allocatedBetween(before, after) / (double) pages);
    }
    return Harness.median(runs);
  }
}
