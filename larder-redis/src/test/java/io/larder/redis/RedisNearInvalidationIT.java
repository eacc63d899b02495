package io.larder.redis;

import static io.larder.redis.PatientTimeouts.PATIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.Eventually;
import io.larder.testkit.RedisServer;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The near tier on a real Redis with {@code CLIENT TRACKING}: another client's write, a
 * {@code CLIENT KILL} of the tracking connection and a {@code FLUSHALL} each drop what the tier
 * held, and tracking comes back by itself.
 */
class RedisNearInvalidationIT {
  private static RedisServer redis;
  private static RedisClient raw;
  private static StatefulRedisConnection<String, String> connection;
  private static RedisCommands<String, String> admin;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    raw = RedisClient.create("redis://" + redis.host() + ":" + redis.port());
    connection = raw.connect();
    admin = connection.sync();
  }

  @AfterAll
  static void stop() {
    connection.close();
    raw.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    redis.stop();
  }

  private Cache near(String prefix) {
    return Larder.open(redis.url() + "?prefix=" + prefix + "&near=4m" + PATIENT);
  }

  @Test
  void anotherClientsWriteInvalidatesTheNearEntry() {
    try (Cache cache = near("inv");
        Cache other = Larder.open(redis.url() + "?prefix=inv" + PATIENT)) {
      assertThat(cache.nearStats().tracking()).isTrue();
      cache.set("k", "v1");
      // the echo of our own write may evict the first fill; then the value stays near
      Eventually.await("a near hit", () -> {
        long hits = cache.nearStats().hits();
        return "v1".equals(cache.get("k", String.class)) && cache.nearStats().hits() > hits;
      });
      other.set("k", "v2");
      Eventually.await("the near tier sees v2", () -> "v2".equals(cache.get("k", String.class)));
      assertThat(cache.nearStats().invalidations()).isPositive();
    }
  }

  @Test
  void killingTheTrackingConnectionEmptiesTheTierAndTrackingComesBack() {
    try (Cache cache = near("kill");
        Cache other = Larder.open(redis.url() + "?prefix=kill" + PATIENT)) {
      cache.set("k", "v1");
      cache.get("k", String.class);
      long invalidations = cache.nearStats().invalidations();
      long killed = trackingClientId();
      admin.clientKill(KillArgs.Builder.id(killed));
      Eventually.await("the tier hears of the lost connection",
          () -> cache.nearStats().invalidations() > invalidations);
      Eventually.await("a new tracking connection", () -> {
        long id = trackingClientId();
        return id > 0 && id != killed;
      });
      assertThat(cache.get("k", String.class)).isEqualTo("v1");
      other.set("k", "v2");
      Eventually.await("the tier sees the write", () -> "v2".equals(cache.get("k", String.class)));
    }
  }

  @Test
  void flushAllEmptiesTheTier() {
    try (Cache cache = near("flush")) {
      cache.set("k", "v1");
      cache.get("k", String.class);
      admin.flushall();
      Eventually.await("the tier hears of the flush", () -> cache.get("k", String.class) == null);
    }
  }

  /** The id of the (newest) near-tier tracking connection. */
  static long trackingClientId() {
    long id = -1;
    for (String line : admin.clientList().split("\n")) {
      if (line.contains("name=larder-near")) {
        for (String field : line.split(" ")) {
          if (field.startsWith("id=")) {
            id = Math.max(id, Long.parseLong(field.substring(3)));
          }
        }
      }
    }
    return id;
  }
}
