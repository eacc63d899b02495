package io.larder.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.jackson.JsonCodec;
import io.larder.spring.LarderCache;
import io.larder.spring.LarderCacheConfig;
import io.larder.spring.LarderCacheManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class LarderAutoConfigurationTest {
  public record Book(String isbn, String title) {}

  /** What an application writes: caching on, a service with @Cacheable. */
  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class App {
    @Bean
    Books books() {
      return new Books();
    }
  }

  public static class Books {
    private final AtomicInteger calls = new AtomicInteger();

    @Cacheable("books")
    public Book find(String isbn) {
      calls.incrementAndGet();
      return new Book(isbn, "Title " + isbn);
    }

    public int calls() {
      return calls.get();
    }
  }

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LarderAutoConfiguration.class,
          CacheAutoConfiguration.class))
      .withUserConfiguration(App.class);

  @Test
  void onePropertyGivesTheApplicationALarderCacheManager() {
    runner.withPropertyValues("larder.url=mem:", "larder.caches.books.type=" + Book.class.getName())
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).hasSingleBean(io.larder.Cache.class);
          assertThat(context.getBean(CacheManager.class)).isInstanceOf(LarderCacheManager.class);
          Books books = context.getBean(Books.class);
          assertThat(books.find("1")).isEqualTo(new Book("1", "Title 1"));
          assertThat(books.find("1")).isEqualTo(new Book("1", "Title 1"));
          assertThat(books.calls()).isEqualTo(1);
          io.larder.Cache larder = context.getBean(io.larder.Cache.class);
          assertThat(larder.namespace("books").get("1", String.class))
              .isEqualTo("{\"isbn\":\"1\",\"title\":\"Title 1\"}");
        });
  }

  @Test
  void nothingIsCreatedWithoutTheUrl() {
    runner.run(context -> {
      assertThat(context).doesNotHaveBean(io.larder.Cache.class);
      assertThat(context).doesNotHaveBean(LarderCacheManager.class);
      assertThat(context.getBean(CacheManager.class)).isNotInstanceOf(LarderCacheManager.class);
    });
  }

  @Test
  void propertiesConfigureEachCacheOverTheDefaults() {
    runner.withPropertyValues("larder.url=mem:?ttl=5m",
        "larder.defaults.cache-nulls=false",
        "larder.defaults.lease=20s",
        "larder.caches.books.ttl=1h",
        "larder.caches.books.namespace=books-v2",
        "larder.caches.books.type=" + Book.class.getName(),
        "larder.caches.shelves.cache-nulls=true",
        "larder.caches.shelves.allowed-classes=java.util.ArrayList")
        .run(context -> {
          LarderCacheManager manager = context.getBean(LarderCacheManager.class);
          assertThat(manager.getCacheNames()).containsExactly("books", "shelves");
          LarderCacheConfig books = manager.getCache("books").getConfig();
          assertThat(books.ttl()).contains(Duration.ofHours(1));
          assertThat(books.namespace()).contains("books-v2");
          assertThat(books.cacheNulls()).isFalse();
          assertThat(books.lease()).contains(Duration.ofSeconds(20));
          assertThat(books.codec().toString()).isEqualTo("json(" + Book.class.getName() + ")");

          LarderCache shelves = manager.getCache("shelves");
          assertThat(shelves.getConfig().ttl()).isEmpty();
          assertThat(shelves.getConfig().cacheNulls()).isTrue();
          shelves.put("top", new java.util.ArrayList<>(List.of("Dune")));
          assertThat(shelves.get("top").get()).isEqualTo(List.of("Dune"));

          LarderCache other = manager.getCache("other");
          assertThat(other.getConfig().cacheNulls()).isFalse();
          assertThat(other.getNativeCache().defaultTtl()).isEqualTo(Duration.ofMinutes(5));
        });
  }

  @Test
  void aFixedSetOfCachesWhenNotDynamic() {
    runner.withPropertyValues("larder.url=mem:", "larder.dynamic=false", "larder.caches.books.ttl=1m")
        .run(context -> {
          LarderCacheManager manager = context.getBean(LarderCacheManager.class);
          assertThat(manager.getCache("books")).isNotNull();
          assertThat(manager.getCache("other")).isNull();
        });
  }

  @Test
  void aCacheWithNearKeepsItsHotValuesNearAndTheOthersDoNot() {
    runner.withPropertyValues("larder.url=mem:", "larder.caches.books.near=1MB",
        "larder.caches.authors.ttl=1m").run(context -> {
          io.larder.Cache larder = context.getBean(io.larder.Cache.class);
          assertThat(larder.nearStats().enabled()).isTrue();
          LarderCacheManager manager = context.getBean(LarderCacheManager.class);
          manager.getCache("books").put("1", "Dune");
          manager.getCache("authors").put("1", "Herbert");
          manager.getCache("books").get("1");                      // fills the near tier
          long hits = larder.nearStats().hits();
          assertThat(manager.getCache("books").get("1").get()).isEqualTo("Dune");
          assertThat(larder.nearStats().hits()).isEqualTo(hits + 1);
          manager.getCache("authors").get("1");
          assertThat(manager.getCache("authors").get("1").get()).isEqualTo("Herbert");
          assertThat(larder.nearStats().hits()).isEqualTo(hits + 1);
        });
    runner.withPropertyValues("larder.url=mem:", "larder.caches.books.near=0")
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
            .hasMessageContaining("larder.caches.books.near"));
  }

  @Test
  void conflictingSettingsFailNamingTheProperty() {
    runner.withPropertyValues("larder.url=mem:", "larder.caches.books.codec=json")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .rootCause().hasMessageContaining("larder.caches.books.codec=json needs larder.caches.books.type"));
    // caches sharing a namespace would read each other's keys: the property does not exist
    runner.withPropertyValues("larder.url=mem:", "larder.defaults.namespace=shared")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .rootCause().hasMessageContaining("larder.defaults.namespace"));
    runner.withPropertyValues("larder.url=nope:")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .rootCause().hasMessageContaining("no store for scheme 'nope:'"));
  }

  @Test
  void jsonUsesTheApplicationsObjectMapper() {
    runner.withPropertyValues("larder.url=mem:", "larder.caches.books.type=" + Book.class.getName())
        .withBean(ObjectMapper.class, () -> new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE))
        .run(context -> {
          context.getBean(Books.class).find("1");
          byte[] raw = context.getBean(io.larder.Cache.class).namespace("books")
              .get("1", Codec.bytes());
          assertThat(new String(raw, StandardCharsets.UTF_8)).contains("\"Isbn\":\"1\"");
        });
  }

  @Test
  void jsonWithoutJacksonFailsWithAnExplanation() {
    runner.withClassLoader(new FilteredClassLoader(ObjectMapper.class))
        .withPropertyValues("larder.url=mem:", "larder.caches.books.type=" + Book.class.getName())
        .run(context -> assertThat(context).hasFailed().getFailure()
            .rootCause().hasMessageContaining("JSON caches need Jackson"));
    runner.withClassLoader(new FilteredClassLoader(ObjectMapper.class))
        .withPropertyValues("larder.url=mem:")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(LarderCacheManager.class));
  }

  @Test
  void metricsAreBoundForEveryCacheWhenThereIsARegistry() {
    runner.withPropertyValues("larder.url=mem:", "larder.caches.books.type=" + Book.class.getName())
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(context -> {
          Books books = context.getBean(Books.class);
          books.find("1");
          books.find("1");
          context.getBean(LarderCacheManager.class).getCache("later").put("k", "v");
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          assertThat(registry.get("cache.gets").tags("cache", "books", "store", "mem", "result", "hit")
              .functionCounter().count()).isEqualTo(1);
          assertThat(registry.get("cache.gets").tags("cache", "books", "result", "miss")
              .functionCounter().count()).isEqualTo(1);
          assertThat(registry.get("cache.puts").tags("cache", "later").functionCounter().count())
              .isEqualTo(1);
          assertThat(registry.get("larder.store.operations").tags("store", "mem").timers())
              .as("every store call is timed").isNotEmpty()
              .anySatisfy(t -> assertThat(t.count()).isPositive());
        });
  }

  @Test
  void metricsCanBeTurnedOffAndNeedNoMicrometer() {
    runner.withPropertyValues("larder.url=mem:", "larder.metrics.enabled=false")
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(context -> {
          context.getBean(LarderCacheManager.class).getCache("books").put("k", "v");
          assertThat(context.getBean(MeterRegistry.class).find("cache.puts").meters()).isEmpty();
        });
    runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
        .withPropertyValues("larder.url=mem:")
        .run(context -> {
          assertThat(context).hasNotFailed();
          context.getBean(LarderCacheManager.class).getCache("books").put("k", "v");
        });
  }

  @Test
  void theApplicationsOwnBeansWin() {
    io.larder.Cache own = Larder.open("mem:?prefix=mine");
    runner.withPropertyValues("larder.url=mem:")
        .withBean("mine", io.larder.Cache.class, () -> own)
        .run(context -> assertThat(context.getBean(LarderCacheManager.class).getLarder())
            .isSameAs(own));
    runner.withPropertyValues("larder.url=mem:")
        .withBean(CacheManager.class, ConcurrentMapCacheManager::new)
        .run(context -> {
          assertThat(context).doesNotHaveBean(LarderCacheManager.class);
          assertThat(context).hasSingleBean(io.larder.Cache.class);
        });
    own.close();
  }

  @Test
  void customizersConfigureCachesInJava() {
    runner.withPropertyValues("larder.url=mem:")
        .withBean(LarderCacheManagerCustomizer.class, () -> builder -> builder.cache("book-lists",
            LarderCacheConfig.defaults().codec(JsonCodec.of(new TypeReference<List<Book>>() {}))))
        .run(context -> {
          LarderCache lists = context.getBean(LarderCacheManager.class).getCache("book-lists");
          lists.put("all", List.of(new Book("1", "A")));
          assertThat(lists.get("all").get()).isEqualTo(List.of(new Book("1", "A")));
        });
  }

  @Test
  void theLarderCacheIsClosedWithTheContext() {
    io.larder.Cache[] opened = new io.larder.Cache[1];
    runner.withPropertyValues("larder.url=mem:")
        .run(context -> opened[0] = context.getBean(io.larder.Cache.class));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> opened[0].get("k", String.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }
}
