package io.larder.redis;

import static io.larder.redis.PatientTimeouts.PATIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.Eventually;
import io.larder.testkit.NearReads;
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
      // a near hit (caught up) comes after the echo of our own write, so the count below can
      // move only for the other client's write; a read that is behind would see v2 without it
      NearReads.awaitHit(cache, "k", "v1");
      long invalidations = cache.nearStats().invalidations();
      other.set("k", "v2");
      Eventually.await("the push of the other client's write",
          () -> cache.nearStats().invalidations() > invalidations);
      NearReads.awaitHit(cache, "k", "v2");
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
      // the new connection tracks: the tier holds again, and another client's write is pushed
      NearReads.awaitHit(cache, "k", "v1");
      long before = cache.nearStats().invalidations();
      other.set("k", "v2");
      Eventually.await("the push of the write on the new connection",
          () -> cache.nearStats().invalidations() > before);
      NearReads.awaitHit(cache, "k", "v2");
    }
  }

  @Test
  void flushAllEmptiesTheTier() {
    try (Cache cache = near("flush")) {
      cache.set("k", "v1");
      NearReads.awaitHit(cache, "k", "v1");
      long invalidations = cache.nearStats().invalidations();
      admin.flushall();
      Eventually.await("the tier hears of the flush",
          () -> cache.nearStats().invalidations() > invalidations);
      NearReads.awaitGone(cache, "k");
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
