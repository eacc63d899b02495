package io.larder.redis;

import io.larder.spi.AsyncStore;
import io.larder.spi.Store;
import java.util.List;

/**
 * A {@link Store} in Redis (one server, or a Redis Cluster), with the check that
 * {@code larder check} runs on the server's settings.
 *
 * <p>Obtain one with {@link RedisStores#open(String)}, or let {@code Larder.open("redis://…")}
 * open it. It holds one connection per server, shared by all threads; every call is bounded by
 * the URL's {@code timeout} (reads) or {@code writeTimeout} (writes) and fails with a
 * {@link io.larder.CacheTimeoutException} or {@link io.larder.CacheConnectionException} rather
 * than wait; the connection comes back by itself when the server does.
 *
 * <p>Every call also has a non-blocking form ({@link AsyncStore}): the same commands, with the
 * same timeouts counted from the call, answered on Lettuce's I/O threads.
 */
public interface RedisCacheStore extends AsyncStore {

  /**
   * Checks the server's settings for what hurts a cache, without changing anything:
   * {@code maxmemory} 0, a {@code maxmemory-policy} of {@code noeviction} (or a
   * {@code volatile-*} one), {@code appendfsync always}, and in a cluster, hash slots that no
   * node serves. Where {@code CONFIG GET} is denied, the settings that {@code INFO} shows are
   * checked and the others named as unchecked.
   *
   * <pre>{@code
   * try (RedisCacheStore store = RedisStores.open("redis://cache:6379/0")) {
   *   store.diagnose().forEach(w -> System.out.println("warning: " + w));
   * }
   * }</pre>
   *
   * @return one sentence per problem, empty if none was found
   * @throws io.larder.CacheException if a server cannot be reached or answers with an error
   */
  @Override
  List<String> diagnose();
}
