package io.larder.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Ticker;
import io.larder.Stores;
import io.larder.spi.AsyncStore;
import io.larder.spi.ForwardingAsyncStore;
import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The near tier over a store that answers asynchronously: hits without the remote store, the
 * same fill-race rule as blocking reads, and asynchrony kept only where the remote store has
 * it.
 */
class AsyncNearStoreTest {

  /**
   * The memory store made asynchronous, whose reads can be held back: a read's future
   * completes when the test releases it.
   */
  private static final class Remote extends ForwardingStore implements AsyncStore {
    final AtomicInteger reads = new AtomicInteger();
    volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

    Remote() {
      super(Stores.memory());
    }

    @Override
    public CompletableFuture<byte[]> getAsync(String key) {
      reads.incrementAndGet();
      byte[] now = get(key); // what the server read when the request arrived
      return gate.thenApply(ignored -> now);
    }

    @Override
    public CompletableFuture<Map<String, byte[]>> getManyAsync(Collection<String> keys) {
      reads.incrementAndGet();
      Map<String, byte[]> now = getMany(keys);
      return gate.thenApply(ignored -> now);
    }

    @Override
    public CompletableFuture<Void> setAsync(String key, byte[] value, long ttlMillis) {
      set(key, value, ttlMillis);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> setManyAsync(Map<String, byte[]> entries, long ttlMillis) {
      setMany(entries, ttlMillis);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Boolean> deleteAsync(String key) {
      return CompletableFuture.completedFuture(delete(key));
    }

    @Override
    public CompletableFuture<Integer> deleteManyAsync(Collection<String> keys) {
      return CompletableFuture.completedFuture(deleteMany(keys));
    }

    @Override
    public CompletableFuture<StoredValue> getVersionedAsync(String key) {
      return CompletableFuture.completedFuture(getVersioned(key));
    }

    @Override
    public CompletableFuture<Boolean> compareAndSetAsync(String key, StoredValue expected,
        byte[] value, long ttlMillis) {
      return CompletableFuture.completedFuture(compareAndSet(key, expected, value, ttlMillis));
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static NearStore near(Store remote) {
    return NearStore.create(remote, true, 1 << 20, null, Ticker.systemTicker());
  }

  @Test
  void aHitIsAnsweredNearAndAMissAsksTheRemoteStoreOnce() {
    Remote remote = new Remote();
    AsyncStore near = (AsyncStore) near(remote);
    remote.set("k", bytes("v"), 0);
    assertThat(text(near.getAsync("k").join())).isEqualTo("v");
    assertThat(text(near.getAsync("k").join())).isEqualTo("v");
    assertThat(near.getManyAsync(List.of("k")).join()).containsOnlyKeys("k");
    assertThat(near.existsAsync("k").join()).isTrue();
    assertThat(remote.reads.get()).as("remote reads").isEqualTo(1);
  }

  @Test
  void aReadThatRacedAWriteDoesNotInstallWhatItSaw() {
    Remote remote = new Remote();
    AsyncStore near = (AsyncStore) near(remote);
    remote.set("k", bytes("old"), 0);
    remote.set("m", bytes("old"), 0);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    remote.gate = gate;
    CompletableFuture<byte[]> read = near.getAsync("k");
    CompletableFuture<Map<String, byte[]>> bulk = near.getManyAsync(List.of("m"));
    // while both reads are on their way, this process writes the keys
    near.setAsync("k", bytes("new"), 0).join();
    near.setManyAsync(Map.of("m", bytes("new")), 0).join();
    remote.gate = CompletableFuture.completedFuture(null);
    gate.complete(null);
    assertThat(text(read.join())).isEqualTo("old");
    assertThat(text(bulk.join().get("m"))).isEqualTo("old");
    assertThat(text(near.getAsync("k").join())).as("not the raced read's value").isEqualTo("new");
    assertThat(text(near.getManyAsync(List.of("m")).join().get("m"))).isEqualTo("new");
  }

  @Test
  void aFailedReadLeavesNothingClaimed() {
    Remote remote = new Remote();
    AsyncStore near = (AsyncStore) near(remote);
    remote.gate = CompletableFuture.failedFuture(new io.larder.CacheTimeoutException("late"));
    assertThat(near.getAsync("k")).isCompletedExceptionally();
    remote.gate = CompletableFuture.completedFuture(null);
    remote.set("k", bytes("v"), 0);
    assertThat(text(near.getAsync("k").join())).isEqualTo("v");
    assertThat(text(near.getAsync("k").join())).isEqualTo("v");
    assertThat(remote.reads.get()).as("the second read installed, the third hit").isEqualTo(2);
  }

  @Test
  void theTierAndForwardingStoresAreAsynchronousOnlyOverAnAsynchronousStore() {
    assertThat(near(Stores.memory())).isNotInstanceOf(AsyncStore.class);
    assertThat(near(new Remote())).isInstanceOf(AsyncStore.class);
    Store plain = new ForwardingStore(new Remote()) {};
    assertThat(plain).as("a ForwardingStore's overrides see every call")
        .isNotInstanceOf(AsyncStore.class);
    AsyncStore forwarding = new ForwardingAsyncStore(new Remote()) {};
    forwarding.setAsync("k", bytes("v"), 0).join();
    assertThat(text(forwarding.getAsync("k").join())).isEqualTo("v");
  }
}
