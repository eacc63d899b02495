package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.Stores;
import io.larder.Versioned;
import io.larder.internal.MemoryStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the {@code byte[]} write of an unprefixed {@code mem:} cache (its fast path,
 * {@code Writes.setOwn}: the key checked once, the copy held bare, no envelope made for bytes
 * that need none) must keep: the caller's array is never held, bytes that need an envelope or
 * compression still get it, a compare-and-set, a TTL and the bound in bytes work after such
 * writes, and a key the store would refuse is never held.
 */
class MemoryByteWritesTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private Cache cache;
  private MemoryStore openedStore;

  private Cache open(MemoryStore store, int compressAbove) {
    Larder.Builder builder = Larder.builder().store(store).clock(clock);
    if (compressAbove > 0) {
      builder.compressAbove(compressAbove);
    }
    cache = builder.build();
    return cache;
  }

  private MemoryStore store(long maxBytes) {
    openedStore = (MemoryStore) Stores.memoryBuilder().maxBytes(maxBytes).clock(clock).build();
    return openedStore;
  }

  @AfterEach
  void close() {
    if (cache != null) {
      cache.close();
    }
    if (openedStore != null) {
      openedStore.close(); // the cache only borrows it
    }
  }

  @Test
  void aCallersChangeToTheArrayItWroteNeverReachesAReader() {
    MemoryStore store = store(1 << 20);
    Cache c = open(store, 0);
    byte[] written = {1, 2, 3};
    c.set("k", written);
    written[0] = 9;
    assertThat(c.get("k", byte[].class)).containsExactly(1, 2, 3);
    assertThat(store.getHeld("k")).isNotSameAs(written);
    byte[] read = c.get("k", byte[].class);
    read[1] = 9;
    assertThat(c.get("k", byte[].class)).containsExactly(1, 2, 3);
  }

  /**
   * Bytes starting with the envelope's mark 0xFF are sealed with compression off (the default)
   * as with it on: held bare, they would read back as a corrupt envelope, a miss.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 64})
  void bytesThatLookLikeAnEnvelopeAreStillSealed(int compressAbove) {
    MemoryStore store = store(1 << 20);
    Cache c = open(store, compressAbove);
    byte[] marked = {(byte) 0xFF, 1, 2};
    c.set("marked", marked);
    assertThat(c.get("marked", byte[].class)).containsExactly(0xFF, 1, 2);
    assertThat(store.get("marked")).isNotEqualTo(marked); // an envelope around them
  }

  @Test
  void bytesOverTheCompressionThresholdAreStillDeflated() {
    MemoryStore store = store(1 << 20);
    Cache c = open(store, 64);
    byte[] big = new byte[4096];
    Arrays.fill(big, (byte) 'x');
    c.set("big", big);
    assertThat(c.get("big", byte[].class)).isEqualTo(big);
    assertThat(store.get("big").length).isLessThan(big.length); // deflated
  }

  @Test
  void aCompareAndSetAfterAPlainWriteSeesTheWriteAndLosesToALaterOne() {
    Cache c = open(store(1 << 20), 0);
    c.set("k", new byte[] {1});
    Versioned<byte[]> read = c.getVersioned("k", byte[].class);
    assertThat(read.value()).containsExactly(1);
    assertThat(c.compareAndSet(read, new byte[] {2}, Duration.ofMinutes(1))).isTrue();
    assertThat(c.get("k", byte[].class)).containsExactly(2);

    Versioned<byte[]> again = c.getVersioned("k", byte[].class);
    c.set("k", new byte[] {3});
    assertThat(c.compareAndSet(again, new byte[] {4}, Duration.ofMinutes(1))).isFalse();
    assertThat(c.get("k", byte[].class)).containsExactly(3);
  }

  @Test
  void aWriteWithATtlExpires() {
    Cache c = open(store(1 << 20), 0);
    c.set("k", new byte[] {1}, Duration.ofSeconds(10));
    c.set("forever", new byte[] {2});
    now.addAndGet(9_000);
    assertThat(c.get("k", byte[].class)).containsExactly(1);
    now.addAndGet(2_000);
    assertThat(c.get("k", byte[].class)).isNull();
    assertThat(c.get("forever", byte[].class)).containsExactly(2);
  }

  @Test
  void theBoundInBytesHoldsUnderManyWrites() {
    long maxBytes = 64 << 10;
    MemoryStore store = store(maxBytes);
    Cache c = open(store, 0);
    for (int i = 0; i < 5_000; i++) {
      c.set("key" + i, new byte[100]);
    }
    // a store on a test clock evicts on the writer's thread: the bound holds when set returns
    assertThat(c.storeSize().bytes()).isLessThanOrEqualTo(maxBytes).isPositive();
    assertThat(store.size()).isLessThan(5_000);
  }

  @Test
  void aKeyTheStoreWouldRefuseIsNeverHeld() {
    MemoryStore store = store(1 << 20);
    Cache c = open(store, 0);
    assertThatThrownBy(() -> c.set("bad\uD800", new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> c.set("", new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store.size()).isZero();
  }
}
