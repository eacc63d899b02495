package io.larder.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheCodecException;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.Stores;
import io.larder.jackson.JsonCodec;
import io.larder.spi.Store;
import io.larder.testkit.CallerThreads;
import io.larder.testkit.ManualClock;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.cache.Cache.ValueRetrievalException;
import org.springframework.cache.Cache.ValueWrapper;
import org.springframework.cache.interceptor.SimpleKey;

class LarderCacheTest {
  record Book(String isbn, String title) {}

  record Shelf(String name) implements Serializable {}

  private final ManualClock clock = new ManualClock();
  private final io.larder.Cache larder = Larder.builder().url("mem:").clock(clock).build();
  private final LarderCacheManager manager = LarderCacheManager.builder(larder)
      .cache("books", LarderCacheConfig.defaults().ttl(Duration.ofMinutes(10))
          .codec(JsonCodec.of(Book.class)))
      .cache("strict", LarderCacheConfig.defaults().cacheNulls(false))
      .cache("shelves", LarderCacheConfig.defaults().serialized(Shelf.class).namespace("shelves-v2"))
      .build();
  private final LarderCache books = manager.getCache("books");

  @AfterEach
  void close() {
    manager.close();
    larder.close();
  }

  @Test
  void putAndGetThroughTheCodec() {
    Book dune = new Book("978-0441013593", "Dune");
    books.put(dune.isbn(), dune);
    assertThat(books.get(dune.isbn()).get()).isEqualTo(dune);
    assertThat(books.get(dune.isbn(), Book.class)).isEqualTo(dune);
    assertThat(books.get("missing")).isNull();
    // other code reads the same entry with Larder's API
    assertThat(larder.namespace("books").get(dune.isbn(), JsonCodec.of(Book.class))).isEqualTo(dune);
    assertThatThrownBy(() -> books.get(dune.isbn(), String.class))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void entriesExpireAfterTheCacheTtl() {
    books.put("1", new Book("1", "A"));
    clock.advance(Duration.ofMinutes(9));
    assertThat(books.get("1")).isNotNull();
    clock.advance(Duration.ofMinutes(2));
    assertThat(books.get("1")).isNull();
  }

  @Test
  void cachedNullsAreToldApartFromMisses() {
    LarderCache cache = manager.getCache("dynamic");
    cache.put("k", null);
    ValueWrapper hit = cache.get("k");
    assertThat(hit).isNotNull();
    assertThat(hit.get()).isNull();
    assertThat(cache.get("other")).isNull();
    AtomicInteger loads = new AtomicInteger();
    assertThat(cache.<String>get("n", () -> {
      loads.incrementAndGet();
      return null;
    })).isNull();
    assertThat(cache.<String>get("n", () -> {
      loads.incrementAndGet();
      return "x";
    })).isNull();
    assertThat(loads).hasValue(1);
  }

  @Test
  void aCacheWithoutNullsRefusesThemAndDoesNotCacheNullResults() {
    LarderCache strict = manager.getCache("strict");
    assertThatThrownBy(() -> strict.put("k", null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("strict");
    AtomicInteger loads = new AtomicInteger();
    for (int i = 0; i < 2; i++) {
      assertThat(strict.<String>get("n", () -> {
        loads.incrementAndGet();
        return null;
      })).isNull();
    }
    assertThat(loads).hasValue(2);
    // a cached null written by a cache that allowed them reads as a miss here
    manager.getCache("dynamic").put("k", null);
    larder.namespace("strict").set("k", new byte[] {ValueCodec.MARK});
    assertThat(strict.get("k")).isNull();
  }

  @Test
  void getWithALoaderComputesOnceAndWrapsFailures() {
    AtomicInteger loads = new AtomicInteger();
    assertThat(books.get("1", () -> new Book("1", "computed " + loads.incrementAndGet())).title())
        .isEqualTo("computed 1");
    assertThat(books.get("1", () -> new Book("1", "computed " + loads.incrementAndGet())).title())
        .isEqualTo("computed 1");
    IOException boom = new IOException("database down");
    assertThatThrownBy(() -> books.get("2", () -> {
      throw boom;
    })).isInstanceOf(ValueRetrievalException.class).hasCause(boom);
    assertThat(books.get("2")).isNull();
  }

  @Test
  void putIfAbsentIsAtomicAndReturnsTheValueAlreadyThere() throws Exception {
    assertThat(books.putIfAbsent("1", new Book("1", "first"))).isNull();
    assertThat(books.putIfAbsent("1", new Book("1", "second")).get()).isEqualTo(new Book("1", "first"));
    assertThat(books.get("1", Book.class).title()).isEqualTo("first");

    LarderCache racy = manager.getCache("race");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<ValueWrapper>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        String mine = "v" + i;
        results.add(pool.submit(() -> {
          go.await();
          return racy.putIfAbsent("k", mine);
        }));
      }
      go.countDown();
      int winners = 0;
      for (Future<ValueWrapper> f : results) {
        ValueWrapper existing = f.get(10, TimeUnit.SECONDS);
        if (existing == null) {
          winners++;
        } else {
          assertThat(existing.get()).isEqualTo(racy.get("k").get());
        }
      }
      assertThat(winners).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    LarderCache dynamic = manager.getCache("dynamic");
    assertThat(dynamic.putIfAbsent("n", null)).isNull();
    ValueWrapper existingNull = dynamic.putIfAbsent("n", "x");
    assertThat(existingNull).isNotNull();
    assertThat(existingNull.get()).isNull();
  }

  @Test
  void evictAndClearTouchOnlyThisCache() {
    books.put("1", new Book("1", "A"));
    books.put("2", new Book("2", "B"));
    manager.getCache("authors").put("1", "Herbert");
    larder.set("1", "root key");
    assertThat(books.evictIfPresent("1")).isTrue();
    assertThat(books.evictIfPresent("1")).isFalse();
    books.evict("missing");
    books.clear();
    assertThat(books.get("2")).isNull();
    assertThat(manager.getCache("authors").get("1").get()).isEqualTo("Herbert");
    assertThat(larder.get("1", String.class)).isEqualTo("root key");
    books.put("3", new Book("3", "C"));
    assertThat(books.invalidate()).isFalse();
    assertThat(books.get("3")).isNull();
  }

  @Test
  void defaultCodecStoresTextAsTextAndRefusesClassesNotAllowListed() {
    LarderCache cache = manager.getCache("dynamic");
    cache.put("greeting", "hello");
    cache.put(new SimpleKey("a", 1), 42L);
    assertThat(larder.namespace("dynamic").get("greeting", String.class)).isEqualTo("hello");
    assertThat(cache.get(new SimpleKey("a", 1)).get()).isEqualTo(42L);
    assertThat(cache.get(new SimpleKey("a", 2))).isNull();
    assertThatThrownBy(() -> cache.put("book", new Shelf("top")))
        .isInstanceOf(CacheCodecException.class)
        .hasMessageContaining("not allow-listed")
        .hasMessageContaining("larder.caches.dynamic.type=" + Shelf.class.getName());

    LarderCache shelves = manager.getCache("shelves");
    shelves.put("top", new Shelf("top"));
    assertThat(shelves.get("top", Shelf.class)).isEqualTo(new Shelf("top"));
    assertThat(larder.namespace("shelves-v2").exists("top")).isTrue();
  }

  @Test
  void payloadsThatLookLikeTheNullMarkerAreEscaped() {
    LarderCache bytes = LarderCacheManager.builder(larder)
        .defaults(LarderCacheConfig.defaults().codec(Codec.bytes())).build().getCache("bytes");
    byte[] tricky = {ValueCodec.MARK};
    bytes.put("k", tricky);
    assertThat((byte[]) bytes.get("k").get()).containsExactly(ValueCodec.MARK);
    larder.namespace("bytes").set("foreign", new byte[] {ValueCodec.MARK, 1, 2});
    assertThat(bytes.get("foreign")).isNull();
  }

  @Test
  void keysNobodyCanEncodeAreRefusedNamingTheCache() {
    assertThatThrownBy(() -> books.get(new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cache 'books': cannot derive a cache key from a java.lang.Object");
  }

  @Test
  void retrieveReadsAndLoadsOffTheCallingThread() throws Exception {
    assertThat(books.retrieve("1").get(10, TimeUnit.SECONDS)).isNull();
    AtomicInteger loads = new AtomicInteger();
    CompletableFuture<Book> slow = new CompletableFuture<>();
    CountDownLatch firstLoading = new CountDownLatch(1);
    CompletableFuture<Book> first = books.retrieve("1", () -> {
      loads.incrementAndGet();
      firstLoading.countDown();
      return slow;
    });
    // both calls run off this thread: let the first one hold the key's load before the second
    // arrives, or the second may load first and the first read its value
    assertThat(firstLoading.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Book> second = books.retrieve("1", () -> {
      loads.incrementAndGet();
      return CompletableFuture.completedFuture(new Book("1", "other"));
    });
    slow.complete(new Book("1", "loaded"));
    assertThat(first.get(10, TimeUnit.SECONDS).title()).isEqualTo("loaded");
    Book secondBook = second.get(10, TimeUnit.SECONDS);
    assertThat(books.get("1", Book.class).title()).isEqualTo("loaded");
    // the second call either shared the load or, arriving after it, read its value
    assertThat(loads.get() == 1 ? secondBook.title() : "loaded").isEqualTo("loaded");
    // books caches nulls, so a hit comes wrapped, as Spring's contract asks
    assertThat(((ValueWrapper) books.retrieve("1").get(10, TimeUnit.SECONDS)).get())
        .isEqualTo(new Book("1", "loaded"));
    assertThat(manager.getCache("strict").retrieve("1").get(10, TimeUnit.SECONDS)).isNull();
    manager.getCache("strict").put("1", "plain");
    assertThat(manager.getCache("strict").retrieve("1").get(10, TimeUnit.SECONDS)).isEqualTo("plain");

    LarderCache dynamic = manager.getCache("dynamic");
    dynamic.put("n", null);
    Object wrapped = dynamic.retrieve("n").get(10, TimeUnit.SECONDS);
    assertThat(wrapped).isInstanceOf(ValueWrapper.class);
    assertThat(((ValueWrapper) wrapped).get()).isNull();

    CompletableFuture<String> failing = dynamic.retrieve("f",
        () -> CompletableFuture.failedFuture(new IllegalStateException("no")));
    assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("no");
    assertThat(dynamic.get("f")).isNull();
  }

  @Test
  void aManagerThatIsNotDynamicKnowsOnlyItsCaches() {
    LarderCacheManager fixed = LarderCacheManager.builder(larder)
        .cache("books", LarderCacheConfig.defaults()).dynamic(false).build();
    assertThat(fixed.getCache("books")).isNotNull();
    assertThat(fixed.getCache("other")).isNull();
    assertThat(fixed.getCacheNames()).containsExactly("books");
    assertThat(manager.getCacheNames()).contains("books", "strict", "shelves");
    assertThatThrownBy(() -> LarderCacheManager.builder(larder).cache("a", LarderCacheConfig.defaults())
        .cache("a", LarderCacheConfig.defaults())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void listenersHearOfEveryCacheAndCannotBreakOne() {
    List<String> seen = new ArrayList<>();
    LarderCacheManager m = LarderCacheManager.builder(larder)
        .cache("configured", LarderCacheConfig.defaults())
        .onCacheCreated(c -> seen.add(c.getName()))
        .onCacheCreated(c -> {
          throw new IllegalStateException("a broken listener");
        })
        .build();
    assertThat(seen).containsExactly("configured");
    m.getCache("later").put("k", "v");
    m.getCache("later");
    assertThat(seen).containsExactly("configured", "later");
  }

  @Test
  void aLeaseMakesOneComputationAcrossServers() throws Exception {
    Store shared = Stores.memory();
    // two Larder caches over one store stand for two servers sharing Redis
    try (io.larder.Cache serverA = Larder.builder().store(shared).build();
        io.larder.Cache serverB = Larder.builder().store(shared).build()) {
      LarderCacheConfig leased = LarderCacheConfig.defaults().lease(Duration.ofSeconds(30));
      List<LarderCache> caches = List.of(
          LarderCacheManager.builder(serverA).cache("reports", leased).build().getCache("reports"),
          LarderCacheManager.builder(serverB).cache("reports", leased).build().getCache("reports"));
      AtomicInteger computations = new AtomicInteger();
      CallerThreads threads = new CallerThreads();
      ExecutorService pool = Executors.newFixedThreadPool(16, threads);
      try {
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          LarderCache cache = caches.get(i % 2);
          results.add(pool.submit(() -> cache.get("today", () -> {
            computations.incrementAndGet();
            // returns once every other caller waits in the lease or the single flight
            threads.awaitOthersBlocked(16, Duration.ofSeconds(30));
            return "report";
          })));
        }
        for (Future<String> f : results) {
          assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("report");
        }
      } finally {
        pool.shutdownNow();
        shared.close();
      }
      assertThat(computations).hasValue(1);
    }
  }
}
