package io.larder.spring.boot;

import io.larder.CacheConnectionException;
import io.larder.Larder;
import io.larder.micrometer.LarderMetrics;
import io.larder.spi.Store;
import io.larder.spi.StoreUrl;
import io.larder.spring.LarderCacheManager;
import io.larder.spring.boot.LarderProperties.CacheSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Creates a Larder {@link io.larder.Cache} from {@code larder.url} and a
 * {@link LarderCacheManager} over it, configured by the {@code larder.*} properties (see
 * {@link LarderProperties}); binds each cache's metrics when Micrometer is present.
 *
 * <p>Each bean backs off when the application defines its own: a {@code io.larder.Cache}
 * bean is used instead of opening {@code larder.url}, and any {@link CacheManager} bean
 * replaces the Larder one. {@link LarderCacheManagerCustomizer} beans adjust the manager.
 */
@AutoConfiguration(before = CacheAutoConfiguration.class)
@ConditionalOnClass({io.larder.Cache.class, LarderCacheManager.class, CacheManager.class})
@ConditionalOnProperty(prefix = "larder", name = "url")
@EnableConfigurationProperties(LarderProperties.class)
public class LarderAutoConfiguration {

  /** Creates the auto-configuration; Spring calls this. */
  public LarderAutoConfiguration() {}

  /**
   * Opens the Larder cache of {@code larder.url}; closed with the context.
   *
   * <p>A fail-open cache (the default) over a Redis server that cannot be reached does not stop
   * the application: the store connects in the background ({@code connect=background}),
   * calls read as misses until it does, and the {@code larder} health indicator reports it
   * DOWN. A fail-closed cache ({@code failOpen=false}) fails the start, explained by
   * {@link LarderFailureAnalyzer}.
   *
   * @param properties the {@code larder.*} properties
   * @return the cache
   * @throws IllegalArgumentException if the URL is malformed or its scheme has no store on
   *     the class path
   * @throws CacheConnectionException if the store cannot be reached and the cache fails
   *     closed, or its store cannot connect in the background
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(io.larder.Cache.class)
  public io.larder.Cache larderCache(LarderProperties properties,
      ObjectProvider<LarderStoreDecorator> decorators) {
    List<LarderStoreDecorator> all = decorators.orderedStream().toList();
    String url = properties.getUrl();
    try {
      return open(url, all, properties);
    } catch (CacheConnectionException e) {
      StoreUrl parsed = StoreUrl.parse(url);
      boolean failOpen = parsed.booleanOption("failOpen").orElse(true);
      if (!failOpen || !parsed.scheme().startsWith("redis") || parsed.option("connect").isPresent()) {
        throw e;
      }
      return open(url + (url.indexOf('?') < 0 ? "?" : "&") + "connect=background", all,
          properties);
    }
  }

  private static io.larder.Cache open(String url, List<LarderStoreDecorator> decorators,
      LarderProperties properties) {
    Larder.Builder builder = Larder.builder().url(url);
    nearTier(builder, properties);
    if (!decorators.isEmpty()) {
      builder.decorateStore(store -> {
        Store decorated = store;
        for (LarderStoreDecorator d : decorators) {
          decorated = d.decorate(decorated);
        }
        return decorated;
      });
    }
    return builder.build();
  }

  /**
   * Gives the caches with {@code larder.caches.NAME.near} a near tier: its size the sum of
   * theirs, holding only their namespaces.
   */
  private static void nearTier(Larder.Builder builder, LarderProperties properties) {
    long bytes = 0;
    List<String> namespaces = new java.util.ArrayList<>();
    for (Map.Entry<String, CacheSettings> e : properties.getCaches().entrySet()) {
      if (e.getValue().getNear() != null) {
        long size = e.getValue().getNear().toBytes();
        if (size <= 0) {
          throw new IllegalArgumentException("larder.caches." + e.getKey()
              + ".near must be a positive size, was " + e.getValue().getNear());
        }
        bytes += size;
        String ns = e.getValue().getNamespace();
        namespaces.add(ns != null ? ns : e.getKey());
      }
    }
    if (bytes > 0) {
      builder.near(bytes).nearNamespaces(namespaces.toArray(String[]::new));
    }
  }

  /** Reports the Larder store UP or DOWN to Actuator's health endpoint. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  static class HealthConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "larderHealthIndicator")
    LarderHealthIndicator larderHealthIndicator(io.larder.Cache larder) {
      return new LarderHealthIndicator(larder);
    }
  }

  /**
   * Creates the cache manager: the caches of {@code larder.caches.*}, the defaults of
   * {@code larder.defaults.*}, then the customizers.
   *
   * @param larder the Larder cache
   * @param properties the {@code larder.*} properties
   * @param customizers the customizer beans, in order
   * @param beans the bean factory, for the application's {@code ObjectMapper}
   * @return the manager
   * @throws IllegalArgumentException naming the property if cache settings conflict
   */
  @Bean
  @ConditionalOnMissingBean(CacheManager.class)
  public LarderCacheManager cacheManager(io.larder.Cache larder, LarderProperties properties,
      ObjectProvider<LarderCacheManagerCustomizer> customizers, BeanFactory beans) {
    CacheSettingsResolver resolver = new CacheSettingsResolver(properties.getDefaults(),
        JacksonCodecs.factory(beans));
    LarderCacheManager.Builder builder = LarderCacheManager.builder(larder)
        .defaults(resolver.defaults())
        .dynamic(properties.isDynamic());
    for (Map.Entry<String, CacheSettings> e : properties.getCaches().entrySet()) {
      builder.cache(e.getKey(), resolver.resolve("larder.caches." + e.getKey(), e.getValue()));
    }
    customizers.orderedStream().forEach(c -> c.customize(builder));
    return builder.build();
  }

  /** Binds every Larder cache's counters to the application's {@link MeterRegistry}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, LarderMetrics.class})
  @ConditionalOnBooleanProperty(name = "larder.metrics.enabled", matchIfMissing = true)
  static class MetricsConfiguration {

    /**
     * Times every store call of the Larder cache ({@code larder.store.operations}).
     *
     * @param registries the application's meter registry, if unique
     * @param properties the {@code larder.*} properties
     * @return the decorator
     */
    @Bean
    LarderStoreDecorator larderStoreTimers(ObjectProvider<MeterRegistry> registries,
        LarderProperties properties) {
      String store = properties.getUrl() == null ? "unknown"
          : StoreUrl.parse(properties.getUrl()).scheme();
      return s -> {
        MeterRegistry registry = registries.getIfUnique();
        return registry == null ? s : LarderMetrics.timed(s, registry, store);
      };
    }

    @Bean
    LarderCacheManagerCustomizer larderMetricsCustomizer(ObjectProvider<MeterRegistry> registries,
        LarderProperties properties) {
      String store = properties.getUrl() == null ? "unknown"
          : StoreUrl.parse(properties.getUrl()).scheme();
      return builder -> builder.onCacheCreated(cache -> {
        MeterRegistry registry = registries.getIfUnique();
        if (registry != null) {
          LarderMetrics.bind(cache.getNativeCache(), registry, cache.getName(), store);
        }
      });
    }
  }
}
