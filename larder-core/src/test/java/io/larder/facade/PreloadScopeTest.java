package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.CacheStats;
import io.larder.Preload;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Preload scopes' bookkeeping on the memory store: nesting, per-thread scopes, teardown and
 * what a scope answers without a round trip. Moved from the store contract, which keeps the
 * checks that depend on a store (one bulk read at the server, writes inside a scope).
 */
class PreloadScopeTest {
  private final MemoryCaches caches = new MemoryCaches();
  private final Cache cache = caches.cache("scopes");

  @AfterEach
  void close() {
    caches.close();
  }

  private long roundTrips(Runnable r) {
    long before = cache.stats().roundTrips();
    r.run();
    return cache.stats().roundTrips() - before;
  }

  @Test
  void clearInsideAScopeEmptiesItForThatNamespace() {
    Cache ns = cache.namespace("ns");
    ns.set("a", "1");
    cache.set("b", "2");
    try (Preload outer = cache.preload("b"); Preload inner = ns.preload("a")) {
      ns.clear();
      assertThat(roundTrips(() -> {
        assertThat(ns.get("a", String.class)).isNull();
        assertThat(cache.get("b", String.class)).isEqualTo("2");
      })).isZero();
    }
  }

  @Test
  void scopesNestAndInnerKeysLeaveWithTheInnerScope() {
    cache.set("outer", "o");
    cache.set("inner", "i");
    try (Preload outer = cache.preload("outer")) {
      try (Preload inner = cache.preload("inner", "outer")) {
        assertThat(roundTrips(() -> {
          assertThat(cache.get("outer", String.class)).isEqualTo("o");
          assertThat(cache.get("inner", String.class)).isEqualTo("i");
        })).isZero();
      }
      assertThat(roundTrips(() -> cache.get("outer", String.class))).isZero();
      assertThat(roundTrips(() -> cache.get("inner", String.class))).isEqualTo(1);
    }
  }

  @Test
  void anInnerScopeLoadsOnlyWhatTheOuterDoesNotKnow() {
    cache.set("a", "1");
    try (Preload outer = cache.preload("a", "b")) {
      assertThat(roundTrips(() -> cache.preload("a", "b").close())).isZero();
      assertThat(roundTrips(() -> cache.preload("a", "c").close())).isEqualTo(1);
    }
  }

  @Test
  void aScopeBelongsToItsThread() throws Exception {
    cache.set("k", "before");
    try (Preload scope = cache.preload("k")) {
      String seen = MemoryCaches.onAnotherThread(() -> {
        long trips = cache.stats().roundTrips();
        cache.set("k", "from another thread");
        String v = cache.get("k", String.class);
        assertThat(cache.stats().roundTrips() - trips).isEqualTo(2);
        return v;
      });
      assertThat(seen).isEqualTo("from another thread");
      assertThat(cache.get("k", String.class)).as("this thread's scope is a snapshot").isEqualTo("before");
    }
    assertThat(cache.get("k", String.class)).isEqualTo("from another thread");
  }

  @Test
  void aScopeIsClosedWhenItsBlockThrows() {
    cache.set("k", "v");
    try (Preload scope = cache.preload("k")) {
      throw new IllegalStateException("page failed");
    } catch (IllegalStateException expected) {
      // the scope must be gone now
    }
    assertThat(roundTrips(() -> cache.get("k", String.class))).isEqualTo(1);
  }

  @Test
  void aScopeClosedByAnotherThreadStopsAnsweringOnItsOwn() throws Exception {
    cache.set("k", "old");
    Preload scope = cache.preload("k");
    MemoryCaches.onAnotherThread(() -> {
      scope.close();
      cache.set("k", "new");
      return null;
    });
    assertThat(roundTrips(() -> assertThat(cache.get("k", String.class)).isEqualTo("new")))
        .isEqualTo(1);
    scope.close();
  }

  @Test
  void getManyInsideAScopeFetchesOnlyTheUnknownKeys() {
    cache.set("a", "1");
    cache.set("b", "2");
    try (Preload scope = cache.preload("a")) {
      CacheStats before = cache.stats();
      assertThat(cache.getMany(List.of("a", "b"), String.class))
          .containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
      CacheStats used = cache.stats().minus(before);
      assertThat(used.roundTrips()).isEqualTo(1);
      assertThat(used.preloadHits()).isEqualTo(1);
    }
  }
}
