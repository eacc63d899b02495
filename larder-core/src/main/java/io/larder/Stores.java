package io.larder;

import io.larder.spi.Durations;
import io.larder.internal.MemoryStore;
import io.larder.internal.MemoryStoreProvider;
import io.larder.internal.sharding.ShardedStore;
import io.larder.spi.Store;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Factories for the stores built into {@code larder-core}. Store modules have their own
 * (for example {@code io.larder.jdbc.SqliteStores}).
 *
 * <pre>{@code
 * Store store = Stores.memoryBuilder().maxBytes(16 << 20).build();
 * Cache cache = Larder.builder().store(store).build();   // the cache borrows the store
 * }</pre>
 */
public final class Stores {
  private Stores() {}

  /**
   * Returns a new in-process store bounded to 64 MiB.
   *
   * @return the store
   */
  public static Store memory() {
    return memoryBuilder().build();
  }

  /**
   * Returns a builder for an in-process store.
   *
   * @return the builder
   */
  public static MemoryBuilder memoryBuilder() {
    return new MemoryBuilder();
  }

  /**
   * Returns a builder for a store that spreads keys over several stores with a Ketama
   * consistent-hash ring, placing each key on the server libmemcached 1.1.4 would choose for
   * it, and ejecting servers that keep failing until they answer again.
   *
   * <pre>{@code
   * Store store = Stores.sharded()
   *     .server("cache1:11211", Stores.memory())
   *     .server("cache2:11211", 2, Stores.memory())   // twice the keys
   *     .failureThreshold(3)
   *     .retryInterval(Duration.ofSeconds(1))
   *     .build();
   * }</pre>
   *
   * @return the builder
   */
  public static ShardedBuilder sharded() {
    return new ShardedBuilder();
  }

  /**
   * Builds an in-process store (Caffeine): bounded by the total bytes of keys and values,
   * evicting the least valuable entries first (Caffeine's W-TinyLFU), each entry expiring by
   * its own TTL.
   */
  public static final class MemoryBuilder {
    private long maxBytes = MemoryStoreProvider.DEFAULT_MAX_BYTES;
    private InstantSource clock;
    private boolean maxBytesSet;

    private MemoryBuilder() {}

    /**
     * Bounds the bytes held (keys, values, and about 96 bytes per entry); 64 MiB by default.
     *
     * @param maxBytes a positive number of bytes
     * @return this builder
     * @throws IllegalArgumentException if {@code maxBytes} is not positive
     * @throws IllegalStateException if already set
     */
    public MemoryBuilder maxBytes(long maxBytes) {
      if (maxBytesSet) {
        throw new IllegalStateException("maxBytes was already set");
      }
      if (maxBytes < 1) {
        throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
      }
      this.maxBytes = maxBytes;
      maxBytesSet = true;
      return this;
    }

    /**
     * Sets the time source for expiry; tests pass a manual clock. By default the system's
     * monotonic clock.
     *
     * @param clock the time source
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     * @throws IllegalStateException if already set
     */
    public MemoryBuilder clock(InstantSource clock) {
      if (this.clock != null) {
        throw new IllegalStateException("clock was already set");
      }
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Creates the store.
     *
     * @return the store
     */
    public Store build() {
      return new MemoryStore(maxBytes, clock);
    }
  }

  /**
   * Builds a sharded store: a Ketama ring over named servers, each a {@link Store}, with
   * failover. See {@code docs/sharding.md}.
   *
   * <p>The built store <em>owns</em> the servers' stores: closing it closes them. If
   * {@link #build()} throws, nothing was taken and the caller still owns them.
   */
  public static final class ShardedBuilder {
    /** Consecutive failures that eject a server by default. */
    public static final int DEFAULT_FAILURE_THRESHOLD = 3;
    /** How often an ejected server is probed by default. */
    public static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(1);

    private final List<ShardedStore.Server> servers = new ArrayList<>();
    private final Map<String, String> endpoints = new HashMap<>();
    private final Map<Store, String> stores = new IdentityHashMap<>();
    private Hashing hashing;
    private int failureThreshold;
    private Duration retryInterval;

    private ShardedBuilder() {}

    /**
     * Adds a server of weight 1.
     *
     * @param name the name other clients know the server by, {@code host:port} or {@code host}
     *     (meaning port 11211), exactly as they write it: it is hashed as written, never
     *     resolved; an IPv6 address goes in brackets, {@code [::1]:11211}
     * @param store the store holding the server's keys; the built store closes it
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code name} is malformed or names a server already
     *     added, or {@code store} was already added under another name
     */
    public ShardedBuilder server(String name, Store store) {
      return server(name, 1, store);
    }

    /**
     * Adds a server with a weight; servers are listed in the order other clients list them,
     * which breaks ties between equal ring points.
     *
     * @param name the name other clients know the server by; see {@link #server(String, Store)}
     * @param weight the server's share of keys relative to the others, at least 1
     * @param store the store holding the server's keys; the built store closes it
     * @return this builder
     * @throws NullPointerException if {@code name} or {@code store} is null
     * @throws IllegalArgumentException if {@code name} is malformed or names a server already
     *     added, {@code store} was already added, or {@code weight} is below 1
     */
    public ShardedBuilder server(String name, int weight, Store store) {
      ShardedStore.Server server = new ShardedStore.Server(name, weight, store);
      String before = endpoints.get(server.endpoint());
      if (before != null) {
        throw new IllegalArgumentException("server '" + name + "' was already added as '"
            + before + "' (both are " + server.endpoint() + ")");
      }
      String sameStore = stores.get(store);
      if (sameStore != null) {
        throw new IllegalArgumentException("server '" + name + "' was given the store already "
            + "given to server '" + sameStore + "'; each server needs its own store");
      }
      endpoints.put(server.endpoint(), name);
      stores.put(store, name);
      servers.add(server);
      return this;
    }

    /**
     * Sets how keys are placed; {@link Hashing#KETAMA_WEIGHTED} by default.
     *
     * @param hashing the libmemcached mode to match
     * @return this builder
     * @throws NullPointerException if {@code hashing} is null
     * @throws IllegalStateException if already set
     */
    public ShardedBuilder hashing(Hashing hashing) {
      if (this.hashing != null) {
        throw new IllegalStateException("hashing was already set");
      }
      this.hashing = Objects.requireNonNull(hashing, "hashing");
      return this;
    }

    /**
     * Sets how many consecutive failed calls (connection failures or timeouts) eject a server;
     * {@value #DEFAULT_FAILURE_THRESHOLD} by default.
     *
     * @param failures at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code failures} is below 1
     * @throws IllegalStateException if already set
     */
    public ShardedBuilder failureThreshold(int failures) {
      if (failureThreshold != 0) {
        throw new IllegalStateException("failureThreshold was already set");
      }
      if (failures < 1) {
        throw new IllegalArgumentException("failureThreshold must be at least 1, was " + failures);
      }
      this.failureThreshold = failures;
      return this;
    }

    /**
     * Sets how long an ejected server waits between probes; one second by default.
     *
     * @param interval a positive duration
     * @return this builder
     * @throws NullPointerException if {@code interval} is null
     * @throws IllegalArgumentException if {@code interval} is zero or negative
     * @throws IllegalStateException if already set
     */
    public ShardedBuilder retryInterval(Duration interval) {
      if (retryInterval != null) {
        throw new IllegalStateException("retryInterval was already set");
      }
      this.retryInterval = Durations.requirePositive(interval, "retryInterval");
      return this;
    }

    /**
     * Creates the store, which from now on owns the servers' stores.
     *
     * @return the store
     * @throws IllegalStateException if no server was added
     */
    public Store build() {
      if (servers.isEmpty()) {
        throw new IllegalStateException("a sharded store needs at least one server; add one "
            + "with server(name, store)");
      }
      return ShardedStore.create(hashing == null ? Hashing.KETAMA_WEIGHTED : hashing, servers,
          failureThreshold == 0 ? DEFAULT_FAILURE_THRESHOLD : failureThreshold,
          retryInterval == null ? DEFAULT_RETRY_INTERVAL : retryInterval);
    }
  }
}
