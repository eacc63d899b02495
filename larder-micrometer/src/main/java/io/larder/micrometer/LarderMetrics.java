package io.larder.micrometer;

import io.larder.Cache;
import io.larder.spi.Store;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * Publishes Larder's numbers to a Micrometer {@link MeterRegistry}: a cache's counters, and
 * the time of every store call by kind.
 *
 * <pre>{@code
 * Store redis = RedisStores.open("redis://cache:6379/0");
 * Cache cache = Larder.builder().store(LarderMetrics.timed(redis, registry, "redis")).build();
 * LarderMetrics.bind(cache, registry, "app", "redis");
 * }</pre>
 *
 * <p>{@link #bind} registers function counters that read {@link Cache#stats()} when the
 * registry publishes, tagged {@code cache} (the name given) and {@code store} (the store
 * kind):
 * <ul>
 *   <li>{@code cache.gets} with {@code result=hit} and {@code result=miss} and
 *       {@code cache.puts} (writes), under Micrometer's standard cache meter names;</li>
 *   <li>{@code larder.cache.preload.hits}, {@code larder.cache.deletes},
 *       {@code larder.cache.store.errors}, {@code larder.cache.decode.errors} and
 *       {@code larder.cache.round.trips}.</li>
 * </ul>
 * A namespace view counts only its own operations, and its root cache counts them too, so
 * bind either the root or its namespaces, or give them names that make the overlap plain.
 * The registry holds the cache weakly, as Micrometer does: keep a reference to it.
 *
 * <p>{@link #timed} wraps a store in one that times every call in a timer
 * {@code larder.store.operations}, tagged {@code operation} ({@code get}, {@code getMany},
 * {@code set}, {@code setMany}, {@code add}, {@code delete}, {@code deleteMany},
 * {@code exists}, {@code touch}, {@code incr}, {@code getVersioned}, {@code compareAndSet},
 * {@code clear}), {@code outcome} ({@code success} or {@code error}) and {@code store}.
 * A bulk call is one timing, as it is one round trip.
 */
public final class LarderMetrics {
  private LarderMetrics() {}

  /**
   * Registers the counters of a cache, tagged with its name and store kind.
   *
   * @param cache the cache (or namespace view) whose {@link Cache#stats()} to publish
   * @param registry the registry
   * @param cacheName the value of the {@code cache} tag
   * @param storeKind the value of the {@code store} tag, usually the URL scheme:
   *     {@code mem}, {@code sqlite}, {@code redis}, {@code memcached}
   * @throws NullPointerException if an argument is null
   */
  public static void bind(Cache cache, MeterRegistry registry, String cacheName, String storeKind) {
    bind(cache, registry, cacheName, storeKind, Tags.empty());
  }

  /**
   * Registers the counters of a cache with extra tags.
   *
   * @param cache the cache (or namespace view) whose {@link Cache#stats()} to publish
   * @param registry the registry
   * @param cacheName the value of the {@code cache} tag
   * @param storeKind the value of the {@code store} tag
   * @param tags more tags for every meter
   * @throws NullPointerException if an argument is null
   */
  public static void bind(Cache cache, MeterRegistry registry, String cacheName, String storeKind,
      Iterable<Tag> tags) {
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(cacheName, "cacheName");
    Objects.requireNonNull(storeKind, "storeKind");
    Objects.requireNonNull(tags, "tags");
    new LarderCacheMeterBinder(cache, cacheName, Tags.concat(tags, "store", storeKind))
        .bindTo(registry);
  }

  /**
   * Returns a store that times every call of {@code store} by kind, for
   * {@link io.larder.Larder.Builder#store(Store)}.
   *
   * @param store the store to time; closing the returned store closes it
   * @param registry the registry
   * @param storeKind the value of the {@code store} tag
   * @return the timing store
   * @throws NullPointerException if an argument is null
   */
  public static Store timed(Store store, MeterRegistry registry, String storeKind) {
    return timed(store, registry, storeKind, Tags.empty());
  }

  /**
   * Returns a store that times every call of {@code store} by kind, with extra tags.
   *
   * @param store the store to time; closing the returned store closes it
   * @param registry the registry
   * @param storeKind the value of the {@code store} tag
   * @param tags more tags for every timer
   * @return the timing store
   * @throws NullPointerException if an argument is null
   */
  public static Store timed(Store store, MeterRegistry registry, String storeKind,
      Iterable<Tag> tags) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(storeKind, "storeKind");
    Objects.requireNonNull(tags, "tags");
    return new TimedStore(store, registry, Tags.concat(tags, "store", storeKind));
  }
}
