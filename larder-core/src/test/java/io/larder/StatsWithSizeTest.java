package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import io.larder.spi.StoreSize;
import org.junit.jupiter.api.Test;

/** {@link Cache#statsWithSize()}: the store's entry and byte counts, for a prefix. */
class StatsWithSizeTest {
  @Test
  void aNamespaceCountsItsOwnEntriesInMemoryAndTheRootCountsAll() {
    try (Cache cache = Larder.builder().store(Stores.memory()).build()) {
      Cache notes = cache.namespace("notes");
      notes.set("a", "1");
      notes.set("b", "22");
      cache.namespace("users").set("c", "333");
      assertThat(cache.stats().entries()).as("stats() asks the store nothing").isEqualTo(-1);

      long trips = cache.stats().roundTrips();
      CacheStats ofNotes = notes.statsWithSize();
      assertThat(cache.stats().roundTrips() - trips).as("one call to the store").isEqualTo(1);
      assertThat(ofNotes.entries()).isEqualTo(2);
      assertThat(ofNotes.bytes()).isPositive();
      assertThat(ofNotes.writes()).isEqualTo(2);

      CacheStats all = cache.statsWithSize();
      assertThat(all.entries()).isEqualTo(3);
      assertThat(all.bytes()).isGreaterThan(ofNotes.bytes());
      assertThat(cache.storeSize().wholeStore()).isFalse();
      notes.clear();
      assertThat(notes.statsWithSize().entries()).isZero();
      assertThat(notes.statsWithSize().bytes()).isZero();
    }
  }

  @Test
  void noneHoldsNothing() {
    try (Cache cache = Larder.open("none:")) {
      cache.set("k", "v");
      assertThat(cache.storeSize()).isEqualTo(StoreSize.ofPrefix(0, 0));
    }
  }

  @Test
  void aStoreThatCannotTellReportsMinusOneAndDecoratorsPassTheSizeThrough() {
    Store plain = new ForwardingStore(Stores.memory()) {
      @Override
      public StoreSize size(String prefix) {
        return StoreSize.UNKNOWN; // as a store without the method
      }
    };
    try (Cache cache = Larder.builder().store(plain).build()) {
      cache.set("k", "v");
      assertThat(cache.statsWithSize().entries()).isEqualTo(-1);
      assertThat(cache.statsWithSize().bytes()).isEqualTo(-1);
    }
    try (Cache cache = Larder.builder().store(Stores.memory())
        .decorateStore(s -> new ForwardingStore(s) {}).build()) {
      cache.set("k", "v");
      assertThat(cache.statsWithSize().entries()).isEqualTo(1);
    }
  }

  @Test
  void aShardedStoreAddsUpItsServers() {
    Store sharded = Stores.sharded().server("a:11211", Stores.memory())
        .server("b:11211", Stores.memory()).build();
    try (Cache cache = Larder.builder().store(sharded).build()) {
      for (int i = 0; i < 20; i++) {
        cache.set("k" + i, "v");
      }
      assertThat(cache.statsWithSize().entries()).isEqualTo(20);
    }
  }

  @Test
  void minusKeepsTheLaterSnapshotsSize() {
    CacheStats earlier = new CacheStats(1, 1, 0, 0, 0, 0, 0, 1, 0);
    CacheStats later = new CacheStats(3, 1, 0, 0, 0, 0, 0, 2, 0, 7, 700);
    assertThat(later.minus(earlier)).isEqualTo(new CacheStats(2, 0, 0, 0, 0, 0, 0, 1, 0, 7, 700));
    assertThat(earlier.entries()).isEqualTo(-1);
  }
}
