package io.larder.micrometer;

import io.larder.Cache;
import io.larder.CacheStats;
import io.larder.NearStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import java.util.function.ToLongFunction;

/**
 * Micrometer's standard cache meters, plus Larder's own, read from {@link Cache#stats()}, and
 * the near tier's from {@link Cache#nearStats()} when the cache has one.
 */
final class LarderCacheMeterBinder extends CacheMeterBinder<Cache> {

  LarderCacheMeterBinder(Cache cache, String cacheName, Iterable<Tag> tags) {
    super(cache, cacheName, tags);
  }

  private long read(ToLongFunction<CacheStats> counter) {
    Cache cache = getCache();
    return cache == null ? 0 : counter.applyAsLong(cache.stats());
  }

  @Override
  protected Long size() {
    return null; // a remote store's size is not the cache's to know
  }

  @Override
  protected long hitCount() {
    return read(CacheStats::hits);
  }

  @Override
  protected Long missCount() {
    return read(CacheStats::misses);
  }

  @Override
  protected Long evictionCount() {
    return null; // the store evicts; Larder sees only the misses that follow
  }

  @Override
  protected long putCount() {
    return read(CacheStats::writes);
  }

  @Override
  protected void bindImplementationSpecificMetrics(MeterRegistry registry) {
    counter(registry, "larder.cache.preload.hits", CacheStats::preloadHits,
        "Reads answered by a preload scope with no round trip");
    counter(registry, "larder.cache.deletes", CacheStats::deletes,
        "Keys removed by delete, deleteMany and zero-TTL writes");
    counter(registry, "larder.cache.store.errors", CacheStats::storeErrors,
        "Store calls that failed (connection, timeout, server error)");
    counter(registry, "larder.cache.decode.errors", CacheStats::decodeErrors,
        "Stored values that could not be decoded and were read as misses");
    counter(registry, "larder.cache.round.trips", CacheStats::roundTrips,
        "Calls made to the store; a bulk call counts once");
    Cache cache = getCache();
    if (cache != null && cache.nearStats().enabled()) {
      nearCounter(registry, cache, "larder.cache.near.hits", NearStats::hits,
          "Store reads answered by the near tier without a round trip");
      nearCounter(registry, cache, "larder.cache.near.evictions", NearStats::evictions,
          "Near entries dropped for room or because their nearTtl ended");
      nearCounter(registry, cache, "larder.cache.near.invalidations", NearStats::invalidations,
          "Invalidations the server pushed to the near tier (a key each, or one for all)");
      nearCounter(registry, cache, "larder.cache.near.behind", NearStats::behind,
          "Near reads sent to the store because the server's pushes were behind nearLag");
    }
  }

  private void nearCounter(MeterRegistry registry, Cache cache, String name,
      ToLongFunction<NearStats> counter, String description) {
    FunctionCounter.builder(name, cache, c -> counter.applyAsLong(c.nearStats()))
        .tags(getTagsWithCacheName())
        .description(description)
        .register(registry);
  }

  private void counter(MeterRegistry registry, String name, ToLongFunction<CacheStats> counter,
      String description) {
    Cache cache = getCache();
    if (cache == null) {
      return;
    }
    FunctionCounter.builder(name, cache, c -> counter.applyAsLong(c.stats()))
        .tags(getTagsWithCacheName())
        .description(description)
        .register(registry);
  }
}
