package io.larder.memcached.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.Hashing;
import io.larder.Stores;
import io.larder.memcached.MemcachedStore;
import io.larder.spi.Store;
import io.larder.spi.StoreUrl;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Opens a pool of memcached servers as one {@link Stores#sharded()} store, each server named
 * exactly as the URL writes it, so that the ring matches other clients' (see
 * {@code docs/sharding.md}). Not public API.
 *
 * <p>The servers' connections share a few event-loop threads (one per two cores, at most one
 * per server), so that a bulk call over the pool wakes as few threads as it can.
 *
 * <p>Options: {@code hashing} ({@code ketama_weighted}, the default, or {@code ketama}),
 * {@code weights} (one positive integer per server, in URL order), {@code failureThreshold}
 * and {@code retryInterval}.
 */
final class Pools {
  private static final System.Logger LOG = System.getLogger(Pools.class.getName());

  private Pools() {}

  static Store open(StoreUrl url, List<MemcachedUrl.Server> servers,
      MemcachedStoreProvider.Settings settings) {
    Stores.ShardedBuilder sharded = Stores.sharded();
    url.option("hashing").ifPresent(h -> sharded.hashing(hashing(h, url)));
    int[] weights = weights(url, servers.size());
    url.option("failureThreshold").ifPresent(t -> sharded.failureThreshold(integer(
        "failureThreshold", t, url)));
    url.durationOption("retryInterval").ifPresent(sharded::retryInterval);

    // one event-loop thread per two cores at most, shared by the servers' connections
    int threads = Math.max(1, Math.min(servers.size(),
        Runtime.getRuntime().availableProcessors() / 2));
    EventLoops loops = EventLoops.create("larder-memcached-pool", threads);
    List<MemcachedStore> stores;
    try {
      stores = EventLoops.sharing(loops, () -> MemcachedStoreProvider.openAll(servers, settings));
    } finally {
      loops.release(); // each store holds the loops until it closes
    }
    try {
      // the connections were started together; wait for each first attempt in turn
      List<String> failures = new ArrayList<>();
      for (MemcachedStore s : stores) {
        CacheException failure = ((DefaultMemcachedStore) s).awaitFirstAttempt();
        if (failure != null) {
          failures.add(failure.getMessage());
        }
      }
      if (failures.size() == stores.size()) {
        throw new CacheConnectionException("no server of " + url.redacted()
            + " can be reached: " + failures);
      }
      if (!failures.isEmpty()) {
        LOG.log(Level.WARNING, () -> "memcached pool " + url.redacted() + " opens without "
            + failures.size() + " of its servers, which will join when they answer: " + failures);
      }
      for (int i = 0; i < servers.size(); i++) {
        sharded.server(servers.get(i).name(), weights[i], stores.get(i));
      }
      return sharded.build();
    } catch (RuntimeException e) {
      stores.forEach(MemcachedStore::close);
      throw e;
    }
  }

  private static Hashing hashing(String text, StoreUrl url) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "ketama" -> Hashing.KETAMA;
      case "ketama_weighted", "ketama-weighted" -> Hashing.KETAMA_WEIGHTED;
      default -> throw new IllegalArgumentException("option 'hashing' must be ketama_weighted "
          + "(the default) or ketama, was '" + text + "' in '" + url.redacted() + "'");
    };
  }

  private static int[] weights(StoreUrl url, int servers) {
    int[] weights = new int[servers];
    java.util.Arrays.fill(weights, 1);
    String text = url.option("weights").orElse(null);
    if (text == null) {
      return weights;
    }
    String[] parts = text.split(",", -1);
    if (parts.length != servers) {
      throw new IllegalArgumentException("option 'weights' needs one weight per server ("
          + servers + "), was '" + text + "' in '" + url.redacted() + "'");
    }
    for (int i = 0; i < servers; i++) {
      weights[i] = integer("weights", parts[i].trim(), url);
    }
    return weights;
  }

  private static int integer(String option, String text, StoreUrl url) {
    try {
      int n = Integer.parseInt(text);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("option '" + option + "' needs positive integers, was '"
        + text + "' in '" + url.redacted() + "'");
  }
}
