/**
 * Larder as a JCache (JSR-107) provider: {@code Caching.getCachingProvider()} finds
 * {@link io.larder.jcache.LarderCachingProvider}, whose cache managers keep their caches in any
 * Larder store URL.
 */
module io.larder.jcache {
  requires transitive io.larder;
  requires transitive cache.api;
  requires java.management;
  requires com.github.benmanes.caffeine;

  exports io.larder.jcache;

  provides javax.cache.spi.CachingProvider with io.larder.jcache.LarderCachingProvider;
}
