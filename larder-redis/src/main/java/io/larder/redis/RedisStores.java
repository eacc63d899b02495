package io.larder.redis;

import io.larder.redis.internal.RedisStoreProvider;
import io.larder.spi.StoreUrl;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Opens stores in Redis from URLs, and checks a server's settings.
 *
 * <pre>{@code
 * Cache cache = Larder.open("redis://cache:6379/0?prefix=shop&ttl=10m");     // the usual way
 * RedisCacheStore store = RedisStores.open("redis-cluster://h1:7000,h2:7001?timeout=100ms");
 * Cache borrowing = Larder.builder().store(store).build();                    // the cache borrows it
 * List<String> warnings = RedisStores.diagnose("redis://cache:6379/0");
 * }</pre>
 *
 * <p>URLs: {@code redis://[user:password@]host[:port][/db]}, {@code rediss://…} for TLS, and
 * {@code redis-cluster://[user:password@]host:port,host:port,…} for a Redis Cluster (the
 * nodes listed are only where to start). Options: {@code timeout} (reads, default
 * {@code 250ms}), {@code writeTimeout} ({@code 500ms}), {@code connectTimeout}
 * ({@code 2s}), {@code tlsCaFile}, {@code tlsCertFile}, {@code tlsKeyFile},
 * {@code tlsVerify} ({@code full}, {@code ca} or, for tests only, {@code none}),
 * {@code tls} (for {@code redis-cluster://}) and {@code hashTag} ({@code none} or
 * {@code namespace}). See {@code docs/redis.md}.
 */
public final class RedisStores {
  /** The options of {@code Larder.open} that a store URL opened here must not carry. */
  private static final Set<String> FACADE_OPTIONS = Set.of("prefix", "ttl", "compress", "failopen");

  private RedisStores() {}

  /**
   * Opens a store from a Redis URL; a wrong password or an unreachable server fails here,
   * not on the first call.
   *
   * @param url a {@code redis:}, {@code rediss:} or {@code redis-cluster:} URL
   * @return the open store, owned by the caller, who closes it
   * @throws NullPointerException if {@code url} is null
   * @throws IllegalArgumentException if the URL is malformed or has an option this store does
   *     not know (the cache's own options, such as {@code prefix}, belong to
   *     {@code Larder.open})
   * @throws io.larder.CacheConnectionException if the server cannot be reached, refuses the
   *     credentials or the TLS handshake fails
   */
  public static RedisCacheStore open(String url) {
    StoreUrl parsed = StoreUrl.parse(Objects.requireNonNull(url, "url"));
    RedisStoreProvider provider = new RedisStoreProvider();
    if (!provider.schemes().contains(parsed.scheme())) {
      throw new IllegalArgumentException("not a Redis URL: '" + parsed.redacted()
          + "' (expected redis://, rediss:// or redis-cluster://)");
    }
    provider.checkUrl(parsed);
    Set<String> unknown = parsed.unreadOptions();
    if (!unknown.isEmpty()) {
      boolean facade = unknown.stream().anyMatch(FACADE_OPTIONS::contains);
      throw new IllegalArgumentException("unknown option" + (unknown.size() > 1 ? "s " : " ")
          + unknown + " in '" + parsed.redacted() + "'"
          + (facade ? " (prefix, ttl, compress and failOpen are options of Larder.open)" : ""));
    }
    return provider.open(parsed, InstantSource.system());
  }

  /**
   * Connects to a Redis URL, checks the server's settings as
   * {@link RedisCacheStore#diagnose()} does, and disconnects. Options the store does not know
   * (such as the cache's {@code prefix}) are ignored, so any cache URL may be given.
   *
   * @param url a {@code redis:}, {@code rediss:} or {@code redis-cluster:} URL
   * @return one sentence per problem, empty if none was found
   * @throws NullPointerException if {@code url} is null
   * @throws IllegalArgumentException if the URL is malformed
   * @throws io.larder.CacheException if a server cannot be reached or answers with an error
   */
  public static List<String> diagnose(String url) {
    StoreUrl parsed = StoreUrl.parse(Objects.requireNonNull(url, "url"));
    RedisStoreProvider provider = new RedisStoreProvider();
    if (!provider.schemes().contains(parsed.scheme())) {
      throw new IllegalArgumentException("not a Redis URL: '" + parsed.redacted()
          + "' (expected redis://, rediss:// or redis-cluster://)");
    }
    try (RedisCacheStore store = provider.open(parsed, InstantSource.system())) {
      return store.diagnose();
    }
  }
}
