package io.larder.cli;

import io.larder.Cache;
import io.larder.CacheCodecException;
import io.larder.CacheException;
import io.larder.CacheStats;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.NearStats;
import io.larder.Preload;
import io.larder.Versioned;
import io.larder.spi.StoreUrl;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The checks {@code larder check URL} runs: the live part of the store contract, against a
 * real store, in a random namespace that is cleared afterwards.
 */
final class LiveChecks {
  private static final int THREADS = 8;

  private LiveChecks() {}

  /** One named check; it throws to fail. */
  private record Check(String name, Body body) {}

  @FunctionalInterface
  private interface Body {
    void run(Cache cache) throws Exception;
  }

  /** Fails a check with a message. */
  private static final class CheckFailed extends Exception {
    private static final long serialVersionUID = 1L;

    CheckFailed(String message) {
      super(message);
    }
  }

  private static void expect(boolean condition, String message) throws CheckFailed {
    if (!condition) {
      throw new CheckFailed(message);
    }
  }

  private static void expectEquals(Object expected, Object actual, String what) throws CheckFailed {
    if (!Objects.deepEquals(expected, actual)) {
      throw new CheckFailed(what + ": expected " + expected + ", got " + actual);
    }
  }

  /** The URL with its password hidden, for printing. */
  private static String redacted(String url) {
    try {
      return StoreUrl.parse(url).redacted();
    } catch (RuntimeException e) {
      return "(a malformed URL)";
    }
  }

  /**
   * Opens the URL, runs every check and prints one line each and a summary.
   *
   * @return 0 if all passed, 1 otherwise
   */
  static int run(String url, PrintStream out) {
    Cache root;
    try {
      root = open(url);
    } catch (RuntimeException e) {
      String problem = describe(e);
      String shown = redacted(url);
      // most messages name the URL already: one line, said once
      out.println("FAIL  " + (problem.contains(shown) ? problem : "open " + shown + ": " + problem));
      out.println("0 passed, 1 failed");
      return Main.FAILED;
    }
    int passed = 0;
    int failed = 0;
    try (root) {
      Cache cache = root.namespace("larder-check-" + UUID.randomUUID());
      try {
        for (Check check : checks()) {
          String problem = runOne(check, cache);
          if (problem == null) {
            passed++;
            out.println("ok    " + check.name());
          } else {
            failed++;
            out.println("FAIL  " + check.name() + ": " + problem);
          }
        }
        String seen = serverSeen(url, cache);
        if (seen != null) {
          out.println("info  " + seen);
        }
        String near = nearMode(root.nearStats());
        if (near != null) {
          out.println("info  " + near);
        }
      } finally {
        try {
          cache.clear();
        } catch (RuntimeException e) {
          failed++;
          out.println("FAIL  clean up the check namespace: " + describe(e));
        }
      }
    }
    // settings that hurt a cache are warnings: they change neither the count nor the status
    List<String> warnings;
    try {
      warnings = Larder.diagnose(url);
    } catch (RuntimeException e) {
      warnings = List.of("could not check the server's settings: " + describe(e));
    }
    for (String warning : warnings) {
      out.println("warn  " + warning);
    }
    out.println(passed + " passed, " + failed + " failed");
    return failed == 0 ? Main.OK : Main.FAILED;
  }

  /**
   * Says what went wrong in one line for a user: the message of Larder's own exceptions and
   * of bad arguments, without class names; other exceptions (bugs, most likely) keep their
   * simple class name, which is then the best clue.
   */
  static String describe(Throwable e) {
    String message = e.getMessage() == null ? "" : oneLine(e.getMessage());
    boolean explained = e instanceof CacheException || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException;
    if (explained && !message.isEmpty()) {
      return message;
    }
    return e.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
  }

  /** Joins the lines of a message into one. */
  static String oneLine(String message) {
    return message.strip().replaceAll("\\s*\\R\\s*", "; ");
  }

  /**
   * Runs a getMany of 101 keys and a setMany of 100 and describes what the servers counted
   * beside Larder's own count, or returns {@code null} when the servers' counters cannot be
   * read (other stores, TLS).
   */
  private static String serverSeen(String url, Cache cache) {
    ServerCounts server = ServerCounts.of(url);
    if (server == null) {
      return null;
    }
    Map<String, Object> entries = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      entries.put("seen:" + i, "v" + i);
    }
    List<String> keys = new ArrayList<>(entries.keySet());
    keys.add("seen:missing");
    try {
      Map<String, Long> before = server.read();
      long trips = cache.stats().roundTrips();
      cache.setMany(entries);
      long setTrips = cache.stats().roundTrips() - trips;
      Map<String, Long> afterSet = server.read();
      cache.getMany(keys, String.class);
      long getTrips = cache.stats().roundTrips() - trips - setTrips;
      Map<String, Long> afterGet = server.read();
      cache.deleteMany(entries.keySet());
      return "setMany(100): Larder counted " + setTrips + " round trip(s), the server saw "
          + server.describe(before, afterSet) + "; getMany(101): Larder counted " + getTrips
          + ", the server saw " + server.describe(afterSet, afterGet);
    } catch (IOException | RuntimeException e) {
      return "the server's own request counts could not be read: " + e.getMessage();
    }
  }

  /** Opens the cache fail-closed, so that store errors fail checks instead of reading as misses. */
  /**
   * Says which mode a URL's near tier runs in.
   *
   * @param near the near tier's stats
   * @return one line, or {@code null} when the URL has no {@code near=}
   */
  static String nearMode(NearStats near) {
    if (!near.enabled()) {
      return null;
    }
    return near.tracking()
        ? "near: tracking: the store reports other clients' writes (Redis CLIENT TRACKING,"
            + " SQLite PRAGMA data_version); a near value is served only while they are"
            + " confirmed within nearLag (50 ms by default)"
        : "near: TTL-bounded: the server pushes no invalidations; another process's write can go"
            + " unseen for up to nearTtl (2 s by default)";
  }

  private static Cache open(String url) {
    try {
      return Larder.builder().url(url).failOpen(false).build();
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().contains("'failOpen' is set both")) {
        return Larder.open(url);
      }
      throw e;
    }
  }

  private static String runOne(Check check, Cache cache) {
    try {
      check.body().run(cache);
      return null;
    } catch (CheckFailed e) {
      return e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } catch (Exception e) {
      return describe(e);
    }
  }

  private static long roundTrips(Cache cache, Body body) throws Exception {
    long before = cache.stats().roundTrips();
    body.run(cache);
    return cache.stats().roundTrips() - before;
  }

  static List<Check> checks() {
    List<Check> checks = new ArrayList<>();
    checks.add(new Check("set and get a string, bytes and a long", c -> {
      c.set("s", "héllo ☕");
      c.set("b", new byte[] {0, (byte) 0xFF, 10});
      c.set("l", -42L);
      expectEquals("héllo ☕", c.get("s", String.class), "string");
      expectEquals(new byte[] {0, (byte) 0xFF, 10}, c.get("b", byte[].class), "bytes");
      expectEquals(-42L, c.get("l", Long.class), "long");
      expect(c.get("missing", String.class) == null, "a missing key read as a value");
    }));
    checks.add(new Check("delete and exists", c -> {
      c.set("d", "v");
      expect(c.exists("d"), "exists is false after set");
      expect(c.delete("d"), "delete of a present key returned false");
      expect(!c.exists("d"), "exists is true after delete");
      expect(!c.delete("d"), "delete of a missing key returned true");
    }));
    checks.add(new Check("add only when absent", c -> {
      expect(c.add("a", "first"), "add to a missing key failed");
      expect(!c.add("a", "second"), "add to a present key succeeded");
      expectEquals("first", c.get("a", String.class), "value after add");
    }));
    checks.add(new Check("getMany and setMany in one round trip each", c -> {
      Map<String, Object> entries = new LinkedHashMap<>();
      for (int i = 0; i < 100; i++) {
        entries.put("bulk:" + i, "v" + i);
      }
      expectEquals(1L, roundTrips(c, x -> x.setMany(entries)), "round trips of setMany(100)");
      Map<String, String>[] got = new Map[1];
      List<String> keys = new ArrayList<>(entries.keySet());
      keys.add("bulk:missing");
      expectEquals(1L, roundTrips(c, x -> got[0] = x.getMany(keys, String.class)),
          "round trips of getMany(101)");
      expectEquals(100, got[0].size(), "values found by getMany");
      expectEquals(100, c.deleteMany(entries.keySet()), "keys removed by deleteMany");
    }));
    checks.add(new Check("TTL: entries expire, zero TTL deletes, 45 days is not a date", c -> {
      c.set("ttl:short", "v", Duration.ofMillis(1100));
      c.set("ttl:long", "v", Duration.ofDays(45));
      c.set("ttl:zero", "v");
      c.set("ttl:zero", "v", Duration.ZERO);
      expect(!c.exists("ttl:zero"), "a zero TTL did not delete the key");
      expect(c.exists("ttl:short"), "an entry with a 1.1 s TTL is missing at once");
      expect(c.exists("ttl:long"), "an entry with a 45-day TTL is missing at once "
          + "(read as a Unix time?)");
      // a server that counts whole seconds keeps 1.1 s (sent as 2 s) for up to 3 s
      Thread.sleep(3300);
      expect(!c.exists("ttl:short"), "an entry with a 1.1 s TTL is still there after 3.3 s");
    }));
    checks.add(new Check("touch gives a new TTL", c -> {
      c.set("touch", "v", Duration.ofMillis(1100));
      expect(c.touch("touch", Duration.ofDays(1)), "touch of a present key returned false");
      Thread.sleep(2300);
      expectEquals("v", c.get("touch", String.class), "value after touch and 2.3 s");
      expect(!c.touch("touch:missing", Duration.ofDays(1)), "touch of a missing key returned true");
    }));
    checks.add(new Check("incr and decr, read back as a long", c -> {
      expectEquals(1L, c.incr("n"), "first incr");
      expectEquals(11L, c.incr("n", 10), "incr by 10");
      expectEquals(-4L, c.decr("n", 15), "decr by 15");
      expectEquals(-4L, c.get("n", Long.class), "counter read as a long");
      c.set("text", "not a number");
      try {
        c.incr("text");
        throw new CheckFailed("incr of a text value succeeded");
      } catch (CacheCodecException expected) {
        // right
      }
    }));
    checks.add(new Check("incr from " + THREADS + " threads loses no count", c -> {
      int perThread = 500;
      inParallel(() -> {
        for (int i = 0; i < perThread; i++) {
          c.incr("parallel");
        }
      });
      expectEquals((long) THREADS * perThread, c.get("parallel", Long.class), "count");
    }));
    checks.add(new Check("compare-and-set", c -> {
      c.set("cas", "v1");
      Versioned<String> read = c.getVersioned("cas", String.class);
      expect(c.compareAndSet(read, "v2"), "compare-and-set on an unchanged key failed");
      expect(!c.compareAndSet(read, "v3"), "compare-and-set with a stale version succeeded");
      Versioned<String> absent = c.getVersioned("cas:absent", String.class);
      expect(!absent.exists(), "a missing key read as present");
      expect(c.compareAndSet(absent, "new"), "compare-and-set on a missing key failed");
      expectEquals("new", c.get("cas:absent", String.class), "value after compare-and-set");
    }));
    checks.add(new Check("update loop from " + THREADS + " threads loses no update", c -> {
      int perThread = 50;
      inParallel(() -> {
        for (int i = 0; i < perThread; i++) {
          c.update("update", Codec.longs(), v -> v == null ? 1L : v + 1);
        }
      });
      expectEquals((long) THREADS * perThread, c.get("update", Long.class), "updates");
    }));
    checks.add(new Check("namespace clear removes its keys and no neighbour's", c -> {
      Cache a = c.namespace("a");
      Cache ab = c.namespace("a*b");
      Cache b = c.namespace("b");
      a.set("k", "a");
      ab.set("k", "ab");
      b.set("k", "b");
      c.set("k", "parent");
      a.clear();
      expect(a.get("k", String.class) == null, "a key survived clear() of its namespace");
      expectEquals("ab", ab.get("k", String.class), "neighbour 'a*b' after clearing 'a'");
      expectEquals("b", b.get("k", String.class), "neighbour 'b' after clearing 'a'");
      expectEquals("parent", c.get("k", String.class), "parent after clearing 'a'");
    }));
    checks.add(new Check("awkward keys: 10 kB, spaces, control characters, unicode", c -> {
      List<String> keys = List.of("k".repeat(10_000), "with space", "tab\tand\nnewline",
          "nul\u0000", "ünïcödé 日本 🍞", "#hash", "a".repeat(251));
      for (String k : keys) {
        c.set(k, "v:" + k.length() + ":" + k.hashCode());
      }
      for (String k : keys) {
        expectEquals("v:" + k.length() + ":" + k.hashCode(), c.get(k, String.class),
            "value under a key of " + k.length() + " chars");
      }
    }));
    checks.add(new Check("compressed values round trip", c -> {
      String big = "larder ".repeat(5000);
      Codec<String> zipped = Codec.compressed(Codec.utf8(), 256);
      c.set("zip", big, zipped, c.defaultTtl());
      expectEquals(big, c.get("zip", zipped), "compressed value");
    }));
    checks.add(new Check("preload: one round trip, then none", c -> {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        keys.add("pre:" + i);
        if (i % 2 == 0) {
          c.set("pre:" + i, "v" + i);
        }
      }
      CacheStats before = c.stats();
      try (Preload scope = c.preload(keys)) {
        for (String k : keys) {
          c.get(k, String.class);
        }
      }
      CacheStats used = c.stats().minus(before);
      expectEquals(1L, used.roundTrips(), "round trips for a preload of 10 keys and 10 reads");
      expectEquals(10L, used.preloadHits(), "reads answered by the scope");
      expectEquals(5L, used.hits(), "hits");
    }));
    return checks;
  }

  private static void inParallel(Runnable task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < THREADS; i++) {
        futures.add(pool.submit(task));
      }
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
