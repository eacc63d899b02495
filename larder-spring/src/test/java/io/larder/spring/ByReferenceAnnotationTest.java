package io.larder.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Larder;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.Caching;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What Spring Framework's own annotation-driven cache fixture
 * ({@code AbstractCacheAnnotationTests} in spring-context's unpublished test fixtures) checks,
 * on {@code mem:?byReference=true}: a cached result is the very object the method returned
 * ({@code isSameAs}), through {@code @Cacheable} (plain, {@code sync}, conditional, key
 * expressions, null results), {@code @CachePut}, {@code @CacheEvict} and several caches at once.
 *
 * <p>Where the fixture uses {@code new Object()} as a key, this test uses a string: a Larder
 * key is a string made from the Spring key ({@link SpringKeys}), and an {@code Object} has no
 * content to make one of (its identity is not a key another server could share), so those
 * fixture tests cannot pass as written on any Larder store. The service returns fresh objects
 * (Longs from 1,000 up, outside the JVM's box cache, and a mutable entity with no codec), so an
 * identity check fails if the cache hands back a copy.
 */
class ByReferenceAnnotationTest {
  private static AnnotationConfigApplicationContext ctx;
  private static Service service;
  private static CacheManager cm;

  /** A mutable entity with no codec: only a cache by reference can keep it. */
  static final class Entity {
    private final long id;
    private String name;

    Entity(long id) {
      this.id = id;
    }

    public long getId() {
      return id;
    }

    void rename(String name) {
      this.name = name;
    }

    String name() {
      return name;
    }
  }

  /** The fixture's {@code CacheableService}, cut to what the checks below need. */
  static class Service {
    private final AtomicLong counter = new AtomicLong(1_000);

    @Cacheable("testCache")
    public Long cache(Object arg) {
      return Long.valueOf(counter.getAndIncrement());
    }

    @Cacheable("testCache")
    public Long cacheNull(Object arg) {
      return null;
    }

    @Cacheable(cacheNames = "testCache", sync = true)
    public Long cacheSync(Object arg) {
      return Long.valueOf(counter.getAndIncrement());
    }

    @CacheEvict(cacheNames = "testCache", key = "#p0")
    public void evict(Object arg1, Object arg2) {}

    @CacheEvict("testCache")
    public void evictWithException(Object arg) {
      throw new IllegalStateException("exception thrown - evict should NOT occur");
    }

    @CacheEvict(cacheNames = "testCache", allEntries = true)
    public void evictAll(Object arg) {}

    @Cacheable(cacheNames = "testCache", condition = "#p0 == 3")
    public Long conditional(int field) {
      return Long.valueOf(counter.getAndIncrement());
    }

    @Cacheable(cacheNames = "testCache", key = "#p0")
    public Long key(Object arg1, Object arg2) {
      return Long.valueOf(counter.getAndIncrement());
    }

    @Cacheable("testCache")
    public Long varArgsKey(Object... args) {
      return Long.valueOf(counter.getAndIncrement());
    }

    @CachePut("testCache")
    public Long update(Object arg) {
      return Long.valueOf(counter.getAndIncrement());
    }

    @Caching(cacheable = {@Cacheable("primary"), @Cacheable("secondary")})
    public Long multiCache(Object arg) {
      return Long.valueOf(counter.getAndIncrement());
    }

    @CachePut(cacheNames = "primary", key = "#result.id")
    public Entity putRefersToResult(Entity entity) {
      entity.rename("saved");
      return entity;
    }
  }

  @Configuration
  @EnableCaching
  static class Config {
    @Bean(destroyMethod = "close")
    io.larder.Cache larder() {
      return Larder.open("mem:?byReference=true");
    }

    @Bean
    LarderCacheManager cacheManager(io.larder.Cache larder) {
      return LarderCacheManager.create(larder);
    }

    @Bean
    Service service() {
      return new Service();
    }
  }

  @BeforeAll
  static void start() {
    ctx = new AnnotationConfigApplicationContext(Config.class);
    service = ctx.getBean(Service.class);
    cm = ctx.getBean(CacheManager.class);
  }

  /** One context for the class (as Spring's fixture shares one per test class's config). */
  @BeforeEach
  void emptyCaches() {
    cm.getCacheNames().forEach(name -> cm.getCache(name).clear());
  }

  @AfterAll
  static void stop() {
    ctx.close();
  }

  @Test
  void cacheable() {
    Object r1 = service.cache("o1");
    assertThat(service.cache("o1")).isSameAs(r1);
    assertThat(service.cache("o1")).isSameAs(r1);
  }

  @Test
  void cacheableNull() {
    assertThat(cm.getCache("testCache").get("o1")).isNull();
    assertThat(service.cacheNull("o1")).isNull();
    assertThat(service.cacheNull("o1")).isNull();
    assertThat(cm.getCache("testCache").get("o1")).as("cached null").isNotNull();
    assertThat(cm.getCache("testCache").get("o1").get()).isNull();
  }

  @Test
  void cacheableSync() {
    Object r1 = service.cacheSync("o1");
    assertThat(service.cacheSync("o1")).isSameAs(r1);
    assertThat(service.cacheSync("o1")).isSameAs(r1);
  }

  @Test
  void evict() {
    Cache cache = cm.getCache("testCache");
    Long minusOne = Long.valueOf(-1_000L);
    cache.putIfAbsent("o1", minusOne);
    Object r1 = service.cache("o1");
    assertThat(r1).isSameAs(minusOne);
    service.evict("o1", null);
    assertThat(cache.get("o1")).isNull();
    assertThat(service.cache("o1")).isNotSameAs(r1);
  }

  @Test
  void evictWithExceptionKeepsTheEntry() {
    Object r1 = service.cache("o1");
    assertThatThrownBy(() -> service.evictWithException("o1"))
        .isInstanceOf(IllegalStateException.class);
    assertThat(service.cache("o1")).isSameAs(r1);
  }

  @Test
  void evictAll() {
    Object r1 = service.cache("o1");
    Object r2 = service.cache("o2");
    service.evictAll("any");
    assertThat(service.cache("o1")).isNotSameAs(r1);
    assertThat(service.cache("o2")).isNotSameAs(r2);
  }

  @Test
  void conditionalExpression() {
    assertThat(service.conditional(4)).isNotSameAs(service.conditional(4));
    Object r3 = service.conditional(3);
    assertThat(service.conditional(3)).isSameAs(r3);
  }

  @Test
  void keyExpressionAndVarArgsKey() {
    Object r1 = service.key(5, 1);
    assertThat(service.key(5, 2)).isSameAs(r1);
    assertThat(service.key(1, 5)).isNotSameAs(r1);
    Object v1 = service.varArgsKey(1, 2, 3);
    assertThat(service.varArgsKey(1, 2, 3)).isSameAs(v1);
    assertThat(service.varArgsKey(1, 2)).isNotSameAs(v1);
  }

  @Test
  void nullArg() {
    Object r1 = service.cache(null);
    assertThat(service.cache(null)).isSameAs(r1);
  }

  @Test
  void cacheUpdate() {
    Cache cache = cm.getCache("testCache");
    Object r1 = service.update("o");
    assertThat(cache.get("o").get()).isSameAs(r1);
    Object r2 = service.update("o");
    assertThat(r2).isNotSameAs(r1);
    assertThat(cache.get("o").get()).isSameAs(r2);
  }

  @Test
  void multiCache() {
    Cache primary = cm.getCache("primary");
    Cache secondary = cm.getCache("secondary");
    Object r1 = service.multiCache("o1");
    assertThat(primary.get("o1").get()).isSameAs(r1);
    assertThat(secondary.get("o1").get()).isSameAs(r1);
    assertThat(service.multiCache("o1")).isSameAs(r1);
  }

  @Test
  void putRefersToResultKeepsTheMutableEntityItself() {
    Entity entity = new Entity(42);
    assertThat(service.putRefersToResult(entity)).isSameAs(entity);
    Object kept = cm.getCache("primary").get(42L).get();
    assertThat(kept).isSameAs(entity);
    assertThat(((Entity) kept).name()).isEqualTo("saved");
  }
}
