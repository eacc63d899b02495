package io.larder.cli;

import io.larder.Stores;
import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.time.InstantSource;
import java.util.Set;

/**
 * {@code broken:} for tests: a memory store that never expires anything and whose
 * increments are not atomic, so the live checks have something to catch.
 */
public final class BrokenStoreProvider implements StoreProvider {
  /** Called by the service loader. */
  public BrokenStoreProvider() {}

  @Override
  public Set<String> schemes() {
    return Set.of("broken");
  }

  @Override
  public Store open(StoreUrl url, InstantSource clock) {
    return new ForwardingStore(Stores.memory()) {
      @Override
      public java.util.List<String> diagnose() {
        return java.util.List.of("this store is broken on purpose");
      }

      @Override
      public void set(String key, byte[] value, long ttlMillis) {
        super.set(key, value, NO_EXPIRY);
      }

      @Override
      public long incr(String key, long delta, long ttlMillis) {
        byte[] old = get(key);
        long next = (old == null ? 0 : Long.parseLong(new String(old))) + delta;
        Thread.yield();
        super.set(key, Long.toString(next).getBytes(), NO_EXPIRY);
        return next;
      }
    };
  }
}
