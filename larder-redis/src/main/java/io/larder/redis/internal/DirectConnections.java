package io.larder.redis.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The caller-thread connections to one server ({@link DirectConnection}), {@link #COUNT} of
 * them: small calls combine on the first, and bulk calls look for a free one.
 *
 * <p>Single-key calls ({@code get}, {@code set}, {@code delete}) always go to the first
 * connection, where concurrent callers combine into one write (their {@code GET}s one {@code
 * MGET}); spreading them over several connections makes smaller batches and costs more CPU per
 * call, for the client and for Redis. A bulk call, whose reply may be a hundred kilobytes, takes
 * the first connection whose lock is free, trying the others before the first, and combines
 * with other callers only when every connection is busy, on the one with the shortest queue.
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

  private final DirectConnection[] connections;

  /**
   * Creates the connections; they connect on {@link #connect()} or in the background.
   *
   * @param config the store's settings: server, user, password, database, timeouts
   * @param background runs reconnection attempts
   * @param count how many connections
   * @throws IllegalArgumentException if {@code count} is below one
   */
  DirectConnections(RedisConfig config, Executor background, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("direct connections: " + count);
    }
    connections = new DirectConnection[count];
    for (int i = 0; i < count; i++) {
      connections[i] = new DirectConnection(config, background);
    }
  }

  /** Connects each connection now, or, if that fails, later in the background. */
  void connect() {
    for (DirectConnection c : connections) {
      c.connect();
    }
  }

  /**
   * Runs one caller's commands: a single-key call on the first connection, combined there
   * with concurrent calls; a bulk call on a free connection, or, when all are busy, combined
   * on the one with the shortest queue (see {@link DirectConnection#run}).
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
    DirectConnection first = connections[0];
    if (!bulk && first.up()) {
      return first.run(deadline, commands);
    }
    int n = connections.length;
    for (int i = bulk ? 1 : 0; i < (bulk ? n + 1 : n); i++) { // bulk: the first one last
      List<Object> replies = connections[i % n].tryRun(deadline, commands);
      if (replies != DirectConnection.BUSY && replies != null) {
        return replies;
      }
    }
    DirectConnection shortest = null;
    int shortestQueue = Integer.MAX_VALUE;
    for (DirectConnection c : connections) {
      if (c.up()) {
        int queued = c.queued();
        if (queued < shortestQueue) {
          shortest = c;
          shortestQueue = queued;
        }
      }
    }
    return shortest == null ? null : shortest.run(deadline, commands);
  }

  /**
   * Closes every connection; no reconnection follows. Callers queued on them are woken at once
   * and go through Lettuce.
   */
  void close() {
    for (DirectConnection c : connections) {
      c.close();
    }
  }

  /** For tests: the connection at {@code index}, the first being where small calls combine. */
  DirectConnection connection(int index) {
    return connections[index];
  }
}
