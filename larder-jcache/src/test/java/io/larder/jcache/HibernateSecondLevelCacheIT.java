package io.larder.jcache;

import io.larder.testkit.RedisServer;
import java.net.URI;
import java.util.Map;
import java.util.Properties;
import javax.cache.CacheManager;
import javax.cache.Caching;
import org.junit.jupiter.api.AfterAll;

/**
 * Hibernate's second-level cache on a real Redis, the cache manager built by the application
 * and handed to Hibernate (the way to pass provider properties, which Hibernate's URI setting
 * cannot carry).
 */
class HibernateSecondLevelCacheIT extends HibernateContract {
  private RedisServer redis;
  private CacheManager manager;

  @Override
  Map<String, Object> cacheSettings() {
    redis = RedisServer.start();
    Properties props = new Properties();
    props.setProperty(LarderCachingProvider.URL_PROPERTY, redis.url() + "?timeout=5s&writeTimeout=5s");
    props.setProperty(LarderCachingProvider.ALLOW_PROPERTY, "org.hibernate.cache.**");
    var provider = Caching.getCachingProvider(LarderCachingProvider.class.getName());
    manager = provider.getCacheManager(URI.create("larder:hibernate-it"),
        provider.getDefaultClassLoader(), props);
    return Map.of("hibernate.javax.cache.cache_manager", manager);
  }

  @Override
  CacheManager cacheManager() {
    return manager;
  }

  @AfterAll
  void stopRedis() {
    manager.close();
    if (redis != null) {
      redis.stop();
    }
  }
}
