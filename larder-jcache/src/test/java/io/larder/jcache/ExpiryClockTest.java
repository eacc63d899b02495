package io.larder.jcache;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.ManualClock;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import javax.cache.configuration.FactoryBuilder;
import javax.cache.configuration.MutableCacheEntryListenerConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.CacheEntryExpiredListener;
import javax.cache.expiry.AccessedExpiryPolicy;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Expiry policies against an injected clock: no sleeping, exact boundaries. */
class ExpiryClockTest {
  private final ManualClock clock = new ManualClock();
  private final LarderCacheManager manager = new LarderCacheManager(new LarderCachingProvider(),
      URI.create("larder:expiry-test"), getClass().getClassLoader(), new Properties(), "mem:", "",
      clock);

  @AfterEach
  void close() {
    manager.close();
  }

  /** Collects expiry events synchronously. */
  public static final class Expired implements CacheEntryExpiredListener<String, String>,
      java.io.Serializable {
    static final List<String> KEYS = new ArrayList<>();

    @Override
    public void onExpired(Iterable<CacheEntryEvent<? extends String, ? extends String>> events) {
      for (CacheEntryEvent<? extends String, ? extends String> e : events) {
        KEYS.add(e.getKey() + "=" + e.getOldValue());
      }
    }
  }

  @Test
  void anEntryLivesExactlyItsCreationDuration_andItsExpiryIsReportedOnce() {
    Expired.KEYS.clear();
    Cache<String, String> cache = manager.createCache("created", new MutableConfiguration<String, String>()
        .setTypes(String.class, String.class)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.SECONDS, 10)))
        .addCacheEntryListenerConfiguration(new MutableCacheEntryListenerConfiguration<>(
            FactoryBuilder.factoryOf(Expired.class), null, true, true)));
    cache.put("k", "v");
    clock.advance(java.time.Duration.ofMillis(9_999));
    assertThat(cache.get("k")).isEqualTo("v");
    clock.advance(java.time.Duration.ofMillis(1));
    assertThat(cache.get("k")).isNull();
    assertThat(cache.containsKey("k")).isFalse();
    assertThat(Expired.KEYS).containsExactly("k=v");
  }

  @Test
  void anAccessExtendsTheLifeOfAnEntry() {
    Cache<String, String> cache = manager.createCache("accessed", new MutableConfiguration<String, String>()
        .setExpiryPolicyFactory(AccessedExpiryPolicy.factoryOf(new Duration(TimeUnit.SECONDS, 10))));
    cache.put("k", "v");
    for (int i = 0; i < 5; i++) {
      clock.advance(java.time.Duration.ofSeconds(9));
      assertThat(cache.get("k")).as("read %d", i).isEqualTo("v");
    }
    clock.advance(java.time.Duration.ofSeconds(10));
    assertThat(cache.get("k")).isNull();
  }

  @Test
  void aZeroCreationDurationStoresNothing() {
    Cache<String, String> cache = manager.createCache("zero", new MutableConfiguration<String, String>()
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(Duration.ZERO)));
    cache.put("k", "v");
    assertThat(cache.containsKey("k")).isFalse();
    assertThat(cache.unwrap(io.larder.Cache.class).exists("sk")).isFalse();
  }
}
