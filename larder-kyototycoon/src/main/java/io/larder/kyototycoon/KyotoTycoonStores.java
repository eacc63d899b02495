package io.larder.kyototycoon;

import io.larder.kyototycoon.internal.KtConfig;
import io.larder.kyototycoon.internal.KtStore;
import io.larder.spi.Durations;
import io.larder.spi.Store;
import java.time.Duration;
import java.util.Objects;

/**
 * Factories for Kyoto Tycoon stores.
 *
 * <pre>{@code
 * Store store = KyotoTycoonStores.builder("cache1", 1978)
 *     .db(0)
 *     .timeout(Duration.ofMillis(500))
 *     .build();
 * Cache cache = Larder.builder().store(store).build();   // the cache borrows the store
 * }</pre>
 *
 * <p>Most applications open a URL instead: {@code Larder.open("kt://cache1:1978?db=0")}; see
 * {@code docs/kyototycoon.md}.
 */
public final class KyotoTycoonStores {
  /** Kyoto Tycoon's default port: 1978. */
  public static final int DEFAULT_PORT = 1978;
  /** The highest port a Kyoto Tycoon server accepts: 32767. */
  public static final int MAX_PORT = 32_767;
  /**
   * How long a call waits for the server unless told otherwise: 2 s. Measured against a real
   * server on a 2-core machine under a load average of 22 to 30, the slowest single request of
   * the contract's 16-thread workloads took 1.15 s, so 1 s does not hold there; see
   * {@code docs/kyototycoon.md}.
   */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  private KyotoTycoonStores() {}

  /**
   * Connects to database 0 of a server with the default settings.
   *
   * @param host the server's host name or address
   * @param port its port, usually {@link #DEFAULT_PORT}
   * @return the connected store
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if the host is blank or the port is not 1 to 32767
   * @throws io.larder.CacheConnectionException if the server cannot be reached
   * @throws io.larder.CacheTimeoutException if it does not answer in time
   */
  public static Store open(String host, int port) {
    return builder(host, port).build();
  }

  /**
   * Returns a builder for a store on one server.
   *
   * @param host the server's host name or address
   * @param port its port, usually {@link #DEFAULT_PORT}
   * @return the builder
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if the host is blank or holds a space, or the port is
   *     not 1 to 32767
   */
  public static Builder builder(String host, int port) {
    return new Builder(host, port);
  }

  /**
   * Builds a store on one Kyoto Tycoon server. Each option may be set once; arguments are
   * checked at once.
   */
  public static final class Builder {
    private final String host;
    private final int port;
    private Integer db;
    private Duration timeout;
    private Boolean noReplyWrites;
    private Boolean merge;
    private Boolean direct;

    private Builder(String host, int port) {
      Objects.requireNonNull(host, "host");
      if (host.isBlank() || host.chars().anyMatch(c -> c <= ' ')) {
        throw new IllegalArgumentException(
            "host must be a host name or address, was '" + host + "'");
      }
      if (port < 1 || port > MAX_PORT) {
        throw new IllegalArgumentException("port must be 1 to " + MAX_PORT
            + " (Kyoto Tycoon refuses higher ports), was " + port);
      }
      this.host = host;
      this.port = port;
    }

    private static void once(Object current, String option) {
      if (current != null) {
        throw new IllegalStateException(option + " was already set");
      }
    }

    /**
     * Selects the database by its index on the server, in the order of the server's command
     * line; {@code 0} by default. The index is checked against the server's report when the
     * store opens, because the binary protocol silently drops records sent to a database
     * that does not exist.
     *
     * @param db the index, 0 to 65535
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     * @throws IllegalStateException if already set
     */
    public Builder db(int db) {
      once(this.db, "db");
      if (db < 0 || db > 0xFFFF) {
        throw new IllegalArgumentException("db must be 0 to 65535, was " + db);
      }
      this.db = db;
      return this;
    }

    /**
     * Sets how long a call waits for the server (connecting included) before failing with
     * {@link io.larder.CacheTimeoutException}; {@link #DEFAULT_TIMEOUT} by default.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if it is not positive
     * @throws IllegalStateException if already set
     */
    public Builder timeout(Duration timeout) {
      once(this.timeout, "timeout");
      this.timeout = Durations.requirePositive(timeout, "timeout");
      return this;
    }

    /**
     * Sends {@code set} and {@code setMany} with the binary protocol's no-reply flag: they
     * return once written to the connection, without waiting for the server; {@code false}
     * by default. The store still sees its own writes (a call that follows waits until the
     * server has taken them), but a write the server fails is not reported.
     *
     * @param noReplyWrites whether plain writes are fire-and-forget
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder noReplyWrites(boolean noReplyWrites) {
      once(this.noReplyWrites, "noReplyWrites");
      this.noReplyWrites = noReplyWrites;
      return this;
    }

    /**
     * Merges the single-key {@code get}s and {@code set}s that threads make at the same time
     * into one {@code get_bulk} and one {@code set_bulk} per round trip; {@code true} by
     * default. A call made while no other is in flight goes out at once; each caller gets its
     * own answer and keeps its own timeout. Switching it off sends each call as its own
     * request, for comparison.
     *
     * @param merge whether concurrent single-key calls are merged
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder merge(boolean merge) {
      once(this.merge, "merge");
      this.merge = merge;
      return this;
    }

    /**
     * Lets a blocking call made while no other call is in flight on the shared connection
     * write its request and read the reply on its own thread, over a second connection the
     * store keeps for one caller at a time; {@code true} by default. It saves the two thread
     * hand-offs of the shared connection; a call that finds it in use, or anything in flight,
     * goes the shared way. Asynchronous calls never use it.
     *
     * @param direct whether a lone blocking call uses a connection of its own
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder direct(boolean direct) {
      once(this.direct, "direct");
      this.direct = direct;
      return this;
    }

    /**
     * Connects and checks the database index against the server's report.
     *
     * @return the open store, owned by the caller; also an {@link io.larder.spi.AsyncStore}
     *     (see docs/kyototycoon.md, "Asynchronous calls")
     * @throws IllegalArgumentException if the server has no database with the chosen index
     * @throws io.larder.CacheConnectionException if the server cannot be reached
     * @throws io.larder.CacheTimeoutException if it does not answer in time
     * @throws io.larder.CacheException if it answers something other than Kyoto Tycoon would
     */
    public Store build() {
      return KtStore.open(new KtConfig(host, port, db == null ? 0 : db,
          timeout == null ? DEFAULT_TIMEOUT : timeout,
          noReplyWrites != null && noReplyWrites, merge == null || merge,
          direct == null || direct));
    }
  }
}
