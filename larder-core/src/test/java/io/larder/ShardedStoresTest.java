package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Stores#sharded()}: options checked at once, defaults, ownership of the stores. */
class ShardedStoresTest {

  @Test
  void buildsAStoreThatSpreadsKeysAndClosesItsServers() {
    AtomicInteger closed = new AtomicInteger();
    Store a = closeCounting(closed);
    Store b = closeCounting(closed);
    Store sharded = Stores.sharded()
        .server("cache1:11211", a)
        .server("cache2:11211", 2, b)
        .hashing(Hashing.KETAMA_WEIGHTED)
        .failureThreshold(5)
        .retryInterval(Duration.ofMillis(250))
        .build();
    for (int i = 0; i < 100; i++) {
      sharded.set("k" + i, "v".getBytes(StandardCharsets.UTF_8), Store.NO_EXPIRY);
    }
    int onA = 0;
    for (int i = 0; i < 100; i++) {
      onA += a.exists("k" + i) ? 1 : 0;
      assertThat(a.exists("k" + i)).isNotEqualTo(b.exists("k" + i));
    }
    assertThat(onA).as("weight 1 of 3").isBetween(15, 50);
    assertThat(sharded.toString()).contains("KETAMA_WEIGHTED").contains("cache2:11211 weight 2");

    sharded.close();
    sharded.close();
    assertThat(closed).hasValue(2);
  }

  @Test
  void defaultsAreKetamaWeightedThreeFailuresAndOneSecond() {
    assertThat(Stores.ShardedBuilder.DEFAULT_FAILURE_THRESHOLD).isEqualTo(3);
    assertThat(Stores.ShardedBuilder.DEFAULT_RETRY_INTERVAL).isEqualTo(Duration.ofSeconds(1));
    try (Store s = Stores.sharded().server("a", Stores.memory()).build()) {
      assertThat(s.toString()).startsWith("sharded[KETAMA_WEIGHTED");
    }
  }

  @Test
  void optionsAreCheckedAtOnceNamingTheBadValue() {
    Stores.ShardedBuilder b = Stores.sharded();
    assertThatThrownBy(() -> b.server("host:http", Stores.memory()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:http");
    assertThatThrownBy(() -> b.server("a", 0, Stores.memory()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> b.server(null, Stores.memory()))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("name");
    assertThatThrownBy(() -> b.server("a", null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("store");
    assertThatThrownBy(() -> b.failureThreshold(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    assertThatThrownBy(() -> b.retryInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> b.hashing(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void eachOptionIsSetOnce() {
    Stores.ShardedBuilder b = Stores.sharded().hashing(Hashing.KETAMA).failureThreshold(2)
        .retryInterval(Duration.ofSeconds(2));
    assertThatThrownBy(() -> b.hashing(Hashing.KETAMA)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("hashing");
    assertThatThrownBy(() -> b.failureThreshold(2)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("failureThreshold");
    assertThatThrownBy(() -> b.retryInterval(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("retryInterval");
  }

  @Test
  void aServerOrAStoreCannotBeAddedTwice() {
    Store shared = Stores.memory();
    Stores.ShardedBuilder b = Stores.sharded().server("cache1", shared);
    assertThatThrownBy(() -> b.server("cache1:11211", Stores.memory()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cache1:11211")
        .hasMessageContaining("'cache1'");
    assertThatThrownBy(() -> b.server("cache2", shared))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cache1")
        .hasMessageContaining("cache2");
    shared.close();
  }

  @Test
  void aStoreWithoutServersCannotBeBuilt() {
    assertThatThrownBy(() -> Stores.sharded().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("server");
  }

  @Test
  void aCacheOverAShardedStoreWorksEndToEnd() {
    Store sharded = Stores.sharded().hashing(Hashing.KETAMA)
        .server("a:11211", Stores.memory()).server("b:11211", Stores.memory()).build();
    try (Cache cache = Larder.builder().store(sharded).prefix("app").build()) {
      cache.set("x", "1");
      assertThat(cache.get("x", Codec.utf8())).isEqualTo("1");
      assertThat(cache.incr("n")).isEqualTo(1);
    } finally {
      sharded.close();
    }
  }

  private static Store closeCounting(AtomicInteger closed) {
    return new ForwardingStore(Stores.memory()) {
      @Override
      public void close() {
        closed.incrementAndGet();
        super.close();
      }
    };
  }
}
