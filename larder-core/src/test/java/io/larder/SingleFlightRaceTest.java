package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The race single flight must survive: a caller reads a miss, and before it registers as the
 * one to compute, another caller's computation of the same key finishes and unregisters. The
 * late caller's miss is older than that computation's write; it must read the stored value,
 * not compute a second time. A store holds the late caller's read (after the miss was read)
 * until the other computation is done, so the order is forced, not hoped for. And the
 * blocking and the asynchronous API share single flight.
 */
class SingleFlightRaceTest {
  private final HoldingStore store = new HoldingStore(Stores.memory());
  private final Cache cache = Larder.builder().store(store).failOpen(false).build();
  private final ExecutorService late = Executors.newSingleThreadExecutor();
  private final AtomicInteger computed = new AtomicInteger();

  @AfterEach
  void close() {
    late.shutdownNow();
    cache.close();
  }

  @Test
  void aMissOlderThanAFinishedComputationReadsItsValueInsteadOfComputingAgain()
      throws Exception {
    store.holdNextMiss();
    Future<String> raced = late.submit(() -> cache.getOrCompute("report", String.class,
        Duration.ofMinutes(1), () -> compute("late")));
    assertThat(store.held.await(10, TimeUnit.SECONDS)).as("late caller read its miss").isTrue();

    String first = cache.getOrCompute("report", String.class, Duration.ofMinutes(1),
        () -> compute("first"));
    store.release.countDown();

    assertThat(first).isEqualTo("first");
    assertThat(raced.get(10, TimeUnit.SECONDS)).isEqualTo("first");
    assertThat(computed).hasValue(1);
  }

  @Test
  void theAsynchronousLoaderToo() throws Exception {
    AsyncCache async = cache.async();
    store.holdNextMiss();
    CompletableFuture<String> raced = async.getOrCompute("report", String.class,
        Duration.ofMinutes(1), key -> CompletableFuture.completedFuture(compute("late")));
    assertThat(store.held.await(10, TimeUnit.SECONDS)).as("late caller read its miss").isTrue();

    String first = async.getOrCompute("report", String.class, Duration.ofMinutes(1),
        key -> CompletableFuture.completedFuture(compute("first"))).get(10, TimeUnit.SECONDS);
    store.release.countDown();

    assertThat(first).isEqualTo("first");
    assertThat(raced.get(10, TimeUnit.SECONDS)).isEqualTo("first");
    assertThat(computed).hasValue(1);
  }

  @Test
  void aBlockingCallerWaitsForAnAsynchronousComputationOfTheSameKey() throws Exception {
    CompletableFuture<String> computation = new CompletableFuture<>();
    CountDownLatch leading = new CountDownLatch(1);
    CompletableFuture<String> first = cache.async().getOrCompute("report", String.class,
        Duration.ofMinutes(1), key -> {
          computed.incrementAndGet();
          leading.countDown();
          return computation;
        });
    // the asynchronous caller leads (its read runs on the cache's executor: wait for it)
    assertThat(leading.await(10, TimeUnit.SECONDS)).isTrue();
    Thread[] caller = new Thread[1];
    Future<String> blocking = late.submit(() -> {
      caller[0] = Thread.currentThread();
      return cache.getOrCompute("report", String.class, Duration.ofMinutes(1),
          () -> compute("blocking"));
    });
    // the blocking caller parks on the asynchronous computation's future (mem: never blocks)
    while (caller[0] == null || caller[0].getState() != Thread.State.WAITING) {
      assertThat(blocking.isDone()).as("the blocking caller computed on its own").isFalse();
      Thread.onSpinWait();
    }
    computation.complete("async");

    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("async");
    assertThat(blocking.get(10, TimeUnit.SECONDS)).isEqualTo("async");
    assertThat(computed).hasValue(1);
  }

  private String compute(String value) {
    computed.incrementAndGet();
    return value;
  }

  /** Holds the first read that misses after {@link #holdNextMiss}, once it has missed. */
  private static final class HoldingStore extends ForwardingStore {
    private final AtomicBoolean hold = new AtomicBoolean();
    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    HoldingStore(Store delegate) {
      super(delegate);
    }

    void holdNextMiss() {
      hold.set(true);
    }

    @Override
    public byte[] get(String key) {
      byte[] value = super.get(key);
      if (value == null && hold.compareAndSet(true, false)) {
        held.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return value;
    }
  }
}
