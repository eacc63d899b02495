package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.Freshness;
import io.larder.Larder;
import io.larder.Preload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code mem:?byReference=true}: any object kept as it is, with no codec. */
class ByReferenceTest {
  private final Cache cache = Larder.open("mem:?byReference=true");

  /** A mutable class with no codec and not serializable. */
  static final class Basket {
    final List<String> items = new ArrayList<>();
  }

  @AfterEach
  void close() {
    cache.close();
  }

  @Test
  void anyObjectComesBackAsTheVeryObjectWritten() {
    Basket basket = new Basket();
    cache.set("basket", basket);
    assertThat(cache.get("basket", Basket.class)).isSameAs(basket);
    ArrayList<String> list = new ArrayList<>(List.of("a"));
    cache.set("list", list);
    assertThat(cache.get("list", List.class)).isSameAs(list);
    assertThat(cache.getMany(List.of("basket", "list", "none"), Object.class))
        .containsExactly(Map.entry("basket", basket), Map.entry("list", list));
  }

  /**
   * The read of an unprefixed cache by reference over {@code mem:} takes the memory store's
   * short path (a kept value matched by its reader, no entry made): it must still hand out the
   * very array and count each hit and miss once, as the slow path counted them.
   */
  @Test
  void aPlainReadByReferenceCountsItsHitsAndMissesOnce() {
    byte[] written = {1, 2, 3};
    cache.set("bytes", written);
    cache.set("text", "t");
    for (int i = 0; i < 3; i++) {
      assertThat(cache.get("bytes", byte[].class)).isSameAs(written);
      assertThat(cache.get("text", String.class)).isEqualTo("t");
      assertThat(cache.get("none", byte[].class)).isNull();
    }
    assertThat(cache.stats().hits()).isEqualTo(6);
    assertThat(cache.stats().misses()).isEqualTo(3);
  }

  @Test
  void aReadForAnotherTypeMisses() {
    cache.set("basket", new Basket());
    assertThat(cache.get("basket", ArrayList.class)).isNull();
  }

  @Test
  void addAndGetOrComputeKeepTheObject() {
    Basket first = new Basket();
    assertThat(cache.add("b", first)).isTrue();
    assertThat(cache.add("b", new Basket())).isFalse();
    assertThat(cache.get("b", Basket.class)).isSameAs(first);
    Basket computed = new Basket();
    Freshness f = Freshness.of(Duration.ofMinutes(1));
    assertThat(cache.getOrCompute("c", cache.codecFor(Basket.class), f, () -> computed))
        .isSameAs(computed);
    assertThat(cache.getOrCompute("c", cache.codecFor(Basket.class), f, Basket::new))
        .isSameAs(computed);
  }

  @Test
  void aPreloadScopeStillReadsObjectsKeptByReference() {
    Basket basket = new Basket();
    cache.set("basket", basket);
    try (Preload scope = cache.preload(List.of("basket", "none"))) {
      assertThat(cache.get("basket", Basket.class)).isSameAs(basket);
      assertThat(cache.get("none", Basket.class)).isNull();
    }
  }

  @Test
  void aStoreThatKeepsBytesRefusesByReference() {
    assertThatThrownBy(() -> Larder.open("none:?byReference=true"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("byReference");
  }
}
