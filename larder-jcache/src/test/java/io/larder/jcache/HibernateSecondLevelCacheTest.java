package io.larder.jcache;

import java.net.URI;
import java.util.Map;
import javax.cache.CacheManager;
import javax.cache.Caching;

/**
 * Hibernate's second-level cache on Larder's {@code mem:} store, the cache manager named by a
 * properties file on the class path, as an application configures it.
 */
class HibernateSecondLevelCacheTest extends HibernateContract {
  /** A resource name: Hibernate looks it up on the class path and hands its URL to JCache. */
  static final String URI_SETTING = "larder-hibernate.properties";

  @Override
  Map<String, Object> cacheSettings() {
    return Map.of("hibernate.javax.cache.uri", URI_SETTING);
  }

  @Override
  CacheManager cacheManager() {
    var provider = Caching.getCachingProvider(LarderCachingProvider.class.getName());
    try {
      URI uri = getClass().getClassLoader().getResource(URI_SETTING).toURI();
      return provider.getCacheManager(uri, provider.getDefaultClassLoader());
    } catch (java.net.URISyntaxException e) {
      throw new AssertionError(e);
    }
  }
}
