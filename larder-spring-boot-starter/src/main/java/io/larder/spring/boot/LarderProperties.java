package io.larder.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code larder.*} properties.
 *
 * <pre>
 * larder.url=redis://cache:6379/0?prefix=shop&amp;ttl=10m
 * larder.caches.books.ttl=1h
 * larder.caches.books.type=com.example.Book
 * larder.caches.reports.lease=30s
 * larder.defaults.cache-nulls=false
 * </pre>
 *
 * <p>A {@code larder.*} property that is not listed here (a typo, or
 * {@code larder.defaults.namespace}, which would make caches read each other's keys) stops
 * the application at startup, as an unknown option of a Larder URL is an error.
 */
@ConfigurationProperties(prefix = "larder", ignoreUnknownFields = false)
public class LarderProperties {
  /**
   * The URL of the Larder cache, such as mem:, sqlite:data/cache.db or
   * redis://host:6379/0?ttl=10m. Setting it turns the auto-configuration on.
   */
  private String url;

  /** Whether caches not listed under larder.caches are created on first use, with the defaults. */
  private boolean dynamic = true;

  /** Settings of every cache, unless larder.caches.NAME says otherwise. */
  private DefaultSettings defaults = new DefaultSettings();

  /** Settings by cache name. */
  private Map<String, CacheSettings> caches = new LinkedHashMap<>();

  /** Metrics, published when Micrometer and a MeterRegistry bean are present. */
  private Metrics metrics = new Metrics();

  /**
   * Returns the Larder URL.
   *
   * @return the URL, or {@code null} when not set
   */
  public String getUrl() {
    return url;
  }

  /**
   * Sets the Larder URL.
   *
   * @param url the URL
   */
  public void setUrl(String url) {
    this.url = url;
  }

  /**
   * Returns whether unknown cache names get a cache on first use.
   *
   * @return whether caches are created on demand
   */
  public boolean isDynamic() {
    return dynamic;
  }

  /**
   * Sets whether unknown cache names get a cache on first use.
   *
   * @param dynamic whether caches are created on demand
   */
  public void setDynamic(boolean dynamic) {
    this.dynamic = dynamic;
  }

  /**
   * Returns the settings every cache starts from.
   *
   * @return the default settings
   */
  public DefaultSettings getDefaults() {
    return defaults;
  }

  /**
   * Sets the settings every cache starts from.
   *
   * @param defaults the default settings
   */
  public void setDefaults(DefaultSettings defaults) {
    this.defaults = defaults;
  }

  /**
   * Returns the settings by cache name.
   *
   * @return the settings by name
   */
  public Map<String, CacheSettings> getCaches() {
    return caches;
  }

  /**
   * Sets the settings by cache name.
   *
   * @param caches the settings by name
   */
  public void setCaches(Map<String, CacheSettings> caches) {
    this.caches = caches;
  }

  /**
   * Returns the metrics settings.
   *
   * @return the metrics settings
   */
  public Metrics getMetrics() {
    return metrics;
  }

  /**
   * Sets the metrics settings.
   *
   * @param metrics the metrics settings
   */
  public void setMetrics(Metrics metrics) {
    this.metrics = metrics;
  }

  /** How values of a cache are written. */
  public enum CodecKind {
    /** Strings as UTF-8 text; other values only with allowed-classes (Java serialization). */
    DEFAULT,
    /** JSON of the class given by type (needs Jackson). */
    JSON,
    /** Strings as text, other values with Java serialization of the allowed-classes only. */
    SERIALIZED
  }

  /**
   * The settings every cache starts from ({@code larder.defaults.*}): those of
   * {@link CacheSettings} but the namespace, which no two caches may share.
   */
  public static class DefaultSettings {
    /** How long entries live, such as 10m or 1h; by default the ttl= of the URL (or forever). */
    private Duration ttl;

    /** Whether null results are cached (told apart from misses); true by default. */
    private Boolean cacheNulls;

    /** How values are written; by default JSON when type is set, else serialized when allowed-classes is set, else DEFAULT. */
    private CodecKind codec;

    /** The class of the cache's values, written as JSON, such as com.example.Book. */
    private Class<?> type;

    /** The classes Java serialization may read back in this cache, such as com.example.Book, java.util.ArrayList. */
    private List<Class<?>> allowedClasses = new ArrayList<>();

    /** A lease, such as 30s, so that @Cacheable(sync = true) computes a value once across all servers. */
    private Duration lease;

    /**
     * Returns the TTL.
     *
     * @return the TTL, or {@code null}
     */
    public Duration getTtl() {
      return ttl;
    }

    /**
     * Sets the TTL.
     *
     * @param ttl the TTL
     */
    public void setTtl(Duration ttl) {
      this.ttl = ttl;
    }

    /**
     * Returns whether nulls are cached.
     *
     * @return whether nulls are cached, or {@code null} when not set
     */
    public Boolean getCacheNulls() {
      return cacheNulls;
    }

    /**
     * Sets whether nulls are cached.
     *
     * @param cacheNulls whether nulls are cached
     */
    public void setCacheNulls(Boolean cacheNulls) {
      this.cacheNulls = cacheNulls;
    }

    /**
     * Returns the codec kind.
     *
     * @return the codec kind, or {@code null} when not set
     */
    public CodecKind getCodec() {
      return codec;
    }

    /**
     * Sets the codec kind.
     *
     * @param codec the codec kind
     */
    public void setCodec(CodecKind codec) {
      this.codec = codec;
    }

    /**
     * Returns the value class for JSON.
     *
     * @return the class, or {@code null}
     */
    public Class<?> getType() {
      return type;
    }

    /**
     * Sets the value class for JSON.
     *
     * @param type the class
     */
    public void setType(Class<?> type) {
      this.type = type;
    }

    /**
     * Returns the classes Java serialization may read.
     *
     * @return the classes
     */
    public List<Class<?>> getAllowedClasses() {
      return allowedClasses;
    }

    /**
     * Sets the classes Java serialization may read.
     *
     * @param allowedClasses the classes
     */
    public void setAllowedClasses(List<Class<?>> allowedClasses) {
      this.allowedClasses = allowedClasses;
    }

    /**
     * Returns the lease.
     *
     * @return the lease, or {@code null}
     */
    public Duration getLease() {
      return lease;
    }

    /**
     * Sets the lease.
     *
     * @param lease the lease
     */
    public void setLease(Duration lease) {
      this.lease = lease;
    }
  }

  /**
   * The settings of one cache ({@code larder.caches.NAME.*}); unset ones come from
   * larder.defaults, then Larder's defaults.
   */
  public static class CacheSettings extends DefaultSettings {
    /** The Larder namespace the cache's keys live in; by default the cache's name. */
    private String namespace;

    /**
     * Returns the namespace.
     *
     * @return the namespace, or {@code null}
     */
    public String getNamespace() {
      return namespace;
    }

    /**
     * Sets the namespace.
     *
     * @param namespace the namespace
     */
    public void setNamespace(String namespace) {
      this.namespace = namespace;
    }

    /**
     * The size of this cache's share of the near tier, such as 8MB: its hot values are kept in
     * process in front of the store (see docs/near-cache.md). The tier's size is the sum over
     * the caches that set it; caches without it read the store every time.
     */
    private org.springframework.util.unit.DataSize near;

    /**
     * Returns the near-tier size of this cache.
     *
     * @return the size, or {@code null} for no near tier
     */
    public org.springframework.util.unit.DataSize getNear() {
      return near;
    }

    /**
     * Sets the near-tier size of this cache.
     *
     * @param near the size
     */
    public void setNear(org.springframework.util.unit.DataSize near) {
      this.near = near;
    }
  }

  /** Metrics settings. */
  public static class Metrics {
    /** Whether each cache's counters are bound to the MeterRegistry. */
    private boolean enabled = true;

    /**
     * Returns whether metrics are bound.
     *
     * @return whether metrics are bound
     */
    public boolean isEnabled() {
      return enabled;
    }

    /**
     * Sets whether metrics are bound.
     *
     * @param enabled whether metrics are bound
     */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}
