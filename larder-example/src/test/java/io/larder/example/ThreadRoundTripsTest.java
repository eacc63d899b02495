package io.larder.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.Stores;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThreadRoundTripsTest {
  @Test
  void eachThreadCountsItsOwnStoreCallsAsTheCacheCountsThem() throws Exception {
    ThreadRoundTrips[] store = new ThreadRoundTrips[1];
    try (Cache cache = Larder.builder().store(Stores.memory())
        .decorateStore(s -> store[0] = new ThreadRoundTrips(s)).build()) {
      CyclicBarrier step = new CyclicBarrier(2);
      AtomicLong other = new AtomicLong();
      Thread writer = new Thread(() -> {
        try {
          for (int i = 0; i < 5; i++) {
            step.await();
            cache.set("w" + i, "v");
          }
          other.set(store[0].onThisThread());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      writer.start();
      long before = cache.stats().roundTrips();
      for (int i = 0; i < 5; i++) {
        step.await(); // the two threads' calls interleave
        cache.get("r" + i, String.class);
      }
      cache.getMany(List.of("a", "b", "c"), String.class); // one bulk read: one round trip
      writer.join();
      assertThat(store[0].onThisThread()).isEqualTo(6);
      assertThat(other.get()).isEqualTo(5);
      assertThat(cache.stats().roundTrips() - before).isEqualTo(11);
    }
  }
}
