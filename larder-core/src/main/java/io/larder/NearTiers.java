package io.larder;

import com.github.benmanes.caffeine.cache.Ticker;
import io.larder.internal.NearStore;
import io.larder.spi.Invalidations;
import io.larder.spi.Store;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Puts a near tier ({@link NearStore}) in front of a cache's store at build, subscribing it
 * to the server's invalidations where the store offers them, and says what mode a URL's near
 * tier would run in for {@code larder check}.
 */
final class NearTiers {
  private static final System.Logger LOG = System.getLogger(Cache.class.getName());

  private NearTiers() {}

  /**
   * Builds the tier.
   *
   * @param opened the store as opened, before any decorator: where invalidations come from
   * @param store the store the tier calls (decorated)
   * @param ownsStore whether closing the tier closes {@code store}
   * @param bytes the tier's bound
   * @param ttl {@code nearTtl}, or {@code null} for the mode's default
   * @param lag {@code nearLag}, or {@code null} for {@link NearStore#DEFAULT_LAG}
   * @param clock the builder's clock, or {@code null} for the system's
   * @param prefix the cache's root store-key prefix
   * @param description the store as messages name it
   * @return the tier
   * @throws CacheException if the server's invalidations cannot be subscribed to
   */
  static NearStore open(Store opened, Store store, boolean ownsStore, long bytes, Duration ttl,
      Duration lag, InstantSource clock, String prefix, String description) {
    Ticker ticker = clock == null ? Ticker.systemTicker()
        : () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    NearStore near = NearStore.create(store, ownsStore, bytes, ttl, ticker);
    Optional<String> why = subscribe(opened, near, prefix, lag);
    if (why.isPresent()) {
      LOG.log(System.Logger.Level.WARNING, "cache " + description + ": option 'near': "
          + why.get() + "; near entries live at most nearTtl (" + near.ttl().toMillis()
          + " ms), the bound on how long another process's write can go unseen");
    }
    return near;
  }

  /**
   * Subscribes; returns why the tier runs on its TTL alone when the store could push
   * invalidations but its server cannot.
   */
  private static Optional<String> subscribe(Store opened, NearStore near, String prefix,
      Duration lag) {
    if (!(opened instanceof Invalidations source)) {
      return Optional.empty(); // TTL-bounded by design (memcached, SQLite): nothing to warn of
    }
    try {
      near.track(source, prefix, lag);
      return Optional.empty();
    } catch (UnsupportedOperationException e) {
      return Optional.of("the server cannot push invalidations (" + e.getMessage() + ")");
    } catch (RuntimeException e) {
      near.close();
      throw e;
    }
  }

  /**
   * Tells what mode a near tier in front of this store would run in, for {@code larder check}.
   *
   * @param store an open store
   * @return a warning when the tier would be bounded by its TTL alone, or empty
   */
  static Optional<String> check(Store store) {
    if (!(store instanceof Invalidations source)) {
      return Optional.of("near=: this store pushes no invalidations, so near entries live "
          + "at most nearTtl (default " + NearStore.UNTRACKED_TTL.toSeconds() + " s) and another"
          + " process's write can go unseen that long");
    }
    try (Invalidations.Subscription s = source.subscribe("", new Invalidations.Listener() {
      @Override
      public void invalidated(java.util.Collection<String> keys) {}

      @Override
      public void invalidatedAll(String reason) {}
    })) {
      return Optional.empty();
    } catch (UnsupportedOperationException e) {
      return Optional.of("near=: the server cannot push invalidations (" + e.getMessage()
          + "), so near entries live at most nearTtl (default "
          + NearStore.UNTRACKED_TTL.toSeconds() + " s)");
    }
  }
}
