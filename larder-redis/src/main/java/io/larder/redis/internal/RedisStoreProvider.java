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
    background(url);
    RedisConfig.parse(url);
  }

  /**
   * Connects to the server or cluster a URL names. Expiry runs on the server's clock, so
   * {@code clock} is not used. With {@code connect=background} in the URL, a server that
   * cannot be reached yet is not an error: the store's calls fail with a
   * {@link io.larder.CacheConnectionException} until a background attempt (once a second)
   * connects.
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
    boolean background = background(url);
    RedisConfig config = RedisConfig.parse(url);
    if (background) {
      return BackgroundConnect.open(() -> RedisStore.open(config), url.redacted());
    }
    return RedisStore.open(config);
  }

  /** Reads {@code connect}: {@code now} (the default) or {@code background}. */
  private static boolean background(StoreUrl url) {
    String connect = url.option("connect").orElse("now");
    if (!connect.equals("now") && !connect.equals("background")) {
      throw new IllegalArgumentException("option 'connect' must be 'now' or 'background', was '"
          + connect + "' in '" + url.redacted() + "'");
    }
    return connect.equals("background");
  }
}
