package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.CacheStats;
import io.larder.Larder;
import io.larder.Preload;
import io.larder.Stores;
import io.larder.spi.ForwardingStore;
import io.larder.spi.StoreTraits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A preload scope hands the {@code byte[]} codec's first reader of a key the array the store's
 * bulk read returned, with no copy, over a store whose reads return arrays no one else holds:
 * what that reader does with it reaches no other read, in the scope, in a nested scope or on
 * another thread.
 */
class ScopeHandOverTest {
  private static final byte[] VALUE = {1, 2, 3};

  /** The memory store, behind reads that return a new array each time, as a remote store's. */
  private final CopyingStore store = new CopyingStore();
  private final Cache prefixed = Larder.builder().store(store).prefix("app").build();
  private final CopyingStore plainStore = new CopyingStore();
  private final Cache plain = Larder.builder().store(plainStore).build();

  @AfterEach
  void close() {
    prefixed.close();
    plain.close();
  }

  private Cache cache(String which) {
    return which.equals("prefixed") ? prefixed : plain;
  }

  private CopyingStore store(String which) {
    return which.equals("prefixed") ? store : plainStore;
  }

  @ParameterizedTest
  @ValueSource(strings = {"prefixed", "plain"})
  void aCallerChangingAnArrayReadFromAScopeChangesNoOtherRead(String which) throws Exception {
    Cache cache = cache(which);
    cache.set("k", VALUE);
    try (Preload scope = cache.preload("k")) {
      byte[] first = cache.get("k", byte[].class);
      assertThat(first).containsExactly(VALUE);
      assertThat(store(which).returned).anySatisfy(a -> assertThat(a).isSameAs(first));
      Arrays.fill(first, (byte) 9);

      byte[] second = cache.get("k", byte[].class);
      assertThat(second).containsExactly(VALUE);
      Arrays.fill(second, (byte) 8);
      assertThat(cache.get("k", byte[].class)).containsExactly(VALUE);
      assertThat(cache.getMany(List.of("k"), byte[].class).get("k")).containsExactly(VALUE);
      assertThat(cache.exists("k")).isTrue();

      assertThat(MemoryCaches.onAnotherThread(() -> {
        try (Preload theirs = cache.preload("k")) {
          return cache.get("k", byte[].class);
        }
      })).containsExactly(VALUE);
      assertThat(MemoryCaches.onAnotherThread(() -> cache.get("k", byte[].class)))
          .containsExactly(VALUE);
    }
    assertThat(cache.get("k", byte[].class)).containsExactly(VALUE);
  }

  @Test
  void theFirstReaderGetsTheStoresArrayAndASecondReadGoesToTheStore() {
    prefixed.set("k", VALUE);
    try (Preload scope = prefixed.preload("k")) {
      CacheStats before = prefixed.stats();
      byte[] first = prefixed.get("k", byte[].class);
      assertThat(store.returned).anySatisfy(a -> assertThat(a).isSameAs(first));
      CacheStats afterFirst = prefixed.stats().minus(before);
      assertThat(afterFirst.roundTrips()).isZero();
      assertThat(afterFirst.preloadHits()).isEqualTo(1);
      assertThat(afterFirst.hits()).isEqualTo(1);

      prefixed.get("k", byte[].class);
      CacheStats afterSecond = prefixed.stats().minus(before);
      assertThat(afterSecond.roundTrips()).isEqualTo(1);
      assertThat(afterSecond.preloadHits()).isEqualTo(1);
      assertThat(afterSecond.hits()).isEqualTo(2);
    }
  }

  @Test
  void aStringReadKeepsTheScopesBytesForTheNextRead() {
    prefixed.set("s", "text");
    try (Preload scope = prefixed.preload("s")) {
      CacheStats before = prefixed.stats();
      assertThat(prefixed.get("s", String.class)).isEqualTo("text");
      assertThat(prefixed.get("s", byte[].class)).containsExactly('t', 'e', 'x', 't');
      assertThat(prefixed.get("s", String.class)).isEqualTo("text");
      assertThat(prefixed.stats().minus(before).roundTrips()).isEqualTo(1);
    }
  }

  @Test
  void anInnerScopeNeverHandsOutTheArrayItSharesWithTheOuter() {
    prefixed.set("k", VALUE);
    try (Preload outer = prefixed.preload("k")) {
      try (Preload inner = prefixed.preload("k")) {
        byte[] read = prefixed.get("k", byte[].class);
        Arrays.fill(read, (byte) 9);
        assertThat(prefixed.get("k", byte[].class)).containsExactly(VALUE);
      }
      CacheStats before = prefixed.stats();
      byte[] read = prefixed.get("k", byte[].class);
      assertThat(read).containsExactly(VALUE);
      assertThat(prefixed.stats().minus(before).roundTrips()).isZero();
      Arrays.fill(read, (byte) 7);
      assertThat(prefixed.get("k", byte[].class)).containsExactly(VALUE);
    }
  }

  /**
   * A nested scope listing a key its enclosing listed scope read shares that scope's array; when
   * it closes inside a request scope (a write-gathering scope, or a learned preload, which
   * gathers writes when failing open) it must not leave that array to the request scope, since
   * the listed scope may still hand it out (the reviewer's two probes). The nested scope reads
   * the key by {@code getMany} and as a {@code String}, neither of which takes the array.
   */
  @ParameterizedTest
  @ValueSource(strings = {"gatherWrites", "learnedPreload"})
  void aHandedArrayDoesNotReachTheRequestScopeThroughANestedScopesHandDown(String request) {
    prefixed.set("k", VALUE);
    try (Preload around = request.equals("gatherWrites") ? prefixed.gatherWrites()
        : prefixed.learnedPreload("GET /x")) {
      try (Preload outer = prefixed.preload("k")) {
        try (Preload inner = prefixed.preload("k")) {
          assertThat(prefixed.getMany(List.of("k"), byte[].class).get("k"))
              .containsExactly(VALUE);
          assertThat(prefixed.get("k", String.class)).isNotNull();
        }
        Arrays.fill(handedOver(prefixed.get("k", byte[].class)), (byte) 9);
      }
      assertThat(prefixed.get("k", byte[].class)).containsExactly(VALUE);
      assertThat(prefixed.getMany(List.of("k"), byte[].class).get("k")).containsExactly(VALUE);
    }
  }

  /**
   * A learned scope opened inside a listed scope takes the listed scope's array for a key it
   * learned, and hands it down to the outermost request scope when it closes: the listed scope
   * then hands that array out, and the request scope must not read it.
   */
  @Test
  void aLearnedScopeInsideAListedScopeDoesNotHandItsArrayDown() {
    prefixed.set("k", VALUE);
    try (Preload learning = prefixed.learnedPreload("GET /y")) {
      prefixed.get("k", String.class);
    }
    try (Preload request = prefixed.gatherWrites()) {
      try (Preload outer = prefixed.preload("k")) {
        try (Preload learned = prefixed.learnedPreload("GET /y")) {
          CacheStats before = prefixed.stats();
          assertThat(prefixed.get("k", byte[].class)).containsExactly(VALUE);
          assertThat(prefixed.stats().minus(before).roundTrips()).isZero();
        }
        Arrays.fill(handedOver(prefixed.get("k", byte[].class)), (byte) 9);
      }
      assertThat(prefixed.get("k", byte[].class)).containsExactly(VALUE);
    }
  }

  /** A nested scope that handed out an array of its own leaves the key unknown, not the array. */
  @Test
  void aNestedScopesOwnHandedArrayIsNotHandedDown() {
    prefixed.set("k", VALUE);
    prefixed.set("j", VALUE);
    try (Preload request = prefixed.gatherWrites()) {
      try (Preload outer = prefixed.preload("k")) {
        try (Preload inner = prefixed.preload("k", "j")) {
          Arrays.fill(handedOver(prefixed.get("j", byte[].class)), (byte) 9);
        }
        Arrays.fill(handedOver(prefixed.get("k", byte[].class)), (byte) 9);
        assertThat(prefixed.get("j", byte[].class)).containsExactly(VALUE);
      }
      assertThat(prefixed.get("j", byte[].class)).containsExactly(VALUE);
      assertThat(prefixed.get("k", byte[].class)).containsExactly(VALUE);
    }
  }

  /** Without a request scope, the outer scope hands out the array the closed inner one shared. */
  @Test
  void withoutARequestScopeTheOuterHandsOutWhatTheInnerShared() {
    prefixed.set("k", VALUE);
    try (Preload outer = prefixed.preload("k")) {
      try (Preload inner = prefixed.preload("k")) {
        // reads nothing
      }
      Arrays.fill(handedOver(prefixed.get("k", byte[].class)), (byte) 9);
      assertThat(prefixed.get("k", byte[].class)).containsExactly(VALUE);
    }
  }

  /** Asserts that a scope handed over {@code read}: one of the store's bulk read arrays. */
  private byte[] handedOver(byte[] read) {
    assertThat(store.returned).anySatisfy(a -> assertThat(a).isSameAs(read));
    return read;
  }

  @Test
  void aWriteInsideTheScopeIsReadAsWrittenAndTheWritersArrayIsNotHandedOut() {
    prefixed.set("k", VALUE);
    try (Preload scope = prefixed.preload("k")) {
      Arrays.fill(prefixed.get("k", byte[].class), (byte) 9);
      byte[] written = {4, 5};
      prefixed.set("k", written);
      written[0] = 0;
      CacheStats before = prefixed.stats();
      byte[] read = prefixed.get("k", byte[].class);
      assertThat(read).containsExactly(4, 5);
      assertThat(prefixed.stats().minus(before).roundTrips()).isZero();
      read[0] = 0;
      assertThat(prefixed.get("k", byte[].class)).containsExactly(4, 5);
    }
    assertThat(prefixed.get("k", byte[].class)).containsExactly(4, 5);
  }

  @Test
  void aKnownMissStaysAMissWithNoRoundTrip() {
    try (Preload scope = prefixed.preload("absent")) {
      CacheStats before = prefixed.stats();
      assertThat(prefixed.get("absent", byte[].class)).isNull();
      assertThat(prefixed.get("absent", byte[].class)).isNull();
      CacheStats counted = prefixed.stats().minus(before);
      assertThat(counted.roundTrips()).isZero();
      assertThat(counted.preloadHits()).isEqualTo(2);
      assertThat(counted.misses()).isEqualTo(2);
    }
  }

  /** Returns a new array on every read and remembers the arrays its bulk reads returned. */
  private static final class CopyingStore extends ForwardingStore {
    final List<byte[]> returned = new ArrayList<>();

    CopyingStore() {
      super(Stores.memory());
    }

    @Override
    public byte[] get(String key) {
      byte[] b = super.get(key);
      return b == null ? null : b.clone();
    }

    @Override
    public Map<String, byte[]> getMany(Collection<String> keys) {
      Map<String, byte[]> copies = new HashMap<>();
      super.getMany(keys).forEach((k, v) -> copies.put(k, v.clone()));
      synchronized (returned) {
        returned.addAll(copies.values());
      }
      return copies;
    }

    @Override
    public StoreTraits traits() {
      return super.traits().withReadsReturnCopies(true);
    }
  }
}
