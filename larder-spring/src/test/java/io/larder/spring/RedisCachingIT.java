package io.larder.spring;

import io.larder.testkit.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Spring caching scenarios against a real redis-server started for this class. */
class RedisCachingIT extends CachingScenarios {
  private static RedisServer redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.stop();
    }
  }

  @Override
  String url() {
    // the scenarios count computations: a read past the default 250 ms on a loaded machine
    // would be a miss (failing open) and compute again
    return redis.url() + "?timeout=5s&writeTimeout=5s";
  }
}
