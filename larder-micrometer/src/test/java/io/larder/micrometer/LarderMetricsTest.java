package io.larder.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.CacheConnectionException;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.Stores;
import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class LarderMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double counter(String name, String... tags) {
    FunctionCounter c = registry.get(name).tags(tags).functionCounter();
    return c.count();
  }

  private long timerCount(String operation, String outcome) {
    Timer t = registry.get("larder.store.operations")
        .tags("operation", operation, "outcome", outcome, "store", "mem").timer();
    return t.count();
  }

  @Test
  void countersFollowRealOperations() {
    try (Store store = Stores.memory();
        Cache cache = Larder.builder().store(LarderMetrics.timed(store, registry, "mem")).build()) {
      LarderMetrics.bind(cache, registry, "app", "mem");

      cache.set("a", "1");
      cache.set("b", "2");
      assertThat(cache.get("a", String.class)).isEqualTo("1");
      assertThat(cache.get("missing", String.class)).isNull();
      cache.getMany(List.of("a", "b", "c"), String.class);          // 2 hits, 1 miss, 1 trip
      try (var scope = cache.preload("a", "nope")) {
        cache.get("a", String.class);                               // preload hit (and a hit)
        cache.get("nope", String.class);                            // preload hit (and a miss)
      }
      cache.set("bad", new byte[] {(byte) 0xC3});                   // not UTF-8
      assertThat(cache.get("bad", String.class)).isNull();          // decode error, a miss
      assertThat(cache.delete("a")).isTrue();
      cache.incr("hits");

      String[] tags = {"cache", "app", "store", "mem"};
      assertThat(counter("cache.gets", "cache", "app", "store", "mem", "result", "hit")).isEqualTo(4);
      assertThat(counter("cache.gets", "cache", "app", "store", "mem", "result", "miss")).isEqualTo(4);
      assertThat(counter("cache.puts", tags)).isEqualTo(4);
      assertThat(counter("larder.cache.preload.hits", tags)).isEqualTo(2);
      assertThat(counter("larder.cache.deletes", tags)).isEqualTo(1);
      assertThat(counter("larder.cache.decode.errors", tags)).isEqualTo(1);
      assertThat(counter("larder.cache.store.errors", tags)).isZero();
      assertThat(counter("larder.cache.round.trips", tags))
          .isEqualTo(cache.stats().roundTrips()).isEqualTo(10);

      assertThat(timerCount("set", "success")).isEqualTo(3);
      assertThat(timerCount("get", "success")).isEqualTo(3);
      assertThat(timerCount("getMany", "success")).isEqualTo(2);   // the bulk read and the scope
      assertThat(timerCount("delete", "success")).isEqualTo(1);
      assertThat(timerCount("incr", "success")).isEqualTo(1);
      assertThat(timerCount("add", "success")).isZero();
      assertThat(registry.get("larder.store.operations").timers()).hasSize(26);
    }
  }

  @Test
  void failedStoreCallsAreTimedAsErrorsAndCounted() {
    AtomicBoolean down = new AtomicBoolean();
    Store flaky = new ForwardingStore(Stores.memory()) {
      @Override
      public byte[] get(String key) {
        if (down.get()) {
          throw new CacheConnectionException("server gone");
        }
        return super.get(key);
      }
    };
    try (Store timed = LarderMetrics.timed(flaky, registry, "mem", Tags.of("region", "eu"));
        Cache cache = Larder.builder().store(timed).build()) {
      LarderMetrics.bind(cache, registry, "app", "mem", Tags.of("region", "eu"));
      cache.set("k", "v");
      down.set(true);
      assertThat(cache.get("k", String.class)).isNull();            // fail-open: a miss
      assertThat(counter("larder.cache.store.errors", "cache", "app", "region", "eu")).isEqualTo(1);
      assertThat(registry.get("larder.store.operations")
          .tags("operation", "get", "outcome", "error", "region", "eu").timer().count()).isEqualTo(1);
    }
  }

  @Test
  void nearTierCountersFollowTheNearTier() {
    try (Cache cache = Larder.open("mem:?near=1m&nearTtl=1m")) {
      LarderMetrics.bind(cache, registry, "near", "mem");
      cache.set("a", "1");
      cache.get("a", String.class);                                 // fills the near tier
      cache.get("a", String.class);                                 // a near hit
      cache.get("a", String.class);                                 // another
      String[] tags = {"cache", "near", "store", "mem"};
      assertThat(counter("larder.cache.near.hits", tags)).isEqualTo(2);
      assertThat(counter("larder.cache.near.evictions", tags)).isZero();
      assertThat(counter("larder.cache.near.invalidations", tags)).isZero();
      assertThat(counter("larder.cache.near.behind", tags)).isZero();
    }
    try (Cache plain = Larder.open("mem:")) {
      LarderMetrics.bind(plain, registry, "plain", "mem");
      assertThat(registry.find("larder.cache.near.hits").tags("cache", "plain").meters())
          .isEmpty();
    }
  }

  @Test
  void namespacesAreBoundUnderTheirOwnNames() {
    try (Cache cache = Larder.open("mem:")) {
      Cache books = cache.namespace("books");
      LarderMetrics.bind(books, registry, "books", "mem");
      LarderMetrics.bind(cache, registry, "all", "mem");
      books.set("1", "Dune", Codec.utf8(), Duration.ofMinutes(1));
      cache.namespace("authors").get("1", String.class);
      books.get("1", String.class);
      assertThat(counter("cache.gets", "cache", "books", "result", "hit")).isEqualTo(1);
      assertThat(counter("cache.gets", "cache", "books", "result", "miss")).isZero();
      assertThat(counter("cache.gets", "cache", "all", "result", "miss")).isEqualTo(1);
      assertThat(counter("cache.puts", "cache", "all")).isEqualTo(1);
      assertThat(registry.find("larder.cache.round.trips").functionCounters()).hasSize(2);
      assertThat(Map.of("books", counter("larder.cache.round.trips", "cache", "books")))
          .containsEntry("books", 2.0);
    }
  }
}
