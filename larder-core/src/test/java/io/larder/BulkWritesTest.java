package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import io.larder.spi.StoreTraits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The edges of {@code setMany} that its store-key map must keep: a value refused among others,
 * a TTL that has passed, a null value, and open scopes kept true.
 */
class BulkWritesTest {
  /** A memory store of small values that records its bulk calls. */
  private static final class Watched extends ForwardingStore {
    final List<String> calls = new ArrayList<>();

    Watched() {
      super(Stores.memory());
    }

    @Override
    public StoreTraits traits() {
      return super.traits().withMaxValueBytes(100);
    }

    @Override
    public void setMany(Map<String, byte[]> entries, long ttlMillis) {
      calls.add("setMany " + entries.keySet());
      super.setMany(entries, ttlMillis);
    }

    @Override
    public int deleteMany(Collection<String> keys) {
      calls.add("deleteMany " + keys);
      return super.deleteMany(keys);
    }
  }

  private final Watched store = new Watched();
  private final Cache cache = Larder.builder().store(store).prefix("app").build();

  @AfterEach
  void close() {
    cache.close();
  }

  @Test
  void aValueTooLargeIsRefusedAndDeletedWhileTheOthersGoOutInOneCall() {
    cache.set("big", "old");
    Map<String, String> values = new LinkedHashMap<>();
    values.put("a", "A");
    values.put("big", "x".repeat(200));
    values.put("c", "C");

    cache.setMany(values);

    assertThat(store.calls).containsExactly("setMany [~app::a, ~app::c]");
    assertThat(cache.get("big", String.class)).as("never the old value").isNull();
    assertThat(cache.getMany(List.of("a", "c"), String.class))
        .containsExactly(Map.entry("a", "A"), Map.entry("c", "C"));
    assertThat(cache.stats().storeErrors()).isEqualTo(1);
    assertThat(cache.stats().writes()).isEqualTo(3);
  }

  @Test
  void aTtlThatHasPassedDeletesEveryKeyInOneCall() {
    cache.set("a", "A");
    cache.set("b", "B");

    cache.setMany(Map.of("a", "new", "b", "new"), Duration.ofSeconds(-1));

    assertThat(store.calls).hasSize(1).allMatch(c -> c.startsWith("deleteMany"));
    assertThat(cache.getMany(List.of("a", "b"), String.class)).isEmpty();
  }

  @Test
  void aNullValueIsRefusedNamingItsKeyAndNothingIsStored() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("a", "A");
    values.put("b", null);

    assertThatThrownBy(() -> cache.setMany(values))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("value for key b");
    assertThat(store.calls).isEmpty();
    assertThat(cache.get("a", String.class)).isNull();
  }

  @Test
  void aBulkWriteKeepsAnOpenScopeTrue() {
    cache.set("a", "old");
    try (Preload scope = cache.preload("a", "b")) {
      cache.setMany(Map.of("a", "new", "b", "B"));

      long trips = cache.stats().roundTrips();
      assertThat(cache.get("a", String.class)).isEqualTo("new");
      assertThat(cache.get("b", String.class)).isEqualTo("B");
      assertThat(cache.stats().roundTrips()).as("both from the scope").isEqualTo(trips);
    }
  }
}
