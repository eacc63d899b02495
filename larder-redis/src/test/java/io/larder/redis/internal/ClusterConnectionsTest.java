package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.StoreUrl;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The routing of a cluster's caller-thread connections against fake nodes on local sockets and
 * a topology set by hand: a primary met for the first time is connected in the background (the
 * call goes through Lettuce), a node gone from the topology has its sockets closed, and {@code
 * close()} closes every socket and ends the one watchdog thread.
 */
class ClusterConnectionsTest {

  @Test
  void aNodeGoneFromTheTopologyHasItsSocketsClosedAndANewOneIsConnectedInTheBackground()
      throws Exception {
    try (FakeNode a = new FakeNode(); FakeNode b = new FakeNode()) {
      Partitions partitions = new Partitions();
      ClusterConnections connections = routedToA(a, partitions);
      try {
        connections.connectAll();
        assertThat(a.accepted.get()).as("two caller-thread connections to a").isEqualTo(2);
        DirectConnections toA = connections.forSlot(100);
        assertThat(toA).isNotNull();
        assertThat(toA.server().port()).isEqualTo(a.port());

        // every slot moves to b, a leaves the cluster
        partitions.clear();
        partitions.add(node("b", b.port()));
        partitions.updateCache();
        assertThat(connections.forSlot(100)).as("b, met for the first time").isNull();
        await(() -> a.closed.get() == 2, "a's two sockets closed");
        await(() -> b.accepted.get() == 2, "b connected in the background");
        assertThat(connections.forSlot(100).server().port()).isEqualTo(b.port());
        assertThat(connections.nodes()).isEqualTo(1);
      } finally {
        connections.close();
      }
      await(() -> b.closed.get() == 2, "b's two sockets closed by close()");
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().equals("larder-redis-watchdog 127.0.0.1:" + a.port() + " cluster")) {
          t.join(30_000);
          assertThat(t.isAlive()).as("the watchdog after close()").isFalse();
        }
      }
    }
  }

  /**
   * A call in flight on a node that left the topology, whose connections are being closed in
   * the background, when the store closes: it still ends by its deadline (the fake node never
   * answers it), not blocked on its read for as long as TCP allows; close() must not stop the
   * shared watchdog under it unbounded.
   */
  @Test
  void aCallInFlightOnAGoneNodeStillEndsWhenTheStoreClosesMeanwhile() throws Exception {
    try (FakeNode a = new FakeNode(); FakeNode b = new FakeNode()) {
      Partitions partitions = new Partitions();
      ClusterConnections connections = routedToA(a, partitions);
      connections.connectAll();
      DirectConnections toA = connections.forSlot(100);
      assertThat(toA).isNotNull();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      CompletableFuture<List<Object>> call = CompletableFuture.supplyAsync(() -> {
        try {
          return toA.run(deadline, List.<byte[][]>of(new byte[][] {
              "GET".getBytes(StandardCharsets.US_ASCII), "k".getBytes(StandardCharsets.US_ASCII)}),
              false);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      await(() -> a.afterHandshake.get() > 0, "the GET sent to a");
      partitions.clear();
      partitions.add(node("b", b.port()));
      partitions.updateCache();
      assertThat(connections.forSlot(100)).as("b, met for the first time").isNull();
      connections.close();
      assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
          .as("the call in flight on a, once its deadline passed")
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(UncheckedIOException.class)
          .cause().isInstanceOf(SocketTimeoutException.class);
    }
  }

  /**
   * A primary the topology gives no address (Larder cannot route to it; Lettuce decides what to
   * do with it): opening, routing and pruning send its calls through Lettuce, never throw.
   */
  @Test
  void aNodeWithoutAnAddressGoesThroughLettuceAndThrowsNothing() throws Exception {
    Partitions partitions = new Partitions();
    partitions.add(new RedisClusterNode(null, "x", true, null, 0, 0, 0,
        IntStream.range(0, 16384).boxed().toList(),
        EnumSet.of(RedisClusterNode.NodeFlag.UPSTREAM)));
    partitions.updateCache();
    ClusterConnections connections = new ClusterConnections(RedisConfig.parse(StoreUrl.parse(
        "redis-cluster://127.0.0.1:1?timeout=1s")), () -> partitions);
    try {
      connections.connectAll();
      assertThat(connections.forSlot(100)).as("the caller-thread path for x's slot").isNull();
      connections.prune();
      assertThat(connections.nodes()).isZero();
    } finally {
      connections.close();
    }
  }

  /** Sets {@code partitions} to one primary, a, owning every slot; the connections route by it. */
  private static ClusterConnections routedToA(FakeNode a, Partitions partitions) {
    partitions.add(node("a", a.port()));
    partitions.updateCache();
    return new ClusterConnections(RedisConfig.parse(StoreUrl.parse(
        "redis-cluster://127.0.0.1:" + a.port() + "?timeout=1s")), () -> partitions);
  }

  private static RedisClusterNode node(String id, int port) {
    List<Integer> slots = IntStream.range(0, 16384).boxed().toList();
    return new RedisClusterNode(RedisURI.create("127.0.0.1", port), id, true, null, 0, 0, 0,
        slots, EnumSet.of(RedisClusterNode.NodeFlag.UPSTREAM));
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as(what).isNegative();
      Thread.sleep(10);
    }
  }

  /**
   * A node that answers each connection's handshake ({@code CLIENT SETNAME}) with {@code +OK}
   * and counts the connections it accepted and those the client closed.
   */
  private static final class FakeNode implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    /** Reads that got bytes after a connection's handshake, on every connection. */
    final AtomicInteger afterHandshake = new AtomicInteger();
    private final List<Socket> sockets = new ArrayList<>();

    FakeNode() throws IOException {
      Thread t = new Thread(this::serve, "fake-node");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      try {
        while (true) {
          Socket s = server.accept();
          synchronized (sockets) {
            sockets.add(s);
          }
          accepted.incrementAndGet();
          Thread reader = new Thread(() -> {
            try (InputStream in = s.getInputStream()) {
              byte[] buffer = new byte[1024];
              boolean answered = false;
              while (in.read(buffer) >= 0) {
                if (answered) {
                  afterHandshake.incrementAndGet();
                }
                if (!answered) {
                  answered = true;
                  s.getOutputStream().write("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
                }
              }
            } catch (IOException ignored) {
              // a reset counts as closed too
            }
            closed.incrementAndGet();
          }, "fake-node-reader");
          reader.setDaemon(true);
          reader.start();
        }
      } catch (IOException ignored) {
        // the server socket closed: the test is over
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (sockets) {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }
}
