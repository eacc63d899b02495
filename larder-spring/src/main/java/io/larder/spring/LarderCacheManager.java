package io.larder.spring;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import org.springframework.cache.CacheManager;

/**
 * A Spring {@link CacheManager} whose caches are namespaces of one Larder
 * {@link io.larder.Cache}.
 *
 * <pre>{@code
 * @Configuration
 * @EnableCaching
 * class CacheConfig {
 *   @Bean(destroyMethod = "close")
 *   io.larder.Cache larder() {
 *     return Larder.open("redis://cache:6379/0?prefix=shop");
 *   }
 *
 *   @Bean
 *   LarderCacheManager cacheManager(io.larder.Cache larder) {
 *     return LarderCacheManager.builder(larder)
 *         .defaults(LarderCacheConfig.defaults().ttl(Duration.ofMinutes(10)))
 *         .cache("books", LarderCacheConfig.defaults().codec(JsonCodec.of(Book.class)))
 *         .build();
 *   }
 * }
 * }</pre>
 *
 * <p>The cache named {@code books} keeps its entries in the Larder namespace {@code books}
 * (see {@link LarderCacheConfig#namespace(String)}). Names not configured get a cache with
 * the default settings on first use, unless {@link Builder#dynamic(boolean) dynamic(false)}.
 *
 * <p>The manager borrows the Larder cache: {@link #close()} does not close it. Thread-safe.
 */
public final class LarderCacheManager implements CacheManager, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(LarderCacheManager.class.getName());

  private final io.larder.Cache larder;
  private final LarderCacheConfig defaults;
  private final boolean dynamic;
  private final List<Consumer<? super LarderCache>> listeners;
  private final ConcurrentMap<String, LarderCache> caches = new ConcurrentHashMap<>();

  private LarderCacheManager(Builder b) {
    this.larder = b.larder;
    this.defaults = b.defaults != null ? b.defaults : LarderCacheConfig.defaults();
    this.dynamic = b.dynamic == null || b.dynamic;
    this.listeners = List.copyOf(b.listeners);
    for (Map.Entry<String, LarderCacheConfig> e : b.caches.entrySet()) {
      caches.put(e.getKey(), create(e.getKey(), e.getValue()));
    }
    caches.values().forEach(this::created);
  }

  /**
   * Returns a manager with the default settings for every cache, creating caches on demand.
   *
   * @param larder the Larder cache whose namespaces hold the Spring caches; borrowed
   * @return the manager
   * @throws NullPointerException if {@code larder} is null
   */
  public static LarderCacheManager create(io.larder.Cache larder) {
    return builder(larder).build();
  }

  /**
   * Returns a builder of a manager over a Larder cache.
   *
   * @param larder the Larder cache whose namespaces hold the Spring caches; borrowed
   * @return the builder
   * @throws NullPointerException if {@code larder} is null
   */
  public static Builder builder(io.larder.Cache larder) {
    return new Builder(Objects.requireNonNull(larder, "larder"));
  }

  private LarderCache create(String name, LarderCacheConfig config) {
    return new LarderCache(name, larder, config);
  }

  private void created(LarderCache cache) {
    for (Consumer<? super LarderCache> listener : listeners) {
      try {
        listener.accept(cache);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, () -> "a cache-created listener failed for cache '"
            + cache.getName() + "'", e);
      }
    }
  }

  /**
   * Returns the cache of this name: a configured one, or when the manager is dynamic a new
   * one with the default settings.
   *
   * @param name the cache name
   * @return the cache, or {@code null} if the name is not configured and the manager is not
   *     dynamic
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is empty
   */
  @Override
  public LarderCache getCache(String name) {
    Objects.requireNonNull(name, "name");
    LarderCache cache = caches.get(name);
    if (cache != null || !dynamic) {
      return cache;
    }
    if (name.isEmpty()) {
      throw new IllegalArgumentException("cache name must not be empty");
    }
    LarderCache fresh = create(name, defaults);
    LarderCache raced = caches.putIfAbsent(name, fresh);
    if (raced != null) {
      return raced;
    }
    created(fresh);
    return fresh;
  }

  /**
   * Returns the names of the caches configured or created so far.
   *
   * @return the names, a snapshot
   */
  @Override
  public Collection<String> getCacheNames() {
    return Collections.unmodifiableList(new ArrayList<>(caches.keySet()));
  }

  /**
   * Returns the Larder cache whose namespaces hold this manager's caches.
   *
   * @return the Larder cache
   */
  public io.larder.Cache getLarder() {
    return larder;
  }

  /**
   * Closes the manager. It holds nothing of its own: the Larder cache is borrowed and left
   * open, and {@code retrieve} runs on the Larder cache's executor
   * ({@link io.larder.Larder.Builder#asyncThreads(int)}). Idempotent.
   */
  @Override
  public void close() {
    // nothing to release: kept so that @Bean(destroyMethod = "close") and try-with-resources
    // keep working
  }

  @Override
  public String toString() {
    return "LarderCacheManager[" + larder + ", caches " + caches.keySet() + "]";
  }

  /**
   * Builds a {@link LarderCacheManager}. Each option may be set once, each cache name
   * configured once.
   */
  public static final class Builder {
    private final io.larder.Cache larder;
    private final Map<String, LarderCacheConfig> caches = new LinkedHashMap<>();
    private final List<Consumer<? super LarderCache>> listeners = new ArrayList<>();
    private LarderCacheConfig defaults;
    private Boolean dynamic;

    private Builder(io.larder.Cache larder) {
      this.larder = larder;
    }

    /**
     * Sets the settings of caches not configured by name.
     *
     * @param defaults the settings
     * @return this builder
     * @throws NullPointerException if {@code defaults} is null
     * @throws IllegalStateException if already set
     */
    public Builder defaults(LarderCacheConfig defaults) {
      if (this.defaults != null) {
        throw new IllegalStateException("defaults were already set");
      }
      this.defaults = Objects.requireNonNull(defaults, "defaults");
      return this;
    }

    /**
     * Configures a cache, created with the manager.
     *
     * @param name the cache name
     * @param config its settings
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is empty
     * @throws IllegalStateException if the name was already configured
     */
    public Builder cache(String name, LarderCacheConfig config) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(config, "config");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("cache name must not be empty");
      }
      if (caches.containsKey(name)) {
        throw new IllegalStateException("cache '" + name + "' was already configured");
      }
      caches.put(name, config);
      return this;
    }

    /**
     * Returns whether a cache name was configured, so that code adding caches (a Spring Boot
     * customizer, say) can leave one alone.
     *
     * @param name the cache name
     * @return whether {@link #cache} was called with it
     */
    public boolean hasCache(String name) {
      return caches.containsKey(name);
    }

    /**
     * Chooses whether names not configured get a cache with the default settings on first use
     * ({@code true}, the default) or no cache ({@code false}: Spring then reports the unknown
     * name).
     *
     * @param dynamic whether to create caches on demand
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder dynamic(boolean dynamic) {
      if (this.dynamic != null) {
        throw new IllegalStateException("dynamic was already set");
      }
      this.dynamic = dynamic;
      return this;
    }

    /**
     * Adds a listener told of every cache the manager creates, configured ones when the
     * manager is built and others on first use (to bind metrics, say). A listener that throws
     * is logged and does not stop the cache.
     *
     * @param listener the listener
     * @return this builder
     * @throws NullPointerException if {@code listener} is null
     */
    public Builder onCacheCreated(Consumer<? super LarderCache> listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Builds the manager, creating the configured caches.
     *
     * @return the manager
     */
    public LarderCacheManager build() {
      return new LarderCacheManager(this);
    }
  }
}
