package io.larder.bench;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;

/**
 * {@code redis}: get, set and getMany(100) of 1 kB values at 1 and 16 threads, Larder's
 * {@code Cache} beside raw Lettuce (one shared connection, synchronous API, as Larder uses),
 * against a redis-server started on loopback, and beside Jedis 8.0.2 through a
 * {@code JedisPool} of 16 connections (a connection borrowed per call). Larder runs fail-closed so that an error cannot
 * pass for speed. Both read the same entries (Lettuce uses the key Larder stores under).
 */
final class RedisSuite implements Suite {
  static final int KEYS = 1_000;
  static final int BATCH = 100;

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    List<Result> results = new ArrayList<>();
    try (RedisServer redis = RedisServer.builder()
            .args("--maxmemory", "512mb", "--maxmemory-policy", "allkeys-lru").start();
        Cache cache = Larder.open(redis.url()
            + "?prefix=bench&failOpen=false&timeout=10s&writeTimeout=10s")) {
      RedisClient client = RedisClient.create(redis.url());
      JedisPoolConfig poolConfig = new JedisPoolConfig();
      poolConfig.setMaxTotal(16);
      poolConfig.setMaxIdle(16);
      try (StatefulRedisConnection<byte[], byte[]> connection =
               client.connect(ByteArrayCodec.INSTANCE);
           JedisPool jedis = new JedisPool(poolConfig, redis.host(), redis.port(), 10_000)) {
        RedisCommands<byte[], byte[]> lettuce = connection.sync();
        byte[] value = Harness.value(1_024);
        String[] keys = new String[KEYS];
        byte[][] rawKeys = new byte[KEYS][];
        Map<String, Object> all = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
          keys[i] = "k" + i;
          // the key Larder stores under prefix "bench", so both read the same entries
          rawKeys[i] = ("~bench::k" + i).getBytes(StandardCharsets.UTF_8);
          all.put(keys[i], value);
        }
        cache.setMany(all);
        List<String> keyList = Arrays.asList(keys);
        for (int threads : new int[] {1, 16}) {
          compare(results, settings, "get 1kB, " + threads + " thr", threads,
              r -> Harness.require(cache.get(keys[r.nextInt(KEYS)], byte[].class)),
              r -> Harness.require(lettuce.get(rawKeys[r.nextInt(KEYS)])),
              r -> {
                try (Jedis j = jedis.getResource()) {
                  Harness.require(j.get(rawKeys[r.nextInt(KEYS)]));
                }
              }, "ops/s");
          compare(results, settings, "set 1kB, " + threads + " thr", threads,
              r -> cache.set(keys[r.nextInt(KEYS)], value),
              r -> lettuce.set(rawKeys[r.nextInt(KEYS)], value),
              r -> {
                try (Jedis j = jedis.getResource()) {
                  j.set(rawKeys[r.nextInt(KEYS)], value);
                }
              }, "ops/s");
          compare(results, settings, "getMany(100) 1kB, " + threads + " thr", threads,
              r -> {
                int from = r.nextInt(KEYS - BATCH);
                Harness.requireSize(cache.getMany(keyList.subList(from, from + BATCH),
                    byte[].class), BATCH);
              },
              r -> {
                int from = r.nextInt(KEYS - BATCH);
                if (lettuce.mget(Arrays.copyOfRange(rawKeys, from, from + BATCH)).size()
                    != BATCH) {
                  throw new IllegalStateException("MGET missed keys");
                }
              },
              r -> {
                int from = r.nextInt(KEYS - BATCH);
                try (Jedis j = jedis.getResource()) {
                  if (j.mget(Arrays.copyOfRange(rawKeys, from, from + BATCH)).stream()
                      .anyMatch(v -> v == null)) {
                    throw new IllegalStateException("Jedis MGET missed keys");
                  }
                }
              }, "calls/s");
        }
        cache.clear();
      } finally {
        client.shutdown();
      }
    }
    return results;
  }

  /** Measures Larder, Lettuce and Jedis interleaved; returns Larder vs each. */
  private static void compare(List<Result> out, Harness.Settings settings, String name,
      int threads, Harness.Work larder, Harness.Work lettuce, Harness.Work jedis, String unit)
      throws InterruptedException {
    Map<String, Harness.Work> contenders = new LinkedHashMap<>();
    contenders.put("larder", larder);
    contenders.put("lettuce", lettuce);
    contenders.put("jedis", jedis);
    Map<String, Double> m = Harness.throughput(settings, threads, contenders);
    out.add(Result.rate(name, m.get("larder"), m.get("lettuce"), "Lettuce (raw)", unit));
    out.add(Result.rate(name, m.get("larder"), m.get("jedis"), "Jedis 8.0.2 pooled", unit));
  }
}
