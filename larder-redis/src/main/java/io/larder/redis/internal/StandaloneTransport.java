package io.larder.redis.internal;

import io.lettuce.core.api.StatefulRedisConnection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One connection to one server, shared by every thread (Lettuce connections are thread-safe). */
final class StandaloneTransport extends Transport {
  private final Node node;

  StandaloneTransport(StatefulRedisConnection<byte[], byte[]> connection, String name) {
    this.node = new Node(name, connection);
  }

  @Override
  boolean clustered() {
    return false;
  }

  @Override
  <T> CompletableFuture<T> send(Op<T> op) {
    return node.send(op);
  }

  @Override
  List<CompletableFuture<?>> sendAll(List<Op<?>> ops) {
    return node.sendAll(ops);
  }

  @Override
  List<Node> primaries(java.time.Duration timeout) {
    return List.of(node);
  }

  @Override
  void close() {
    node.connection().close();
  }
}
