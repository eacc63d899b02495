package io.larder.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.RedisServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.Caching;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryCreatedListener;
import javax.cache.event.CacheEntryEvent;
import javax.cache.spi.CachingProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two cache managers on one {@code redis-server}, each with its own Larder cache and connection
 * and its own lock per key, stand for two JVMs sharing the store: what is atomic between them,
 * and what each one's listeners hear.
 */
class SharedRedisIT {
  private static RedisServer redis;
  private CacheManager a;
  private CacheManager b;
  private Cache<String, Long> onA;
  private Cache<String, Long> onB;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.stop();
  }

  private CacheManager manager(String name) {
    Properties props = new Properties();
    props.setProperty(LarderCachingProvider.URL_PROPERTY, redis.url() + "?timeout=5s&writeTimeout=5s");
    CachingProvider provider = Caching.getCachingProvider(LarderCachingProvider.class.getName());
    return provider.getCacheManager(URI.create("larder:" + name), provider.getDefaultClassLoader(), props);
  }

  @BeforeEach
  void twoJvms() {
    a = manager("jvm-a");
    b = manager("jvm-b");
    MutableConfiguration<String, Long> config = new MutableConfiguration<String, Long>()
        .setTypes(String.class, Long.class);
    onA = a.createCache("counters", config);
    onB = b.createCache("counters", config);
  }

  @AfterEach
  void close() {
    a.destroyCache("counters");
    a.close();
    b.close();
  }

  @Test
  void entryProcessorsInTwoJvmsNeverLoseAnIncrement() throws Exception {
    int threadsPerJvm = 4;
    int incrementsPerThread = 50;
    ExecutorService pool = Executors.newFixedThreadPool(2 * threadsPerJvm);
    CyclicBarrier start = new CyclicBarrier(2 * threadsPerJvm);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < 2 * threadsPerJvm; t++) {
      Cache<String, Long> cache = t % 2 == 0 ? onA : onB;
      done.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < incrementsPerThread; i++) {
          cache.invoke("hits", (entry, args) -> {
            entry.setValue(entry.exists() ? entry.getValue() + 1 : 1L);
            return null;
          });
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(2, TimeUnit.MINUTES);
    }
    pool.shutdown();
    assertThat(onA.get("hits")).isEqualTo(2L * threadsPerJvm * incrementsPerThread);
    assertThat(onB.get("hits")).isEqualTo(2L * threadsPerJvm * incrementsPerThread);
  }

  @Test
  void putIfAbsentInTwoJvmsHasOneWinner() throws Exception {
    for (int round = 0; round < 20; round++) {
      String key = "lock:" + round;
      CyclicBarrier start = new CyclicBarrier(2);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      Future<Boolean> first = pool.submit(() -> {
        start.await();
        return onA.putIfAbsent(key, 1L);
      });
      Future<Boolean> second = pool.submit(() -> {
        start.await();
        return onB.putIfAbsent(key, 2L);
      });
      boolean aWon = first.get(1, TimeUnit.MINUTES);
      boolean bWon = second.get(1, TimeUnit.MINUTES);
      pool.shutdown();
      assertThat(aWon ^ bWon).as("round %d: exactly one putIfAbsent succeeds", round).isTrue();
      assertThat(onA.get(key)).isEqualTo(aWon ? 1L : 2L);
    }
  }

  @Test
  void aConditionalRemoveSeesTheOtherJvmsReplace() {
    onA.put("stock", 10L);
    assertThat(onB.replace("stock", 10L, 9L)).isTrue();
    assertThat(onA.remove("stock", 10L)).as("A's view of the value is stale").isFalse();
    assertThat(onA.remove("stock", 9L)).isTrue();
    assertThat(onB.containsKey("stock")).isFalse();
    assertThat(onB.putIfAbsent("stock", 5L)).as("a removed entry is absent for every JVM").isTrue();
  }

  /** Records the keys of created events. */
  public static final class Created implements CacheEntryCreatedListener<String, Long>,
      java.io.Serializable {
    static final List<String> KEYS = new CopyOnWriteArrayList<>();

    @Override
    public void onCreated(Iterable<CacheEntryEvent<? extends String, ? extends Long>> events) {
      events.forEach(e -> KEYS.add(e.getKey()));
    }
  }

  @Test
  void listenersHearTheirOwnJvmsWritesOnly() {
    Created.KEYS.clear();
    onA.registerCacheEntryListener(new MutableCacheEntryListenerConfiguration<>(
        FactoryBuilder.factoryOf(Created.class), null, false, true));
    onA.put("from-a", 1L);
    onB.put("from-b", 2L);
    assertThat(onA.get("from-b")).as("the value is shared").isEqualTo(2L);
    assertThat(Created.KEYS).containsExactly("from-a");
  }
}
