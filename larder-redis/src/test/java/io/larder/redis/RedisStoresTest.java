package io.larder.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Larder;
import org.junit.jupiter.api.Test;

/** What is decided before any connection: schemes, options, refused URLs. */
class RedisStoresTest {

  @Test
  void theSchemesAreFoundOnTheClassPath() {
    assertThat(Larder.schemes()).contains("redis", "rediss", "redis-cluster");
  }

  @Test
  void theCachesOptionsAreRefusedBeforeConnecting() {
    // port 1: nothing listens there, so an attempt to connect would fail differently
    assertThatThrownBy(() -> RedisStores.open("redis://127.0.0.1:1/0?prefix=shop&ttl=1m"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown options [prefix, ttl]")
        .hasMessageContaining("options of Larder.open");
    assertThatThrownBy(() -> RedisStores.open("redis://127.0.0.1:1/0?tiemout=1s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown option [tiemout]")
        .hasMessageNotContaining("Larder.open");
  }

  @Test
  void otherSchemesAreRefused() {
    assertThatThrownBy(() -> RedisStores.open("mem:"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a Redis URL");
    assertThatThrownBy(() -> RedisStores.diagnose("sqlite:x.db"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a Redis URL");
  }
}
