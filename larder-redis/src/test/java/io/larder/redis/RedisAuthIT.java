package io.larder.redis;

import static io.larder.redis.PatientTimeouts.PATIENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheConnectionException;
import io.larder.Larder;
import io.larder.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Authentication against a server with a password for the default user and an ACL user:
 * right credentials work, wrong or missing ones fail when the cache is opened, with a message
 * that says what to fix and never shows the password.
 */
class RedisAuthIT {
  private static RedisServer redis;
  private static String hostPort;

  @BeforeAll
  static void startServer() {
    // the app user may do everything but administer the server (no CONFIG, for instance)
    // the app user has the least docs/redis.md recommends: no admin or dangerous commands
    // but FLUSHDB (clearing a cache without prefix) and INFO (diagnose)
    redis = RedisServer.builder().args("--requirepass", "s3cret",
        "--user", "app", "on", ">app-pass:w/@", "~*", "+@read", "+@write", "+@keyspace",
        "+@scripting", "+@connection", "-@dangerous", "+flushdb", "+info",
        "--user", "reader", "on", ">read", "~*", "+@read", "+@connection").start();
    hostPort = redis.host() + ":" + redis.port();
  }

  @AfterAll
  static void stopServer() {
    redis.stop();
  }

  @Test
  void thePasswordOfTheDefaultUserOpens() {
    try (Cache cache = Larder.open("redis://:s3cret@" + hostPort + "/0?prefix=auth" + PATIENT)) {
      cache.set("k", "v");
      assertThat(cache.get("k", String.class)).isEqualTo("v");
      cache.clear();
    }
  }

  @Test
  void anAclUserWithTheRecommendedRightsCanDoEverything() {
    String url = "redis://app:app-pass%3Aw%2F%40@" + hostPort + "/0";
    try (Cache cache = Larder.open(url + "?prefix=acl&failOpen=false" + PATIENT);
        Cache root = Larder.open(url + "?failOpen=false" + PATIENT)) {
      cache.set("k", "v");
      cache.setMany(Map.of("a", "1", "b", "2"));
      assertThat(cache.getMany(List.of("k", "a", "b"), String.class)).hasSize(3);
      assertThat(cache.incr("n")).isEqualTo(1);
      assertThat(cache.add("k", "w")).isFalse();
      assertThat(cache.update("n", Long.class, v -> v + 1)).isEqualTo(2L);
      assertThat(cache.touch("k", Duration.ofMinutes(1))).isTrue();
      assertThat(cache.delete("a")).isTrue();
      cache.namespace("ns").set("x", "y");
      cache.clear();
      assertThat(cache.exists("k")).isFalse();
      root.set("raw", "v");
      root.clear(); // FLUSHDB
      assertThat(root.exists("raw")).isFalse();
    }
  }

  @Test
  void aWrongPasswordFailsAtOpenWithAClearMessage() {
    assertThatThrownBy(() -> Larder.open("redis://:wrong@" + hostPort + "/0"))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("refused the user or password")
        .hasMessageContaining("WRONGPASS")
        .hasMessageContaining("redis://:***@" + hostPort)
        .hasMessageNotContaining("wrong");
  }

  @Test
  void aWrongAclPasswordFailsAtOpen() {
    assertThatThrownBy(() -> RedisStores.open("redis://app:nope@" + hostPort + "/0"))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("refused the user or password")
        .hasMessageNotContaining("nope");
  }

  @Test
  void anUnknownUserFailsAtOpen() {
    assertThatThrownBy(() -> RedisStores.open("redis://nobody:x@" + hostPort + "/0"))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("refused the user or password");
  }

  @Test
  void aMissingPasswordFailsAtOpenAndSaysHowToGiveOne() {
    assertThatThrownBy(() -> Larder.open("redis://" + hostPort + "/0"))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("requires a password")
        .hasMessageContaining("redis://:password@");
  }

  @Test
  void aUserWhoMayNotRunScriptsFailsAtOpen() {
    assertThatThrownBy(() -> RedisStores.open("redis://reader:read@" + hostPort + "/0"))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("may not run the commands this store needs")
        .hasMessageContaining("NOPERM");
  }

  @Test
  void aDatabaseThatDoesNotExistFailsAtOpen() {
    assertThatThrownBy(() -> RedisStores.open("redis://:s3cret@" + hostPort + "/99"))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("database 99");
  }

  @Test
  void diagnoseFallsBackToInfoWhenConfigIsDenied() {
    assertThat(RedisStores.diagnose("redis://app:app-pass%3Aw%2F%40@" + hostPort + "/0?prefix=x"))
        .anySatisfy(w -> assertThat(w).startsWith("maxmemory is 0"))
        .anySatisfy(w -> assertThat(w).startsWith("maxmemory-policy is noeviction"))
        .anySatisfy(w -> assertThat(w).contains("CONFIG GET was refused").contains("NOPERM"));
  }
}
