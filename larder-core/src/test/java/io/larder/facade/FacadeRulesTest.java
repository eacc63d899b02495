package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.Codec;
import io.larder.Versioned;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the facade decides before or after any store call (argument checks, namespace stats,
 * codecs), on the memory store. Moved from the store contract.
 */
class FacadeRulesTest {
  private final MemoryCaches caches = new MemoryCaches();
  private final Cache cache = caches.cache("rules");

  @AfterEach
  void close() {
    caches.close();
  }

  @Test
  void namespaceStatsAreTheirOwnAndRollUp() {
    Cache ns = cache.namespace("stats");
    assertThat(cache.namespace("stats")).isSameAs(ns);
    ns.set("k", "v");
    ns.get("k", String.class);
    cache.get("absent", String.class);
    assertThat(ns.stats().hits()).isEqualTo(1);
    assertThat(ns.stats().misses()).isZero();
    assertThat(cache.stats().hits()).isEqualTo(1);
    assertThat(cache.stats().misses()).isEqualTo(1);
    assertThat(cache.stats().writes()).isEqualTo(1);
  }

  @Test
  void compareAndSetRejectsAVersionFromAnotherNamespace() {
    Versioned<String> read = cache.namespace("other").getVersioned("k", String.class);
    assertThatThrownBy(() -> cache.compareAndSet(read, "v"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void countersAndCompareAndSetRejectNonPositiveTtls() {
    assertThatThrownBy(() -> cache.incr("c", 1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TTL");
    Versioned<String> read = cache.getVersioned("k", Codec.utf8());
    assertThatThrownBy(() -> cache.compareAndSet(read, "v", Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TTL");
  }

  @Test
  void nullAndEmptyKeysAreRejectedClearly() {
    assertThatThrownBy(() -> cache.get(null, String.class)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("key");
    assertThatThrownBy(() -> cache.set("", "v")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> cache.getMany(List.of("a", ""), String.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cache.namespace("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> cache.set("k", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> cache.set("\ud800", "v")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("surrogate");
  }

  @Test
  void aCompressingCodecRoundTrips() {
    Codec<String> codec = Codec.compressed(Codec.utf8(), 16);
    String text = "abc".repeat(1000);
    cache.set("k", text, codec, Cache.FOREVER);
    assertThat(cache.get("k", codec)).isEqualTo(text);
    assertThat(cache.get("k", String.class)).as("a plain reader sees compressed bytes").isNotEqualTo(text);
  }

  @Test
  void aCodecThatThrowsOnDecodeIsAMissNotAnException() {
    Codec<String> broken = new Codec<>() {
      @Override
      public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) {
        throw new IllegalStateException("boom");
      }
    };
    cache.set("k", "v");
    assertThat(cache.get("k", broken)).isNull();
    assertThat(cache.stats().decodeErrors()).isEqualTo(1);
  }
}
