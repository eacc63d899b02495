package io.larder.bench;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.RedisServer;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.api.sync.RedisStringCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.redisson.Redisson;
import org.redisson.api.RBuckets;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;

/**
 * {@code redis}: get, set and getMany(100) of 1 kB values at 1 and 16 threads against a
 * redis-server started on loopback, Larder's {@code Cache} (fail-closed, so that an error cannot
 * pass for speed) beside, interleaved in one measurement per case:
 *
 * <ul>
 *   <li>raw Lettuce: one shared connection, synchronous API, as Larder uses; {@code MGET};
 *   <li>Jedis 8.0.2 through a {@code JedisPool} of 16 connections, one borrowed per call;
 *       {@code MGET};
 *   <li>Spring Data Redis 3.5.6's {@code RedisCache} over its own {@code
 *       LettuceConnectionFactory} (one shared connection), byte-array values so that no Java
 *       serialization is added; it has no multi-get, so its getMany is 100 {@code get} calls;
 *   <li>Redisson 3.52.0's {@code RBucket} and {@code RBuckets.get} with its {@code
 *       ByteArrayCodec}, single-server configuration with its default connection pool.
 * </ul>
 *
 * <p>Lettuce and Jedis read and write the keys Larder stores under; Spring and Redisson their
 * own keys, seeded before measuring. Every read checks that it found its value.
 *
 * <p>After the ceiling, the same get, set and getMany cases against a Redis Cluster of three masters started
 * by the harness ({@code --cluster-enabled yes}, joined by {@code redis-cli --cluster
 * create}), Larder's {@code redis-cluster://} beside Lettuce's {@code RedisClusterClient}.
 *
 * <p>Then the ceiling: Redis's own {@code redis-benchmark} on the same server ({@code -c 1},
 * {@code -c 16}, and {@code -c 16 -P 16}, the rate a client that merged concurrent reads into
 * bulk reads could approach), GET and SET of 1 kB values over 1,000 seeded keys, each run once
 * per round, alternating with Larder's get or set at 1 or 16 threads; skipped with a note when
 * {@code redis-benchmark} is not installed.
 */
final class RedisSuite implements Suite {
  static final int KEYS = 1_000;
  static final int BATCH = 100;

  /** One contender's three operations, each a unit of work for {@link Harness}. */
  private record Ops(Harness.Work get, Harness.Work set, Harness.Work getMany) {}

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    List<Result> results = new ArrayList<>();
    byte[] value = Harness.value(1_024);
    List<String> keys = new ArrayList<>(KEYS);
    for (int i = 0; i < KEYS; i++) {
      keys.add("k" + i);
    }
    try (RedisServer redis = RedisServer.builder()
            .args("--maxmemory", "512mb", "--maxmemory-policy", "allkeys-lru").start();
        Cache cache = Larder.open(redis.url()
            + "?prefix=bench&failOpen=false&timeout=10s&writeTimeout=10s")) {
      RedisClient client = RedisClient.create(redis.url());
      LettuceConnectionFactory springConnections = new LettuceConnectionFactory(
          new RedisStandaloneConfiguration(redis.host(), redis.port()));
      springConnections.afterPropertiesSet();
      springConnections.start();
      Config redissonConfig = new Config();
      redissonConfig.useSingleServer().setAddress("redis://" + redis.host() + ":" + redis.port());
      redissonConfig.setCodec(org.redisson.client.codec.ByteArrayCodec.INSTANCE);
      RedissonClient redisson = Redisson.create(redissonConfig);
      JedisPoolConfig poolConfig = new JedisPoolConfig();
      poolConfig.setMaxTotal(16);
      poolConfig.setMaxIdle(16);
      try (StatefulRedisConnection<byte[], byte[]> connection =
               client.connect(ByteArrayCodec.INSTANCE);
           JedisPool jedis = new JedisPool(poolConfig, redis.host(), redis.port(), 10_000)) {
        RedisCommands<byte[], byte[]> lettuce = connection.sync();
        // Lettuce and Jedis use the key Larder stores under prefix "bench"
        byte[][] rawKeys = rawKeys(keys);
        Map<String, Ops> contenders = new LinkedHashMap<>();
        Ops larder = larder(cache, keys, value);
        contenders.put("Larder", larder);
        contenders.put("Lettuce (raw)", lettuce(lettuce, rawKeys, value));
        contenders.put("Jedis 8.0.2 pooled", jedis(jedis, rawKeys, value));
        contenders.put("Spring RedisCache 3.5.6", spring(springConnections, keys, value));
        contenders.put("Redisson 3.52.0 RBucket", redisson(redisson, value));
        for (int threads : new int[] {1, 16}) {
          compare(results, settings, "get 1kB, " + threads + " thr", threads, contenders,
              Ops::get, "ops/s");
          compare(results, settings, "set 1kB, " + threads + " thr", threads, contenders,
              Ops::set, "ops/s");
          compare(results, settings, "getMany(100) 1kB, " + threads + " thr", threads,
              contenders, Ops::getMany, "calls/s");
        }
        ceiling(results, settings, redis, lettuce, larder);
        cache.clear();
      } finally {
        redisson.shutdown();
        springConnections.destroy();
        client.shutdown();
      }
    }
    cluster(results, settings, keys, value);
    return results;
  }

  /**
   * The same cases against a Redis Cluster of three masters started here, Larder beside
   * Lettuce's cluster client (its {@code MGET} splits the keys by slot, as Larder's does).
   */
  private static void cluster(List<Result> results, Harness.Settings settings,
      List<String> keys, byte[] value) throws Exception {
    List<RedisServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(RedisServer.builder().args("--cluster-enabled", "yes").start());
      }
      List<String> create = new ArrayList<>(List.of("--cluster", "create"));
      List<RedisURI> seeds = new ArrayList<>();
      for (RedisServer n : nodes) {
        create.add(n.host() + ":" + n.port());
        seeds.add(RedisURI.create(n.host(), n.port()));
      }
      create.add("--cluster-yes");
      redisCli(create);
      for (RedisServer n : nodes) {
        awaitClusterOk(n);
      }
      String url = "redis-cluster://" + String.join(",", create.subList(2, 5));
      RedisClusterClient client = RedisClusterClient.create(seeds);
      try (Cache cache = Larder.open(url + "?prefix=bench&failOpen=false&timeout=10s"
              + "&writeTimeout=10s");
          StatefulRedisClusterConnection<byte[], byte[]> connection =
              client.connect(ByteArrayCodec.INSTANCE)) {
        Map<String, Ops> contenders = new LinkedHashMap<>();
        contenders.put("Larder", larder(cache, keys, value));
        contenders.put("Lettuce cluster (raw)", lettuce(connection.sync(), rawKeys(keys), value));
        for (int threads : new int[] {1, 16}) {
          compare(results, settings, "cluster get 1kB, " + threads + " thr", threads,
              contenders, Ops::get, "ops/s");
          compare(results, settings, "cluster set 1kB, " + threads + " thr", threads,
              contenders, Ops::set, "ops/s");
          compare(results, settings, "cluster getMany(100) 1kB, " + threads + " thr", threads,
              contenders, Ops::getMany, "calls/s");
        }
        cache.clear();
      } finally {
        client.shutdown();
      }
    } finally {
      nodes.forEach(RedisServer::stop);
    }
  }

  /** The keys Larder stores under prefix "bench", for the raw clients. */
  private static byte[][] rawKeys(List<String> keys) {
    byte[][] raw = new byte[keys.size()][];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = ("~bench::" + keys.get(i)).getBytes(StandardCharsets.UTF_8);
    }
    return raw;
  }

  /** Waits until a cluster node reports {@code cluster_state:ok}. */
  private static void awaitClusterOk(RedisServer node) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!redisCli(List.of("-h", node.host(), "-p", String.valueOf(node.port()), "cluster",
        "info")).contains("cluster_state:ok")) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("cluster node " + node + " never became ready");
      }
      Thread.sleep(50);
    }
  }

  private static String redisCli(List<String> args) throws Exception {
    List<String> command = new ArrayList<>(List.of("redis-cli"));
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("redis-cli " + String.join(" ", args) + ": " + output);
    }
    return output;
  }

  private static Ops larder(Cache cache, List<String> keys, byte[] value) {
    cache.setMany(seed(keys, value));
    return new Ops(
        r -> Harness.require(cache.get(keys.get(r.nextInt(KEYS)), byte[].class), value),
        r -> cache.set(keys.get(r.nextInt(KEYS)), value),
        r -> Harness.requireSize(cache.getMany(Harness.batch(keys, r, BATCH), byte[].class), BATCH, value));
  }

  private static Ops lettuce(RedisStringCommands<byte[], byte[]> lettuce, byte[][] keys,
      byte[] value) {
    return new Ops(
        r -> Harness.require(lettuce.get(keys[r.nextInt(KEYS)]), value),
        r -> lettuce.set(keys[r.nextInt(KEYS)], value),
        r -> {
          int from = r.nextInt(KEYS - BATCH);
          List<KeyValue<byte[], byte[]>> found =
              lettuce.mget(Arrays.copyOfRange(keys, from, from + BATCH));
          if (found.size() != BATCH || found.stream().anyMatch(kv -> !kv.hasValue())) {
            throw new IllegalStateException("Lettuce MGET missed keys");
          }
          Harness.require(found.get(r.nextInt(BATCH)).getValue(), value);
        });
  }

  private static Ops jedis(JedisPool pool, byte[][] keys, byte[] value) {
    return new Ops(
        r -> {
          try (Jedis j = pool.getResource()) {
            Harness.require(j.get(keys[r.nextInt(KEYS)]), value);
          }
        },
        r -> {
          try (Jedis j = pool.getResource()) {
            j.set(keys[r.nextInt(KEYS)], value);
          }
        },
        r -> {
          int from = r.nextInt(KEYS - BATCH);
          List<byte[]> found;
          try (Jedis j = pool.getResource()) {
            found = j.mget(Arrays.copyOfRange(keys, from, from + BATCH));
          }
          if (found.size() != BATCH || found.contains(null)) {
            throw new IllegalStateException("Jedis MGET missed keys");
          }
          Harness.require(found.get(r.nextInt(BATCH)), value);
        });
  }

  /** Spring's cache named "bench" stores key {@code k} under {@code bench::k}. */
  private static Ops spring(LettuceConnectionFactory connections, List<String> keys,
      byte[] value) {
    RedisCacheManager manager = RedisCacheManager.builder(connections)
        .cacheDefaults(RedisCacheConfiguration.defaultCacheConfig().serializeValuesWith(
            RedisSerializationContext.SerializationPair.fromSerializer(
                RedisSerializer.byteArray())))
        .build();
    manager.afterPropertiesSet();
    org.springframework.cache.Cache spring = manager.getCache("bench");
    if (spring == null) {
      throw new IllegalStateException("Spring's RedisCacheManager made no cache");
    }
    keys.forEach(k -> spring.put(k, value));
    return new Ops(
        r -> Harness.require(spring.get(keys.get(r.nextInt(KEYS)), byte[].class), value),
        r -> spring.put(keys.get(r.nextInt(KEYS)), value),
        r -> {
          for (String k : Harness.batch(keys, r, BATCH)) { // RedisCache has no multi-get
            Harness.require(spring.get(k, byte[].class), value);
          }
        });
  }

  private static Ops redisson(RedissonClient redisson, byte[] value) {
    org.redisson.client.codec.ByteArrayCodec codec =
        org.redisson.client.codec.ByteArrayCodec.INSTANCE;
    String[] keys = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "redisson:k" + i;
    }
    RBuckets buckets = redisson.getBuckets(codec);
    buckets.set(seed(Arrays.asList(keys), value));
    return new Ops(
        r -> Harness.require(redisson.<byte[]>getBucket(keys[r.nextInt(KEYS)], codec).get(), value),
        r -> redisson.<byte[]>getBucket(keys[r.nextInt(KEYS)], codec).set(value),
        r -> {
          int from = r.nextInt(KEYS - BATCH);
          Harness.requireSize(buckets.get(Arrays.copyOfRange(keys, from, from + BATCH)), BATCH, value);
        });
  }

  /**
   * Measures one operation of every contender interleaved; adds Larder (the first) vs each
   * other contender.
   */
  private static void compare(List<Result> out, Harness.Settings settings, String name,
      int threads, Map<String, Ops> contenders, Function<Ops, Harness.Work> operation,
      String unit) throws InterruptedException {
    Map<String, Harness.Work> work = new LinkedHashMap<>();
    contenders.forEach((contender, ops) -> work.put(contender, operation.apply(ops)));
    Harness.Measurement m = Harness.throughput(settings, threads, work);
    String larder = work.keySet().iterator().next();
    for (String contender : m.contenders()) {
      if (!contender.equals(larder)) {
        out.add(m.rate(name, larder, contender, contender, unit));
      }
    }
  }

  /**
   * Larder's get and set beside redis-benchmark's GET and SET on the same server, in rounds:
   * {@code -c 1} beside 1 thread, {@code -c 16} and {@code -c 16 -P 16} beside 16 threads.
   */
  private static void ceiling(List<Result> out, Harness.Settings settings, RedisServer redis,
      RedisCommands<byte[], byte[]> lettuce, Ops larder) throws Exception {
    Optional<Path> executable = RedisBenchmark.onPath();
    if (executable.isEmpty()) {
      System.out.println("redis: redis-benchmark is not on the PATH (Debian: redis-tools);"
          + " the ceiling rows are skipped");
      return;
    }
    Map<byte[], byte[]> seed = new LinkedHashMap<>();
    byte[] value = Harness.value(RedisBenchmark.VALUE_BYTES);
    for (int i = 0; i < RedisBenchmark.KEYSPACE; i++) {
      seed.put(RedisBenchmark.key(i).getBytes(StandardCharsets.UTF_8), value);
    }
    lettuce.mset(seed); // redis-benchmark does not check that its GETs find their keys; INFO does
    long missesBefore = misses(lettuce);
    for (String test : List.of("get", "set")) {
      Harness.Work work = test.equals("get") ? larder.get() : larder.set();
      // {threads and connections, pipeline depths...}: -c 1 beside 1 thread; -c 16 and
      // -c 16 -P 16 beside 16 threads
      for (int[] shape : new int[][] {{1, 1}, {16, 1, 16}}) {
        int threads = shape[0];
        Map<String, Harness.Timed<Exception>> contenders = new LinkedHashMap<>();
        contenders.put("Larder", millis -> Harness.measure(work, threads, millis));
        for (int i = 1; i < shape.length; i++) {
          RedisBenchmark peer =
              new RedisBenchmark(executable.get(), redis.port(), test, threads, shape[i]);
          contenders.put(peer.label(), peer::perSecond);
        }
        Harness.Measurement m = Harness.rounds(settings, contenders);
        for (String contender : m.contenders()) {
          if (!contender.equals("Larder")) {
            out.add(m.rate(test + " 1kB, " + threads + " thr", "Larder", contender,
                contender, "ops/s"));
          }
        }
      }
    }
    long missed = misses(lettuce) - missesBefore;
    if (missed != 0) {
      throw new IllegalStateException(missed + " reads missed their key while measuring"
          + " redis-benchmark's ceiling");
    }
  }

  private static long misses(RedisCommands<byte[], byte[]> lettuce) {
    for (String line : lettuce.info("stats").split("\\R")) {
      if (line.startsWith("keyspace_misses:")) {
        return Long.parseLong(line.substring("keyspace_misses:".length()).strip());
      }
    }
    throw new IllegalStateException("INFO stats has no keyspace_misses");
  }

  private static Map<String, Object> seed(List<String> keys, byte[] value) {
    Map<String, Object> all = new LinkedHashMap<>();
    keys.forEach(k -> all.put(k, value));
    return all;
  }
}
