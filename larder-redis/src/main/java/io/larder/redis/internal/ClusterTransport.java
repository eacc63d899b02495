package io.larder.redis.internal;

import io.larder.CacheException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.ConnectionIntent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Redis Cluster behind Lettuce's cluster connection.
 *
 * <p>Single commands go through the cluster connection, which routes each by its key's slot
 * and follows {@code MOVED} and {@code ASK}. A pipeline ({@link #sendAll}) is grouped by the
 * node that owns each command's slot in the current topology and written to each node's
 * connection in one write, all nodes at once: one round trip per node. Lettuce's own
 * cluster {@code MGET} splits by slot too but writes and flushes each slot's command
 * separately. A command a node answers with a redirection (the topology changed) is sent
 * again through the cluster connection, which follows it and refreshes the topology.
 */
final class ClusterTransport extends Transport {
  private final StatefulRedisClusterConnection<byte[], byte[]> connection;

  ClusterTransport(StatefulRedisClusterConnection<byte[], byte[]> connection) {
    this.connection = connection;
  }

  /** The topology as the cluster connection knows it now (Lettuce keeps it refreshed). */
  Partitions partitions() {
    return connection.getPartitions();
  }

  @Override
  boolean clustered() {
    return true;
  }

  @Override
  <T> CompletableFuture<T> send(Op<T> op) {
    AsyncCommand<byte[], byte[], T> command = op.command();
    connection.dispatch(command);
    return command;
  }

  @Override
  List<CompletableFuture<?>> sendAll(List<Op<?>> ops) {
    List<CompletableFuture<?>> results = new ArrayList<>(Collections.nCopies(ops.size(), null));
    Partitions partitions = connection.getPartitions();
    Map<String, List<Integer>> byNode = new LinkedHashMap<>();
    for (int i = 0; i < ops.size(); i++) {
      Op<?> op = ops.get(i);
      RedisClusterNode node = op.routingKey() == null ? null
          : partitions.getPartitionBySlot(RedisKeys.slot(op.routingKey()));
      if (node == null) {
        results.set(i, send(op)); // let the cluster connection report what is wrong
      } else {
        byNode.computeIfAbsent(node.getNodeId(), id -> new ArrayList<>()).add(i);
      }
    }
    for (Map.Entry<String, List<Integer>> group : byNode.entrySet()) {
      List<Op<?>> nodeOps = new ArrayList<>(group.getValue().size());
      List<CompletableFuture<Object>> nodeResults = new ArrayList<>(group.getValue().size());
      for (int i : group.getValue()) {
        nodeOps.add(ops.get(i));
        CompletableFuture<Object> result = new CompletableFuture<>();
        nodeResults.add(result);
        results.set(i, result);
      }
      CompletableFuture<StatefulRedisConnection<byte[], byte[]>> nodeConnection =
          connection.getConnectionAsync(group.getKey(), ConnectionIntent.WRITE);
      if (nodeConnection.isDone() && !nodeConnection.isCompletedExceptionally()) {
        writeToNode(nodeConnection.join(), nodeOps, nodeResults);
      } else {
        nodeConnection.whenComplete((c, e) -> {
          if (e == null) {
            writeToNode(c, nodeOps, nodeResults);
          } else {
            for (int j = 0; j < nodeOps.size(); j++) {
              forward(routed(nodeOps.get(j)), nodeResults.get(j));
            }
          }
        });
      }
    }
    return results;
  }

  /** Writes a node's commands at once; a redirected one is retried through the cluster. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void writeToNode(StatefulRedisConnection<byte[], byte[]> node, List<Op<?>> ops,
      List<CompletableFuture<Object>> results) {
    List<AsyncCommand<byte[], byte[], ?>> commands = new ArrayList<>(ops.size());
    for (int j = 0; j < ops.size(); j++) {
      Op<?> op = ops.get(j);
      CompletableFuture<Object> result = results.get(j);
      AsyncCommand<byte[], byte[], ?> command = op.command();
      ((CompletableFuture) command).whenComplete((value, failure) -> {
        if (failure != null && Errors.redirect((Throwable) failure)) {
          forward(routed(op), result);
        } else if (failure != null) {
          result.completeExceptionally((Throwable) failure);
        } else {
          result.complete(value);
        }
      });
      commands.add(command);
    }
    node.dispatch(commands);
  }

  @SuppressWarnings("unchecked")
  private CompletableFuture<Object> routed(Op<?> op) {
    return (CompletableFuture<Object>) send(op);
  }

  private static void forward(CompletableFuture<Object> from, CompletableFuture<Object> to) {
    from.whenComplete((value, failure) -> {
      if (failure != null) {
        to.completeExceptionally(failure);
      } else {
        to.complete(value);
      }
    });
  }

  @Override
  List<Node> primaries(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Node> nodes = new ArrayList<>();
    for (RedisClusterNode n : connection.getPartitions()) {
      if (n.getRole().isMaster() && !n.hasNoSlots()) {
        String name = n.getUri().getHost() + ":" + n.getUri().getPort();
        try {
          StatefulRedisConnection<byte[], byte[]> c =
              connection.getConnectionAsync(n.getNodeId(), ConnectionIntent.WRITE)
                  .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          nodes.add(new Node(name, c));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CacheException("interrupted while connecting to " + name, e);
        } catch (ExecutionException | TimeoutException e) {
          throw Errors.translate(e, "connection to cluster node", name, timeout);
        }
      }
    }
    return nodes;
  }

  @Override
  void close() {
    connection.close();
  }
}
