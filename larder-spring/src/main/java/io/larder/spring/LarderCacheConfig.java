package io.larder.spring;

import io.larder.Codec;
import io.larder.spi.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of one Spring cache: TTL, namespace, whether {@code null} is cached, codec and
 * lease. Immutable; each method returns a new instance.
 *
 * <pre>{@code
 * LarderCacheConfig books = LarderCacheConfig.defaults()
 *     .ttl(Duration.ofMinutes(10))
 *     .codec(JsonCodec.of(Book.class))      // larder-jackson
 *     .lease(Duration.ofSeconds(30));        // sync = true computes once across all servers
 * }</pre>
 *
 * <p>Defaults: the TTL of the Larder cache ({@code ttl=} in its URL; forever when not set);
 * the namespace named as the Spring cache; {@code null} results cached (as Spring's own caches
 * do), told apart from misses; strings stored as UTF-8 text and other values refused until a
 * codec is given or their classes are allow-listed with {@link #serialized(Class[])}; no
 * lease (one computation per key per JVM).
 */
public final class LarderCacheConfig {
  private static final LarderCacheConfig DEFAULTS =
      new LarderCacheConfig(null, null, true, new DefaultCodec(), true, null);

  private final Duration ttl;
  private final String namespace;
  private final boolean cacheNulls;
  private final Codec<?> codec;
  private final boolean defaultCodec;
  private final Duration lease;

  private LarderCacheConfig(Duration ttl, String namespace, boolean cacheNulls, Codec<?> codec,
      boolean defaultCodec, Duration lease) {
    this.ttl = ttl;
    this.namespace = namespace;
    this.cacheNulls = cacheNulls;
    this.codec = codec;
    this.defaultCodec = defaultCodec;
    this.lease = lease;
  }

  /**
   * Returns the default settings.
   *
   * @return the defaults
   */
  public static LarderCacheConfig defaults() {
    return DEFAULTS;
  }

  /**
   * Sets how long entries live.
   *
   * @param ttl a positive duration; {@link io.larder.Cache#FOREVER} for no expiry
   * @return new settings
   * @throws NullPointerException if {@code ttl} is null
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   */
  public LarderCacheConfig ttl(Duration ttl) {
    return new LarderCacheConfig(Durations.requirePositive(ttl, "ttl"), namespace, cacheNulls,
        codec, defaultCodec, lease);
  }

  /**
   * Sets the Larder namespace the cache's keys live in, instead of the cache's name; renaming
   * it (say {@code books-v2}) abandons every entry written under the old name.
   *
   * @param namespace a non-empty name
   * @return new settings
   * @throws NullPointerException if {@code namespace} is null
   * @throws IllegalArgumentException if {@code namespace} is empty
   */
  public LarderCacheConfig namespace(String namespace) {
    Objects.requireNonNull(namespace, "namespace");
    if (namespace.isEmpty()) {
      throw new IllegalArgumentException("namespace must not be empty");
    }
    return new LarderCacheConfig(ttl, namespace, cacheNulls, codec, defaultCodec, lease);
  }

  /**
   * Sets whether {@code null} values are cached (and told apart from misses). When not,
   * {@code put(key, null)} throws as Spring's caches do, and a loader's {@code null} result
   * is returned without being cached.
   *
   * @param cacheNulls whether to cache {@code null}
   * @return new settings
   */
  public LarderCacheConfig cacheNulls(boolean cacheNulls) {
    return new LarderCacheConfig(ttl, namespace, cacheNulls, codec, defaultCodec, lease);
  }

  /**
   * Sets the codec of the cache's values, for example {@code JsonCodec.of(Book.class)}. Every
   * value put in the cache must be one the codec writes.
   *
   * @param codec the codec
   * @return new settings
   * @throws NullPointerException if {@code codec} is null
   */
  public LarderCacheConfig codec(Codec<?> codec) {
    return new LarderCacheConfig(ttl, namespace, cacheNulls, Objects.requireNonNull(codec, "codec"),
        false, lease);
  }

  /**
   * Stores values that are not strings with Java serialization, reading back only these
   * classes (and strings, boxed primitives and arrays of them); see {@link Codec#serialized}.
   * Strings stay UTF-8 text.
   *
   * @param allowed the classes that may appear in values, including those inside them (field
   *     types, collection classes such as {@code java.util.ArrayList})
   * @return new settings
   * @throws NullPointerException if a class is null
   * @throws IllegalArgumentException if a class is not {@link java.io.Serializable}
   */
  public LarderCacheConfig serialized(Class<?>... allowed) {
    Objects.requireNonNull(allowed, "allowed");
    return new LarderCacheConfig(ttl, namespace, cacheNulls, new DefaultCodec(allowed), false,
        lease);
  }

  /**
   * Makes {@code get(key, loader)} ({@code @Cacheable(sync = true)}) compute a missing value
   * once across all servers sharing the store, not once per JVM: see
   * {@link io.larder.Freshness#lease(Duration)}.
   *
   * @param lease how long one computation may hold the lease; positive
   * @return new settings
   * @throws NullPointerException if {@code lease} is null
   * @throws IllegalArgumentException if {@code lease} is zero or negative
   */
  public LarderCacheConfig lease(Duration lease) {
    return new LarderCacheConfig(ttl, namespace, cacheNulls, codec, defaultCodec,
        Durations.requirePositive(lease, "lease"));
  }

  /**
   * Returns the TTL, if set.
   *
   * @return the TTL, or empty for the Larder cache's default
   */
  public Optional<Duration> ttl() {
    return Optional.ofNullable(ttl);
  }

  /**
   * Returns the namespace, if set.
   *
   * @return the namespace, or empty for the cache's name
   */
  public Optional<String> namespace() {
    return Optional.ofNullable(namespace);
  }

  /**
   * Returns whether {@code null} values are cached.
   *
   * @return whether nulls are cached
   */
  public boolean cacheNulls() {
    return cacheNulls;
  }

  /**
   * Returns the codec.
   *
   * @return the codec
   */
  public Codec<?> codec() {
    return codec;
  }

  /**
   * Returns the lease, if set.
   *
   * @return the lease, or empty for one computation per JVM
   */
  public Optional<Duration> lease() {
    return Optional.ofNullable(lease);
  }

  /** Whether the codec is the default one, whose errors deserve a hint. */
  boolean hasDefaultCodec() {
    return defaultCodec;
  }


  @Override
  public String toString() {
    return "LarderCacheConfig[ttl=" + (ttl == null ? "default" : ttl) + ", namespace="
        + (namespace == null ? "the cache's name" : namespace) + ", cacheNulls=" + cacheNulls
        + ", codec=" + codec + ", lease=" + (lease == null ? "none" : lease) + "]";
  }
}
