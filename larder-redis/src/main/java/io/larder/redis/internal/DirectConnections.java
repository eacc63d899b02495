package io.larder.redis.internal;

import io.larder.spi.HostPort;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The caller-thread connections to one server ({@link DirectConnection}), {@link #COUNT} of
 * them: small calls combine on the first, and bulk calls look for a free one.
 *
 * <p>Single-key calls ({@code get}, {@code set}, {@code delete}) always go to the first
 * connection, where concurrent callers combine into one write (their {@code GET}s one {@code
 * MGET}); spreading them over several connections makes smaller batches and costs more CPU per
 * call, for the client and for Redis. A bulk call, whose reply may be a hundred kilobytes, takes
 * the first connection that no thread holds, trying the others before the first (which it takes
 * only when nobody is queued there, so as not to lead the single-key calls' batch), and
 * combines with other callers only when every connection is busy, on the one with the shortest
 * queue, the first losing a tie.
 * So two bulk calls are in flight at once: one caller reads and copies its reply while Redis
 * answers the other, where one connection leaves Redis idle while its one leader parses every
 * caller's reply alone. A lone call, of either kind, goes out at once on a free connection.
 */
final class DirectConnections {
  /**
   * How many connections a store opens besides Lettuce's. Two, by measurement (interleaved in
   * one JVM, docs/BENCHMARKS.md): 16 threads of {@code getMany(100)} ran faster on two than on
   * one, and no faster on four than on two, at more CPU per call.
   */
  static final int COUNT = 2;

  /**
   * Opens dropped connections again. Not on Lettuce's computation threads (two on a two-core
   * machine), which run Lettuce's own reconnection and command timeouts: an attempt blocks up
   * to the connect timeout to connect and as long again for the handshake. Daemon threads made
   * when needed, gone after a minute idle.
   */
  private static final ExecutorService RECONNECTS = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
      60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "larder-redis-reconnect");
        t.setDaemon(true);
        return t;
      });

  private final DirectConnection[] connections;
  private final HostPort server;
  /** The watchdog of these connections alone, or {@code null} when it is shared. */
  private final Watchdog ownWatchdog;

  /**
   * Creates the connections; they connect on {@link #connect()} or in the background.
   *
   * @param config the store's settings: server, user, password, database, timeouts
   * @param count how many connections
   * @throws IllegalArgumentException if {@code count} is below one or above 64
   */
  DirectConnections(RedisConfig config, int count) {
    this(config, config.hosts().get(0), false, count, null);
  }

  /**
   * Creates the connections to one server or one node of a cluster; they connect on {@link
   * #connect()} or in the background.
   *
   * @param config the store's settings: user, password, database, timeouts
   * @param server the server or cluster node
   * @param clusterNode whether {@code server} is a cluster node, whose batches may not merge
   *     keys of different slots into one {@code MGET}
   * @param count how many connections
   * @param watchdog enforces the connections' deadlines, shared with other nodes' connections;
   *     or {@code null} for one of their own (one thread for all of them), stopped by {@link
   *     #close()}
   * @throws IllegalArgumentException if {@code count} is below one or above 64
   */
  DirectConnections(RedisConfig config, HostPort server, boolean clusterNode, int count,
      Watchdog watchdog) {
    if (count < 1 || count > Long.SIZE) {
      throw new IllegalArgumentException("direct connections: " + count);
    }
    this.server = server;
    this.ownWatchdog = watchdog == null ? Watchdog.of(server.toString()) : null;
    connections = new DirectConnection[count];
    for (int i = 0; i < count; i++) {
      connections[i] = new DirectConnection(config, server, !clusterNode, RECONNECTS,
          watchdog == null ? ownWatchdog : watchdog);
    }
  }

  /** Connects each connection now, or, if that fails, later in the background. */
  void connect() {
    for (DirectConnection c : connections) {
      c.connect();
    }
  }

  /**
   * Connects each connection on a background thread, never the caller's: for a cluster node
   * first met by a call, which meanwhile goes through Lettuce.
   */
  void connectInBackground() {
    RECONNECTS.execute(this::connect);
  }

  /**
   * Closes the connections on a background thread (a node gone from the cluster).
   *
   * @param then run on that thread once they are closed
   */
  void closeInBackground(Runnable then) {
    for (DirectConnection c : connections) {
      c.markClosed();
    }
    RECONNECTS.execute(() -> {
      try {
        close();
      } finally {
        then.run();
      }
    });
  }

  /** The server or cluster node these connections go to. */
  HostPort server() {
    return server;
  }

  /**
   * Runs one caller's commands: a single-key call on the first connection, combined there
   * with concurrent calls; a bulk call on a free connection, the others before the first, which
   * it takes only if nobody is queued there; when none is free, queued on the one with the
   * shortest queue (a tie goes to another than the first; see {@link DirectConnection#run}). A
   * call that a connection gave back unsent (down, or closed while the call was queued) tries
   * the others.
   *
   * @param deadline when this caller stops waiting for its replies, in {@link
   *     System#nanoTime()}'s terms
   * @param commands each command and its arguments
   * @param bulk whether this is a bulk call ({@code getMany}, {@code setMany}), whose large
   *     replies are better read beside another batch than after it
   * @return the replies, or {@code null} when no connection is up (the caller then goes
   *     through Lettuce)
   * @throws io.lettuce.core.RedisCommandExecutionException if the server answers one of the
   *     commands with an error (the first such error)
   * @throws java.net.SocketTimeoutException if the replies are not in by the deadline
   * @throws IOException if the socket fails; that connection is then closed
   */
  List<Object> run(long deadline, List<byte[][]> commands, boolean bulk) throws IOException {
    long tried = 0; // a bit per connection that gave the call back unsent
    if (!bulk) {
      List<Object> replies = connections[0].run(deadline, commands);
      if (replies != null) {
        return replies;
      }
      tried = 1;
    }
    int n = connections.length;
    for (int i = 1; i < n; i++) {
      List<Object> replies = connections[i].tryRun(deadline, commands, bulk, false);
      if (replies != DirectConnection.BUSY && replies != null) {
        return replies;
      }
    }
    if (bulk) { // on the first only alone: not leading the single-key calls queued there
      List<Object> replies = connections[0].tryRun(deadline, commands, true, true);
      if (replies != DirectConnection.BUSY && replies != null) {
        return replies;
      }
    }
    while (true) {
      int shortest = -1;
      int shortestQueue = Integer.MAX_VALUE;
      for (int k = 1; k <= n; k++) { // the first last, so that it loses a tie
        int i = k % n;
        if ((tried & 1L << i) == 0 && connections[i].up()) {
          int queued = connections[i].queued();
          if (queued < shortestQueue) {
            shortest = i;
            shortestQueue = queued;
          }
        }
      }
      if (shortest < 0) {
        return null;
      }
      List<Object> replies = connections[shortest].run(deadline, commands, bulk);
      if (replies != null) {
        return replies;
      }
      tried |= 1L << shortest; // nothing was sent: another may still be up
    }
  }

  /**
   * Closes every connection; no reconnection follows. Callers queued on them are woken at once,
   * on all of them before any waits for its batch in flight, and go through Lettuce.
   */
  void close() {
    for (DirectConnection c : connections) {
      c.markClosed();
    }
    for (DirectConnection c : connections) {
      c.close();
    }
    if (ownWatchdog != null) {
      ownWatchdog.stop();
    }
  }

  /** For tests: the connection at {@code index}, the first being where small calls combine. */
  DirectConnection connection(int index) {
    return connections[index];
  }
}
