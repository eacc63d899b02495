package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.Larder;
import io.larder.Memoized;
import io.larder.Preload;
import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Write gathering in request scopes, on the memory store behind a store that records every
 * call: what reaches the store, when, and what the request and other threads read meanwhile.
 */
class WriteGatheringTest {
  private CallLog log;
  private final MemoryCaches caches = new MemoryCaches(s -> log = new CallLog(s));
  private final Cache cache = caches.cache("app");

  /** Records the name of every store call; fails writes while {@code writesDown}. */
  static final class CallLog extends ForwardingStore {
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    volatile boolean writesDown;

    CallLog(Store delegate) {
      super(delegate);
    }

    List<String> take() {
      synchronized (calls) {
        List<String> taken = List.copyOf(calls);
        calls.clear();
        return taken;
      }
    }

    private void write(String op) {
      calls.add(op);
      if (writesDown) {
        throw new CacheConnectionException("down (test)");
      }
    }

    @Override
    public byte[] get(String key) {
      calls.add("get");
      return delegate().get(key);
    }

    @Override
    public Map<String, byte[]> getMany(Collection<String> keys) {
      calls.add("getMany");
      return delegate().getMany(keys);
    }

    @Override
    public void set(String key, byte[] value, long ttlMillis) {
      write("set");
      delegate().set(key, value, ttlMillis);
    }

    @Override
    public void setMany(Map<String, byte[]> entries, long ttlMillis) {
      write("setMany");
      delegate().setMany(entries, ttlMillis);
    }

    @Override
    public void setEach(Map<String, byte[]> entries, ToLongFunction<String> ttlMillis) {
      write("setEach" + entries.size());
      delegate().setEach(entries, ttlMillis);
    }

    @Override
    public boolean delete(String key) {
      write("delete");
      return delegate().delete(key);
    }

    @Override
    public boolean add(String key, byte[] value, long ttlMillis) {
      write("add");
      return delegate().add(key, value, ttlMillis);
    }

    @Override
    public long incr(String key, long delta, long ttlMillis) {
      write("incr");
      return delegate().incr(key, delta, ttlMillis);
    }

    @Override
    public void clear(String prefix) {
      write("clear");
      delegate().clear(prefix);
    }
  }

  @AfterEach
  void close() {
    caches.close();
  }

  @Test
  void writesInARequestScopeGoOutAsOneBulkWriteWithTheirOwnTtlsWhenItCloses() throws Exception {
    Cache other = cache.namespace("other");
    AtomicInteger computed = new AtomicInteger();
    Memoized<Long, String> square = cache.memoize("square", Long.class, String.class,
        n -> {
          computed.incrementAndGet();
          return Long.toString(n * n);
        }, Duration.ofHours(2));
    try (Preload request = cache.gatherWrites()) {
      cache.set("a", "1", Duration.ofMinutes(1));
      other.set("b", "2", Duration.ofHours(1));
      cache.setMany(Map.of("c", "3", "d", "4"));
      assertThat(square.apply(12L)).isEqualTo("144");
      log.take();
      // the request reads its own writes without a round trip; nobody else sees them yet
      assertThat(cache.get("a", String.class)).isEqualTo("1");
      assertThat(other.get("b", String.class)).isEqualTo("2");
      assertThat(square.apply(12L)).isEqualTo("144");
      assertThat(log.take()).isEmpty();
      assertThat(MemoryCaches.onAnotherThread(() -> cache.get("a", String.class))).isNull();
      log.take();
    }
    assertThat(log.take()).containsExactly("setEach5");
    assertThat(computed).hasValue(1);
    assertThat(cache.stats().writes()).isEqualTo(5);
    assertThat(MemoryCaches.onAnotherThread(() -> List.of(cache.get("a", String.class),
        other.get("b", String.class), cache.get("d", String.class), square.apply(12L))))
        .containsExactly("1", "2", "4", "144");
    assertThat(computed).hasValue(1);
    caches.elapse(Duration.ofMinutes(2));
    assertThat(cache.get("a", String.class)).as("written with its own TTL of 1 minute").isNull();
    assertThat(other.get("b", String.class)).isEqualTo("2");
  }

  @Test
  void aLearnedPageMissCostsOneReadAndOneWrite() {
    // fail-open, the default: a learned scope is a request scope
    Cache cache = Larder.builder().store(log).clock(caches.clock).prefix("learned").build();
    Cache data = cache.namespace("data").tagged("book:1");
    Memoized<Long, String> title = data.memoize("title", Long.class, String.class,
        id -> "Title " + id, Duration.ofMinutes(10));
    Memoized<Long, String> body = cache.memoize("body", Long.class, String.class,
        id -> "Body " + id, Duration.ofDays(1));
    Runnable page = () -> {
      try (Preload scope = cache.learnedPreload("GET /books/1")) {
        title.apply(1L);
        body.apply(1L);
      }
    };
    page.run(); // learns the page's keys
    page.run();
    log.take();
    cache.invalidateTag("book:1");
    log.take();
    long before = cache.stats().roundTrips();
    page.run();
    // one bulk read of the learned keys (and tag generation), one bulk write of the new title
    assertThat(log.take()).containsExactly("getMany", "setEach1");
    assertThat(cache.stats().roundTrips() - before).isEqualTo(2);
  }

  @Test
  void innerScopesDoNotFlushTheOutermostDoes() {
    try (Preload request = cache.gatherWrites()) {
      try (Preload page = cache.learnedPreload("GET /")) {
        cache.set("a", "1");
      }
      try (Preload listed = cache.preload("b")) {
        cache.set("b", "2");
        assertThat(cache.get("b", String.class)).isEqualTo("2");
      }
      log.take();
    }
    // a's write, b's, and the learned list of "GET /" in one call
    assertThat(log.take()).containsExactly("setEach3");
  }

  @Test
  void countersAddDeletesAndClearStayImmediateAndSeeTheRequestsWrites() {
    try (Preload request = cache.gatherWrites()) {
      cache.set("a", "1");
      assertThat(cache.incr("hits")).isEqualTo(1);
      assertThat(log.take()).containsExactly("incr");
      // add must see the held-back value, so the held-back writes go out first
      assertThat(cache.add("a", "2")).isFalse();
      assertThat(log.take()).containsExactly("setEach1", "add");
      cache.set("b", "1");
      assertThat(cache.delete("b")).isFalse();
      cache.set("c", "1");
      cache.namespace("n").set("x", "1");
      cache.namespace("n").clear();
      assertThat(cache.namespace("n").get("x", String.class)).isNull();
      log.take();
    }
    // b was deleted and n cleared after they were written: only c goes out
    assertThat(log.take()).containsExactly("setEach1");
    assertThat(cache.get("a", String.class)).isEqualTo("1");
    assertThat(cache.get("b", String.class)).isNull();
    assertThat(cache.get("c", String.class)).isEqualTo("1");
    assertThat(cache.namespace("n").get("x", String.class)).isNull();
  }

  @Test
  void aFailedFlushCountsAsStoreErrorsAndFailOpenTheKeysMiss() {
    Cache open = Larder.builder().store(log).clock(caches.clock).prefix("open").build();
    open.set("a", "old");
    try (Preload request = open.gatherWrites()) {
      open.set("a", "new");
      log.writesDown = true;
    }
    log.writesDown = false;
    assertThat(open.stats().storeErrors()).isEqualTo(1);
    assertThat(open.stats().writes()).isEqualTo(1); // the first set only
    assertThat(open.get("a", String.class)).as("never the value the write meant to replace")
        .isNull();
  }

  @Test
  void aFailedFlushThrowsFailClosedAfterTheScopeIsTornDown() {
    Preload request = cache.gatherWrites();
    cache.set("a", "1");
    log.writesDown = true;
    assertThatThrownBy(request::close).isInstanceOf(CacheException.class);
    log.writesDown = false;
    assertThat(cache.stats().storeErrors()).isEqualTo(1);
    log.take();
    assertThat(cache.get("a", String.class)).isNull();
    assertThat(log.take()).as("the scope is gone: the read reaches the store").contains("get");
  }

  @Test
  void switchedOffEveryWriteGoesOutAtOnce() {
    Cache plain = caches.open(Larder.builder().prefix("plain").gatherWrites(false));
    try (Preload request = plain.gatherWrites();
         Preload page = plain.learnedPreload("GET /")) {
      log.take();
      plain.set("a", "1");
      assertThat(log.take()).containsExactly("set");
    }
    try (Cache fromUrl = Larder.open("mem:?gatherWrites=false")) {
      try (Preload request = fromUrl.gatherWrites()) {
        fromUrl.set("a", "1");
        assertThat(MemoryCaches.onAnotherThread(() -> fromUrl.get("a", String.class))).isEqualTo("1");
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void aValueComputedUnderALeaseIsStoredBeforeTheLeaseGoes() throws Exception {
    io.larder.Freshness f = io.larder.Freshness.of(Duration.ofMinutes(1))
        .lease(Duration.ofSeconds(5));
    try (Preload request = cache.gatherWrites()) {
      cache.getOrCompute("report", String.class, f, () -> "done");
      assertThat(MemoryCaches.onAnotherThread(() -> cache.get("report", String.class))).isEqualTo("done");
    }
  }
}
