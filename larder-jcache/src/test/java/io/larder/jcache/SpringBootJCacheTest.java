package io.larder.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Serializable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Spring Boot's {@code spring.cache.type=jcache} finds Larder's provider and caches through it. */
class SpringBootJCacheTest {
  /** What the service returns: a record, allowed by larder-boot.properties. */
  public record Book(String isbn, String title) implements Serializable {}

  /** What an application writes: caching on, a service with @Cacheable. */
  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class App {
    @Bean
    Books books() {
      return new Books();
    }
  }

  /** A service whose calls the test counts. */
  public static class Books {
    private final AtomicInteger calls = new AtomicInteger();

    @Cacheable("books")
    public Book find(String isbn) {
      calls.incrementAndGet();
      return new Book(isbn, "Title " + isbn);
    }

    int calls() {
      return calls.get();
    }
  }

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(CacheAutoConfiguration.class))
      .withUserConfiguration(App.class);

  @Test
  void springCacheTypeJcacheSelectsLardersProviderAndCachesThroughIt() {
    runner.withPropertyValues("spring.cache.type=jcache",
            "spring.cache.jcache.config=classpath:larder-boot.properties",
            "spring.cache.cache-names=books")
        .run(context -> {
          assertThat(context).hasNotFailed();
          CacheManager spring = context.getBean(CacheManager.class);
          assertThat(spring).isInstanceOf(JCacheCacheManager.class);
          javax.cache.CacheManager jcache = ((JCacheCacheManager) spring).getCacheManager();
          assertThat(jcache.getCachingProvider()).isInstanceOf(LarderCachingProvider.class);

          Books books = context.getBean(Books.class);
          assertThat(books.find("1")).isEqualTo(new Book("1", "Title 1"));
          assertThat(books.find("1")).isEqualTo(new Book("1", "Title 1"));
          assertThat(books.calls()).as("the second call was served by the cache").isEqualTo(1);

          javax.cache.Cache<Object, Object> cache = jcache.getCache("books");
          assertThat(cache.get("1")).isEqualTo(new Book("1", "Title 1"));
          // the entry is in the Larder store, under the URL's prefix and the cache's namespace
          io.larder.Cache larder = jcache.unwrap(io.larder.Cache.class);
          assertThat(larder.namespace("jcache").namespace("books").exists("s1")).isTrue();
        });
  }
}
