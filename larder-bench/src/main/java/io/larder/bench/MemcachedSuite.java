package io.larder.bench;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.MemcachedServer;
import io.larder.testkit.ReplyRelay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.impl.KetamaMemcachedSessionLocator;
import net.rubyeye.xmemcached.utils.AddrUtil;

/**
 * {@code memcached}: get, set and getMany(100) of 1 kB values at 1 and 16 threads, Larder's
 * {@code Cache} beside XMemcached 2.4.9 (Ketama locator, one connection, text protocol,
 * byte-array values) and spymemcached 2.12.3 (Ketama, one connection; sets wait for their
 * reply), against a memcached started on loopback; then a multi-get of 100 keys
 * spread over 3 servers beside the same multi-get on one server, both through Larder and
 * both under a key prefix, interleaved with XMemcached's multi-get over the same 3 servers and
 * over the first alone, and with a plain blocking client's multi-get over the same servers
 * (printed as a note: each client's 3 ÷ 1, Larder's from the same rounds, and the time one
 * call adds from 1 server to 3, which compares the fan-outs where the ratios cannot: a client
 * cheaper per call shows a lower ratio for the same added cost; the plain client's is what a
 * minimal blocking client gets, not a bound for the others); then the same pair with
 * every server behind a relay that delays its replies by 1 ms, where a fan-out that overlaps
 * its parts shows 3 ÷ 1 near 1 whatever the machine's cores (see docs/memcached.md).
 */
final class MemcachedSuite implements Suite {
  private static final int KEYS = 1_000;
  private static final int BATCH = 100;
  /** The latency the relays of the {@code 1 ms relays} case add to every reply. */
  private static final Duration RELAY_DELAY = Duration.ofMillis(1);

  @Override
  public String name() {
    return "memcached";
  }

  static MemcachedClient xmemcached(String hostPorts) throws Exception {
    XMemcachedClientBuilder builder = new XMemcachedClientBuilder(AddrUtil.getAddresses(hostPorts));
    builder.setSessionLocator(new KetamaMemcachedSessionLocator());
    builder.setConnectionPoolSize(1);
    MemcachedClient client = builder.build();
    client.setOpTimeout(5_000);
    return client;
  }

  static String hostPort(MemcachedServer s) {
    return s.host() + ":" + s.port();
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    List<Result> results = new ArrayList<>();
    byte[] value = Harness.value(1_024);
    List<String> cacheKeys = keys("cache:");
    List<String> xmcKeys = keys("xmc:");
    Map<String, Object> forCache = new LinkedHashMap<>();
    cacheKeys.forEach(k -> forCache.put(k, value));
    try (MemcachedServer a = MemcachedServer.builder().args("-m", "256").start();
         MemcachedServer b = MemcachedServer.builder().args("-m", "64").start();
         MemcachedServer c = MemcachedServer.builder().args("-m", "64").start();
         Cache cache = Larder.open(a.url() + "?failOpen=false&timeout=5s");
         Cache one = Larder.open(a.url() + "?failOpen=false&timeout=5s&prefix=one");
         Cache three = Larder.open("memcached://" + hostPort(a) + "," + hostPort(b) + ","
             + hostPort(c) + "?failOpen=false&timeout=5s&prefix=three")) {
      MemcachedClient xmc = xmemcached(hostPort(a));
      net.spy.memcached.MemcachedClient spy = spymemcached(hostPort(a));
      try {
        cache.setMany(forCache);
        three.setMany(forCache);
        one.setMany(forCache);
        for (String k : xmcKeys) {
          xmc.set(k, 0, value);
        }
        List<String> spyKeys = keys("spy:");
        for (String k : spyKeys) {
          spy.set(k, 0, value).get();
        }
        for (int threads : new int[] {1, 16}) {
          compare(results, settings, "get 1kB, " + threads + " thr", threads,
              r -> Harness.require(cache.get(cacheKeys.get(r.nextInt(KEYS)), byte[].class), value),
              r -> Harness.require(xmc.<byte[]>get(xmcKeys.get(r.nextInt(KEYS))), value),
              r -> Harness.require((byte[]) spy.get(spyKeys.get(r.nextInt(KEYS))), value), "ops/s");
          compare(results, settings, "set 1kB, " + threads + " thr", threads,
              r -> cache.set(cacheKeys.get(r.nextInt(KEYS)), value),
              r -> {
                if (!xmc.set(xmcKeys.get(r.nextInt(KEYS)), 0, value)) {
                  throw new IllegalStateException("XMemcached set failed");
                }
              },
              r -> {
                if (!spy.set(spyKeys.get(r.nextInt(KEYS)), 0, value).get()) {
                  throw new IllegalStateException("spymemcached set failed");
                }
              }, "ops/s");
          compare(results, settings, "getMany(100) 1kB, " + threads + " thr", threads,
              r -> Harness.requireSize(cache.getMany(Harness.batch(cacheKeys, r, BATCH), byte[].class), BATCH, value),
              r -> Harness.requireSize(xmc.<byte[]>get(Harness.batch(xmcKeys, r, BATCH)), BATCH, value),
              r -> Harness.requireSize(spy.getBulk(Harness.batch(spyKeys, r, BATCH)), BATCH, value), "calls/s");
        }
        MemcachedClient xmcThree = xmemcached(hostPort(a) + " " + hostPort(b) + " " + hostPort(c));
        try {
          List<String> xmcThreeKeys = keys("xmc3:");
          for (String k : xmcThreeKeys) {
            xmcThree.set(k, 0, value);
          }
          Map<String, Harness.Work> larder = new LinkedHashMap<>();
          larder.put("three", r -> Harness.requireSize(
              three.getMany(Harness.batch(cacheKeys, r, BATCH), byte[].class), BATCH, value));
          // both under a prefix: a namespaced key costs the store a generation fold
          larder.put("one", r -> Harness.requireSize(
              one.getMany(Harness.batch(cacheKeys, r, BATCH), byte[].class), BATCH, value));
          // the goal's pair interleaved alone, as in the runs before XMemcached joined this case
          // (in one fixed rotation of four, "three" always ran right after XMemcached's
          // allocation-heavy multi-get), so its ratio stays comparable with theirs
          Harness.Measurement goal = Harness.throughput(settings, 1, larder);
          // the same multi-get by XMemcached over the same 3 servers and over server a alone,
          // and by the simplest client there is (blocking sockets, every part written, then
          // read), each over 3 and over 1, with Larder's pair again in the same rounds: what
          // each client's call adds from 1 server to 3 (3 memcached processes and the client
          // share the machine's cores); each Larder contender follows an XMemcached one
          Map<String, Harness.Work> peers = new LinkedHashMap<>();
          peers.put("xmcThree", r -> Harness.requireSize(
              xmcThree.<byte[]>get(Harness.batch(xmcThreeKeys, r, BATCH)), BATCH, value));
          peers.put("three", larder.get("three"));
          peers.put("xmcOne", r -> Harness.requireSize(
              xmc.<byte[]>get(Harness.batch(xmcKeys, r, BATCH)), BATCH, value));
          peers.put("one", larder.get("one"));
          Harness.Measurement m;
          try (PlainMultiGet plainThree = new PlainMultiGet(List.of(hostPort(a), hostPort(b),
                   hostPort(c)));
               PlainMultiGet plainOne = new PlainMultiGet(List.of(hostPort(a)))) {
            List<String> plainKeys = keys("plain:");
            for (String k : plainKeys) {
              plainThree.set(k, value);
              plainOne.set(k, value);
            }
            peers.put("plainThree", r -> Harness.requireSize(
                plainThree.getMany(Harness.batch(plainKeys, r, BATCH)), BATCH, value));
            peers.put("plainOne", r -> Harness.requireSize(
                plainOne.getMany(Harness.batch(plainKeys, r, BATCH)), BATCH, value));
            m = Harness.throughput(settings, 1, peers);
          }
          String note = "getMany(100) over 3 servers ÷ over 1, and µs one call adds from 1"
              + " server to 3, in the same rounds: Larder " + fanOut(m, "three", "one")
              + "; XMemcached " + fanOut(m, "xmcThree", "xmcOne")
              + "; a plain blocking client "
              + fanOut(m, "plainThree", "plainOne");
          System.out.println("memcached: " + note);
          results.add(goal.result("getMany(100) 3 servers vs 1, 1 thr", "three",
              "one", "Larder on 1 server", "calls/s", true, note));
          results.add(m.result("getMany(100) 1kB 3 servers, 1 thr", "three",
              "xmcThree", "XMemcached 2.4.9 Ketama", "calls/s", true,
              note + "; Larder's keys under a prefix (a generation fold), XMemcached's plain"));
        } finally {
          xmcThree.shutdown();
        }
        behindRelays(results, settings, List.of(a, b, c), value);
      } finally {
        spy.shutdown();
        xmc.shutdown();
      }
    }
    return results;
  }

  /**
   * {@code getMany(100) 3 vs 1, 1 ms relays, 1 thr}: the same multi-get as the goal's pair,
   * but each server behind a relay that holds its replies {@link #RELAY_DELAY} (an added
   * round-trip latency, the same for every client), so the servers' own CPU is small beside
   * the wait: a fan-out that overlaps its parts takes about one delay over 3 servers as over 1
   * (3 ÷ 1 near 1), one that sums them about three (near 0.33). Larder and XMemcached each
   * over the 3 relays and over the first, interleaved.
   */
  private static void behindRelays(List<Result> results, Harness.Settings settings,
      List<MemcachedServer> servers, byte[] value) throws Exception {
    List<ReplyRelay> relays = new ArrayList<>();
    try {
      List<String> hostPorts = new ArrayList<>();
      for (MemcachedServer s : servers) {
        ReplyRelay relay = ReplyRelay.start(s, RELAY_DELAY);
        relays.add(relay);
        hostPorts.add(relay.host() + ":" + relay.port());
      }
      String options = "?failOpen=false&timeout=5s&prefix=";
      MemcachedClient xmcThree = xmemcached(String.join(" ", hostPorts));
      MemcachedClient xmcOne;
      try {
        xmcOne = xmemcached(hostPorts.get(0));
      } catch (Exception e) {
        xmcThree.shutdown();
        throw e;
      }
      try (Cache three = Larder.open("memcached://" + String.join(",", hostPorts) + options
               + "relayed3");
           Cache one = Larder.open("memcached://" + hostPorts.get(0) + options + "relayed1")) {
        List<String> cacheKeys = keys("relayed:");
        Map<String, Object> forCache = new LinkedHashMap<>();
        cacheKeys.forEach(k -> forCache.put(k, value));
        three.setMany(forCache);
        one.setMany(forCache);
        List<String> xmcKeys = keys("xmcRelayed:");
        for (String k : xmcKeys) {
          // not one delayed round trip each: one connection per server keeps them before the
          // reads that follow on it
          xmcThree.setWithNoReply(k, 0, value);
          xmcOne.setWithNoReply(k, 0, value);
        }
        Map<String, Harness.Work> contenders = new LinkedHashMap<>();
        contenders.put("three", r -> Harness.requireSize(
            three.getMany(Harness.batch(cacheKeys, r, BATCH), byte[].class), BATCH, value));
        contenders.put("one", r -> Harness.requireSize(
            one.getMany(Harness.batch(cacheKeys, r, BATCH), byte[].class), BATCH, value));
        contenders.put("xmcThree", r -> Harness.requireSize(
            xmcThree.<byte[]>get(Harness.batch(xmcKeys, r, BATCH)), BATCH, value));
        contenders.put("xmcOne", r -> Harness.requireSize(
            xmcOne.<byte[]>get(Harness.batch(xmcKeys, r, BATCH)), BATCH, value));
        Harness.Measurement m = Harness.throughput(settings, 1, contenders);
        String note = String.format(java.util.Locale.ROOT, "replies held %d ms by a relay in"
            + " front of each server; overlapping parts give about 1, summing them about 0.33;"
            + " Larder %s; XMemcached's own 3 ÷ 1 here: %s", RELAY_DELAY.toMillis(),
            fanOut(m, "three", "one"), fanOut(m, "xmcThree", "xmcOne"));
        System.out.println("memcached: " + note);
        results.add(m.result("getMany(100) 3 vs 1, 1 ms relays, 1 thr", "three",
            "one", "Larder on 1 server", "calls/s", true, note));
      } finally {
        xmcOne.shutdown();
        xmcThree.shutdown();
      }
    } finally {
      relays.forEach(ReplyRelay::close);
    }
  }

  /**
   * Formats a client's fan-out from its rates over 3 servers and over 1: the ratio, the time a
   * call adds ({@code 1e6/three − 1e6/one} µs) and the two rates.
   */
  static String fanOut(Harness.Measurement rates, String three, String one) {
    double t = rates.median(three);
    double o = rates.median(one);
    return String.format(java.util.Locale.ROOT, "%.2f, %+.0f µs (%.0f ÷ %.0f calls/s)", t / o,
        1e6 / t - 1e6 / o, t, o);
  }

  /** Measures Larder, XMemcached and spymemcached interleaved; adds Larder vs each. */
  private static void compare(List<Result> out, Harness.Settings settings, String name,
      int threads, Harness.Work larder, Harness.Work xmc, Harness.Work spy, String unit)
      throws InterruptedException {
    Map<String, Harness.Work> contenders = new LinkedHashMap<>();
    contenders.put("larder", larder);
    contenders.put("xmc", xmc);
    contenders.put("spy", spy);
    Harness.Measurement m = Harness.throughput(settings, threads, contenders);
    out.add(m.rate(name, "larder", "xmc", "XMemcached 2.4.9 Ketama", unit));
    out.add(m.rate(name, "larder", "spy", "spymemcached 2.12.3 Ketama",
        unit));
  }

  static net.spy.memcached.MemcachedClient spymemcached(String hostPorts) throws Exception {
    // spymemcached logs INFO lines to stderr by default; route them to java.util.logging, quiet
    System.setProperty("net.spy.log.LoggerImpl", "net.spy.memcached.compat.log.SunLogger");
    java.util.logging.Logger.getLogger("net.spy.memcached").setLevel(java.util.logging.Level.WARNING);
    return new net.spy.memcached.MemcachedClient(new net.spy.memcached.ConnectionFactoryBuilder()
        .setLocatorType(net.spy.memcached.ConnectionFactoryBuilder.Locator.CONSISTENT)
        .setHashAlg(net.spy.memcached.DefaultHashAlgorithm.KETAMA_HASH)
        .setOpTimeout(5_000)
        .build(), net.spy.memcached.AddrUtil.getAddresses(hostPorts));
  }

  static List<String> keys(String prefix) {
    List<String> keys = new ArrayList<>(KEYS);
    for (int i = 0; i < KEYS; i++) {
      keys.add(prefix + i);
    }
    return List.copyOf(keys);
  }
}
