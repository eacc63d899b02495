package io.larder.redis.internal;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.AsyncCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How commands reach the servers: one connection to one server, or a Redis Cluster whose
 * commands go to the node owning their key's slot.
 */
abstract class Transport {

  /**
   * Tells whether keys live in hash slots spread over several nodes, so that multi-key
   * commands must be split by slot.
   *
   * @return {@code true} for a cluster
   */
  abstract boolean clustered();

  /**
   * Sends one command; in a cluster, to the node owning its routing key, following
   * redirections.
   *
   * @param op the command
   * @param <T> the reply's type
   * @return the reply, when it comes
   */
  abstract <T> CompletableFuture<T> send(Op<T> op);

  /**
   * Sends commands in one write per server, all servers at once (a pipeline: one round trip
   * to each server). In a cluster, each command must touch keys of one slot only.
   *
   * @param ops the commands
   * @return their replies, in the order of {@code ops}
   */
  abstract List<CompletableFuture<?>> sendAll(List<Op<?>> ops);

  /**
   * Returns a connection to each primary server, for keyless commands ({@code SCAN},
   * {@code FLUSHDB}, {@code CONFIG GET}).
   *
   * @param timeout how long to wait for a connection to each
   * @return the primaries; one for a single server
   * @throws io.larder.CacheException if a primary cannot be reached in time
   */
  abstract List<Node> primaries(java.time.Duration timeout);

  /** Closes the connections; the client and its resources are closed by the store. */
  abstract void close();

  /**
   * One server and a connection to it.
   *
   * @param name {@code host:port}, for messages
   * @param connection the connection, shared by all threads
   */
  record Node(String name, StatefulRedisConnection<byte[], byte[]> connection) {

    /**
     * Sends one command to this server.
     *
     * @param op the command
     * @param <T> the reply's type
     * @return the reply, when it comes
     */
    <T> CompletableFuture<T> send(Op<T> op) {
      AsyncCommand<byte[], byte[], T> command = op.command();
      connection.dispatch(command);
      return command;
    }

    /**
     * Sends commands to this server in one write.
     *
     * @param ops the commands
     * @return their replies, in order
     */
    List<CompletableFuture<?>> sendAll(List<Op<?>> ops) {
      List<AsyncCommand<byte[], byte[], ?>> commands = new ArrayList<>(ops.size());
      for (Op<?> op : ops) {
        commands.add(op.command());
      }
      connection.dispatch(commands);
      return new ArrayList<>(commands);
    }
  }
}
