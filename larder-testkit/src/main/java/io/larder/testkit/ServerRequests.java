package io.larder.testkit;

import java.util.List;
import java.util.Objects;

/**
 * Reads what a store's server counted of the requests it served, and knows what a bulk
 * operation may cost there: the contract's "one round trip" checked at the server rather than
 * by the facade's own counter. A store's contract test supplies one through
 * {@link StoreContract#serverRequests()}:
 *
 * <pre>{@code
 * protected ServerRequests serverRequests() {
 *   return ServerRequests.redis(redis);
 * }
 * }</pre>
 *
 * <p>Implementations read the server's counters over a connection of their own, which the
 * counts they return leave out.
 */
public interface ServerRequests {
  /** A bulk operation whose cost at the server {@link #checkBulk} knows. */
  enum Bulk {
    /** {@code getMany} and everything that reads through it: preloads, tagged reads. */
    READ,
    /** {@code setMany}. */
    WRITE,
    /** {@code deleteMany}. */
    DELETE
  }

  /**
   * Reads the server's counters now (every node's or server's, added up).
   *
   * @return the counters
   * @throws IllegalStateException if a server cannot be reached or answers nonsense
   */
  RequestCounts read();

  /**
   * Asserts that what the server saw is one bulk request per server (per slot group in a
   * Redis Cluster) for {@code keys} distinct keys, and no request per key.
   *
   * @param op the operation
   * @param keys how many distinct keys it named
   * @param seen what the server counted while it ran: {@code after.minus(before)}
   * @throws AssertionError if the server saw anything else
   */
  void checkBulk(Bulk op, int keys, RequestCounts seen);

  /**
   * Asserts that the server saw no request touching data.
   *
   * @param seen what the server counted while the code ran
   * @throws AssertionError if the server saw a read or a write
   */
  void checkNone(RequestCounts seen);

  /**
   * Counts at one redis-server through {@code INFO commandstats} on its plain-text port (the
   * port a TLS-enabled test server also opens).
   *
   * @param server the server
   * @return the counter
   * @throws NullPointerException if {@code server} is null
   */
  static ServerRequests redis(TestServer server) {
    Objects.requireNonNull(server, "server");
    return new RedisRequests(List.of(server), true);
  }

  /**
   * Counts at every node of a Redis Cluster through {@code INFO commandstats}, added up. A bulk
   * operation may send one command per hash slot its keys fall in (one in all for keys of one
   * namespace under {@code hashTag=namespace}, but a tagged read also reads the tags'
   * generations from another slot), so the check is at most one command per key and never a
   * {@code GET}; the standalone check ({@link #redis}) is the exact one.
   *
   * @param nodes the cluster's nodes
   * @return the counter
   * @throws IllegalArgumentException if {@code nodes} is empty
   */
  static ServerRequests redisCluster(List<? extends TestServer> nodes) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("a cluster has nodes; got none");
    }
    return new RedisRequests(List.copyOf(nodes), false);
  }

  /**
   * Counts at memcached servers through the {@link MemcachedTap}s the store talks to (which
   * count meta commands, batches and quiet flags, as memcached does not) and each server's
   * own {@code stats}.
   *
   * @param taps one tap in front of each server of the pool
   * @return the counter
   * @throws IllegalArgumentException if {@code taps} is empty
   */
  static ServerRequests memcached(List<MemcachedTap> taps) {
    if (taps.isEmpty()) {
      throw new IllegalArgumentException("a memcached pool has servers; got no tap");
    }
    return new MemcachedRequests(List.copyOf(taps));
  }

  /**
   * Counts at a Kyoto Tycoon server through {@code /rpc/report}'s {@code cnt_*} fields.
   *
   * @param host the server's host, a loopback address
   * @param port its HTTP port
   * @return the counter
   * @throws NullPointerException if {@code host} is null
   */
  static ServerRequests kyotoTycoon(String host, int port) {
    return new KyotoTycoonRequests(Objects.requireNonNull(host, "host"), port);
  }
}
