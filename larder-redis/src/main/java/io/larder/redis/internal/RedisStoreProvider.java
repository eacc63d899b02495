package io.larder.redis.internal;

import io.larder.redis.RedisCacheStore;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Set;

/**
 * Opens {@code redis:}, {@code rediss:} and {@code redis-cluster:} URLs; found by
 * {@link java.util.ServiceLoader}. Not public API: use {@code Larder.open} or
 * {@link io.larder.redis.RedisStores}.
 */
public final class RedisStoreProvider implements StoreProvider {

  /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
  public RedisStoreProvider() {}

  /**
   * Returns the schemes this provider opens.
   *
   * @return {@code redis}, {@code rediss} and {@code redis-cluster}
   */
  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss", "redis-cluster");
  }

  /**
   * Reads and checks every option of a Redis URL without connecting, so that options nobody
   * read can be reported before a connection is made.
   *
   * @param url a Redis URL
   * @throws NullPointerException if {@code url} is null
   * @throws IllegalArgumentException if the URL or an option is malformed
   */
  public void checkUrl(StoreUrl url) {
    RedisConfig.parse(url);
  }

  /**
   * Connects to the server or cluster a URL names. Expiry runs on the server's clock, so
   * {@code clock} is not used.
   *
   * @param url a Redis URL
   * @param clock ignored
   * @return the open store
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the URL or an option is malformed
   * @throws io.larder.CacheConnectionException if the server cannot be reached, refuses the
   *     credentials or the TLS handshake fails
   */
  @Override
  public RedisCacheStore open(StoreUrl url, InstantSource clock) {
    Objects.requireNonNull(clock, "clock");
    return RedisStore.open(RedisConfig.parse(url));
  }
}
