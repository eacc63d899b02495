package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheConnectionException;
import io.larder.redis.RedisCacheStore;
import io.larder.spi.StoreUrl;
import io.larder.testkit.RedisServer;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** {@code connect=background}: a store opened while Redis is down works once it is back. */
class BackgroundConnectIT {
  @Test
  void callsFailUntilTheServerAnswersThenGoThrough() {
    try (RedisServer redis = RedisServer.start()) {
      redis.kill();
      String url = redis.url() + "?connect=background&timeout=5s&connectTimeout=1s";
      RedisCacheStore store = new RedisStoreProvider().open(StoreUrl.parse(url),
          InstantSource.system());
      try {
        assertThat(store.traits()).isEqualTo(RedisStore.TRAITS);
        assertThatThrownBy(() -> store.get("k")).isInstanceOf(CacheConnectionException.class)
            .hasMessageContaining("not connected yet");

        redis.restart();
        // what the background thread does once a second, done here so the test need not wait
        ((BackgroundConnect) Proxy.getInvocationHandler(store)).tryConnect();
        store.set("k", "v".getBytes(StandardCharsets.UTF_8), 0);
        assertThat(store.get("k")).isEqualTo("v".getBytes(StandardCharsets.UTF_8));
      } finally {
        store.close();
      }
    }
  }
}
