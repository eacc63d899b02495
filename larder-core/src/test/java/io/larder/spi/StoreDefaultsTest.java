package io.larder.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheCodecException;
import io.larder.CacheException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The {@link Store} defaults on a store that implements only the kernel: what a new store
 * gets for free must already be correct, atomic and keep the contract's TTL rules.
 */
class StoreDefaultsTest {

  /** Only the kernel, over a map, with a clock the test moves and versions per write. */
  static final class KernelOnlyStore implements Store {
    private record Item(byte[] bytes, long version, long deadline) {}

    final AtomicLong now = new AtomicLong(1_000);
    final AtomicInteger compareAndSets = new AtomicInteger();
    private final AtomicLong versions = new AtomicLong();
    private final Map<String, Item> items = new ConcurrentHashMap<>();
    private final boolean reportsTtl;

    KernelOnlyStore(boolean reportsTtl) {
      this.reportsTtl = reportsTtl;
    }

    private Item live(String key) {
      Item i = items.get(key);
      return i != null && (i.deadline == 0 || i.deadline > now.get()) ? i : null;
    }

    private Item item(byte[] value, long ttlMillis) {
      return new Item(value, versions.incrementAndGet(),
          ttlMillis == NO_EXPIRY ? 0 : now.get() + ttlMillis);
    }

    /** The expiry of a key, for assertions: the epoch ms, or 0 for never. */
    long deadline(String key) {
      return items.get(key).deadline;
    }

    @Override
    public byte[] get(String key) {
      Item i = live(key);
      return i == null ? null : i.bytes;
    }

    @Override
    public Map<String, byte[]> getMany(Collection<String> keys) {
      Map<String, byte[]> found = new HashMap<>();
      keys.forEach(k -> {
        byte[] b = get(k);
        if (b != null) {
          found.put(k, b);
        }
      });
      return found;
    }

    @Override
    public void set(String key, byte[] value, long ttlMillis) {
      items.put(key, item(value, ttlMillis));
    }

    @Override
    public void setMany(Map<String, byte[]> entries, long ttlMillis) {
      entries.forEach((k, v) -> set(k, v, ttlMillis));
    }

    @Override
    public boolean delete(String key) {
      return live(key) != null & items.remove(key) != null;
    }

    @Override
    public int deleteMany(Collection<String> keys) {
      int n = 0;
      for (String k : keys) {
        n += delete(k) ? 1 : 0;
      }
      return n;
    }

    @Override
    public StoredValue getVersioned(String key) {
      Item i = live(key);
      if (i == null) {
        return null;
      }
      long ttl = !reportsTtl ? StoredValue.UNKNOWN_TTL
          : i.deadline == 0 ? NO_EXPIRY : i.deadline - now.get();
      return new StoredValue(i.bytes, i.version, ttl);
    }

    @Override
    public synchronized boolean compareAndSet(String key, StoredValue expected, byte[] value,
        long ttlMillis) {
      compareAndSets.incrementAndGet();
      Item i = live(key);
      boolean matches = i == null ? expected == null
          : expected != null && expected.version() == i.version;
      if (matches) {
        items.put(key, item(value, ttlMillis));
      }
      return matches;
    }

    @Override
    public void clear(String prefix) {
      items.keySet().removeIf(k -> k.startsWith(prefix));
    }

    @Override
    public void close() {}
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void addStoresOnlyWhereNoLiveValueIs() {
    KernelOnlyStore store = new KernelOnlyStore(true);
    assertThat(store.add("k", utf8("first"), 100)).isTrue();
    assertThat(store.add("k", utf8("second"), 100)).isFalse();
    assertThat(store.get("k")).isEqualTo(utf8("first"));
    store.now.addAndGet(100);
    assertThat(store.add("k", utf8("third"), 100)).isTrue();
    assertThat(store.get("k")).isEqualTo(utf8("third"));
  }

  @Test
  void existsIsTrueOnlyForALiveValue() {
    KernelOnlyStore store = new KernelOnlyStore(true);
    assertThat(store.exists("k")).isFalse();
    store.set("k", utf8("v"), 10);
    assertThat(store.exists("k")).isTrue();
    store.now.addAndGet(10);
    assertThat(store.exists("k")).isFalse();
  }

  @Test
  void touchKeepsTheValueAndGivesANewTtlFromNow() {
    KernelOnlyStore store = new KernelOnlyStore(true);
    assertThat(store.touch("k", 50)).isFalse();
    store.set("k", utf8("v"), 10);
    store.now.addAndGet(5);
    assertThat(store.touch("k", 50)).isTrue();
    assertThat(store.deadline("k")).isEqualTo(store.now.get() + 50);
    assertThat(store.get("k")).isEqualTo(utf8("v"));
    assertThat(store.touch("k", Store.NO_EXPIRY)).isTrue();
    assertThat(store.deadline("k")).isZero();
  }

  @Test
  void incrCreatesAMissingCounterWithTheTtlAndKeepsAnExistingCountersExpiry() {
    KernelOnlyStore store = new KernelOnlyStore(true);
    assertThat(store.incr("hits", 5, 1_000)).isEqualTo(5);
    long deadline = store.deadline("hits");
    assertThat(deadline).isEqualTo(store.now.get() + 1_000);
    store.now.addAndGet(400);
    assertThat(store.incr("hits", -7, 60_000)).isEqualTo(-2);
    assertThat(store.deadline("hits")).isEqualTo(deadline);
    assertThat(store.get("hits")).isEqualTo(utf8("-2"));
  }

  @Test
  void incrGivesTheTtlAgainWhenTheStoreDoesNotReportWhatIsLeft() {
    KernelOnlyStore store = new KernelOnlyStore(false);
    store.incr("hits", 1, 1_000);
    store.now.addAndGet(400);
    store.incr("hits", 1, 1_000);
    assertThat(store.deadline("hits")).isEqualTo(store.now.get() + 1_000);
  }

  @Test
  void incrRefusesTextAndOverflowWithoutChangingTheValue() {
    KernelOnlyStore store = new KernelOnlyStore(true);
    store.set("text", utf8("twelve"), Store.NO_EXPIRY);
    assertThatThrownBy(() -> store.incr("text", 1, 0)).isInstanceOf(CacheCodecException.class);
    store.set("max", utf8(Long.toString(Long.MAX_VALUE)), Store.NO_EXPIRY);
    assertThatThrownBy(() -> store.incr("max", 1, 0)).isInstanceOf(CacheCodecException.class);
    assertThat(store.get("text")).isEqualTo(utf8("twelve"));
    assertThat(store.get("max")).isEqualTo(utf8(Long.toString(Long.MAX_VALUE)));
  }

  @Test
  void incrLosesNoIncrementUnderContention() throws Exception {
    KernelOnlyStore store = new KernelOnlyStore(true);
    int threads = 8;
    int perThread = 500;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          store.incr("n", 1, Store.NO_EXPIRY);
        }
      });
      thread.start();
      all.add(thread);
    }
    start.countDown();
    for (Thread thread : all) {
      thread.join();
    }
    assertThat(store.get("n")).isEqualTo(utf8(Integer.toString(threads * perThread)));
    // the defaults went through compare-and-set, retrying where two increments raced
    assertThat(store.compareAndSets.get()).isGreaterThanOrEqualTo(threads * perThread);
  }

  @Test
  void aLoopThatAlwaysConflictsGivesUpWithTheOperationInTheMessage() {
    AtomicInteger attempts = new AtomicInteger();
    assertThatThrownBy(() -> CasLoop.run("incr of key 'k'", () -> {
      attempts.incrementAndGet();
      return null;
    }, 6)).isInstanceOf(CacheException.class)
        .hasMessage("incr of key 'k' gave up after 6 conflicting writes");
    assertThat(attempts).hasValue(6);
  }

  @Test
  void anInterruptedLoopStopsAndKeepsTheFlag() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> CasLoop.run("update", () -> "never")).isInstanceOf(
          CacheException.class).hasMessageContaining("interrupted");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void backoffParksBetweenHalfAndAllOfADoublingCeilingOfAbout2Ms() {
    for (int attempt = 0; attempt < 20; attempt++) {
      long ceiling = 1_000L << Math.min(attempt, 11);
      assertThat(CasLoop.parkNanos(attempt, 0.0)).isEqualTo(ceiling / 2);
      assertThat(CasLoop.parkNanos(attempt, 0.999_999)).isBetween(ceiling / 2, ceiling);
    }
    assertThat(CasLoop.parkNanos(30, 0.999_999)).isLessThanOrEqualTo(2_048_000);
  }

  @Test
  void traitsAreDefaultUnlessAStoreSaysOtherwise() {
    assertThat(new KernelOnlyStore(true).traits()).isEqualTo(StoreTraits.DEFAULT);
    StoreTraits t = StoreTraits.DEFAULT.withKeyRules(new KeyRules(250, true))
        .withTtlResolution(java.time.Duration.ofSeconds(1)).withReadsReturnCopies(true)
        .withServerCounters(true).withNativeAdd(true).withMaxValueBytes(1 << 20);
    assertThat(t).isEqualTo(new StoreTraits(new KeyRules(250, true),
        java.time.Duration.ofSeconds(1), true, true, true, 1 << 20));
    assertThatThrownBy(() -> StoreTraits.DEFAULT.withMaxValueBytes(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxValueBytes");
    assertThatThrownBy(() -> StoreTraits.DEFAULT.withTtlResolution(java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttlResolution");
  }
}
