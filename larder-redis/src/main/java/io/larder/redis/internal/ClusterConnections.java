package io.larder.redis.internal;

import io.larder.spi.HostPort;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The caller-thread connections of a Redis Cluster: one {@link DirectConnections} per primary,
 * found by a key's slot in the topology that Lettuce's cluster connection keeps current.
 *
 * <p>Routing reads Lettuce's {@link Partitions} (refreshed every 30 s, and after a {@code
 * MOVED}, an {@code ASK} or persistent reconnects, those at most once per 5 s) and never
 * refreshes it itself: a call
 * this routes to a node that no longer owns the slot gets a redirection from that node, which the
 * store answers by sending the call again through the cluster connection, which follows it and
 * refreshes the topology. A primary first met by a call is connected on a background thread, the
 * call and the ones after it going through Lettuce until then; a node that is no longer a primary
 * with slots has its connections closed, at the next {@link #prune} (run by the store every few
 * seconds and whenever a new primary is met), in the background; {@link #close} closes those
 * still closing too. A node whose address cannot be read is left to Lettuce.
 */
final class ClusterConnections {
  private static final System.Logger LOG = System.getLogger(ClusterConnections.class.getName());
  private final RedisConfig config;
  private final Supplier<Partitions> partitions;
  /** By node id; an entry's server is checked against the node's address at each lookup. */
  private final Map<String, DirectConnections> byNode = new ConcurrentHashMap<>();
  /**
   * Connections taken out of {@link #byNode} whose close, in the background, has not ended: a
   * call may still be in flight there, watched by {@link #watchdog}, so {@link #close} closes
   * them too (waiting for such a call) before it stops the watchdog.
   */
  private final Set<DirectConnections> closing = ConcurrentHashMap.newKeySet();
  /** One thread for the deadlines of every node's connections. */
  private final Watchdog watchdog;
  private volatile boolean closed;
  private final AtomicBoolean loggedOdd = new AtomicBoolean();

  /**
   * Creates the connections' registry; nothing connects until {@link #connectAll} or a call.
   *
   * @param config the store's settings: user, password, timeouts
   * @param partitions the cluster connection's current topology
   */
  ClusterConnections(RedisConfig config, Supplier<Partitions> partitions) {
    this.config = config;
    this.partitions = partitions;
    this.watchdog = Watchdog.of(config.hosts().get(0) + " cluster");
  }

  /** Connects to every primary now (at open), or, for one that fails, later in the background. */
  void connectAll() {
    for (RedisClusterNode node : partitions.get()) {
      try {
        if (primary(node)) {
          DirectConnections c = entry(node);
          if (c != null) {
            c.connect();
          }
        }
      } catch (RuntimeException e) { // a node Larder cannot route to: Lettuce serves it
        odd(e);
      }
    }
  }

  /**
   * The caller-thread connections of the primary that owns {@code slot} in the current topology.
   *
   * @param slot a hash slot
   * @return its node's connections, or {@code null} when the slot has no known owner or the
   *     owner is met for the first time (it is then connected in the background): the caller
   *     goes through Lettuce
   */
  DirectConnections forSlot(int slot) {
    try {
      return route(slot);
    } catch (RuntimeException e) { // a node without a usable address, say: Lettuce serves it
      odd(e);
      return null;
    }
  }

  private DirectConnections route(int slot) {
    RedisClusterNode node = partitions.get().getPartitionBySlot(slot);
    if (node == null) {
      return null;
    }
    DirectConnections c = byNode.get(node.getNodeId());
    if (c != null && at(c, node.getUri())) {
      return c;
    }
    DirectConnections added = entry(node);
    if (added != null) {
      added.connectInBackground();
      prune();
    }
    return null;
  }

  /**
   * Makes the entry of a node that has none (or one to an old address, which is closed); {@code
   * null} if another thread made it first or the store is closed.
   */
  private synchronized DirectConnections entry(RedisClusterNode node) {
    if (closed) {
      return null;
    }
    RedisURI uri = node.getUri();
    DirectConnections old = byNode.get(node.getNodeId());
    if (old != null && at(old, uri)) {
      return null;
    }
    DirectConnections c = new DirectConnections(config, new HostPort(uri.getHost(),
        uri.getPort()), true, DirectConnections.COUNT, watchdog);
    byNode.put(node.getNodeId(), c);
    if (old != null) {
      retire(old);
    }
    return c;
  }

  /**
   * Closes, in the background, the connections of nodes that are no longer primaries owning
   * slots (removed, failed over, emptied by resharding).
   */
  synchronized void prune() {
    try {
      retireGone();
    } catch (RuntimeException e) { // run every few seconds: the next run must still come
      odd(e);
    }
  }

  private void retireGone() {
    Set<String> primaries = new HashSet<>();
    for (RedisClusterNode node : partitions.get()) {
      if (primary(node)) {
        primaries.add(node.getNodeId());
      }
    }
    byNode.entrySet().removeIf(e -> {
      if (primaries.contains(e.getKey())) {
        return false;
      }
      retire(e.getValue());
      return true;
    });
  }

  /** Logs, once per store, a topology the caller-thread connections could not make sense of. */
  private void odd(RuntimeException e) {
    if (!loggedOdd.getAndSet(true)) {
      LOG.log(System.Logger.Level.WARNING, "Larder's caller-thread connections to " + config
          + " could not read a node of the topology; its calls go through Lettuce (logged"
          + " once)", e);
    }
  }

  /** Closes a node's connections in the background, and keeps them until they are closed. */
  private void retire(DirectConnections c) {
    closing.add(c);
    c.closeInBackground(() -> closing.remove(c));
  }

  /** Whether {@code c} connects to the address the topology gives a node (no allocation). */
  private static boolean at(DirectConnections c, RedisURI uri) {
    return c.server().port() == uri.getPort() && c.server().host().equals(uri.getHost());
  }

  private static boolean primary(RedisClusterNode node) {
    return node.getRole().isUpstream() && !node.hasNoSlots();
  }

  /** How many nodes have connections (for tests). */
  int nodes() {
    return byNode.size();
  }

  /** Closes every node's connections; none is made after this. */
  synchronized void close() {
    closed = true;
    for (DirectConnections c : byNode.values()) {
      c.close();
    }
    byNode.clear();
    for (DirectConnections c : closing) { // closed twice at worst: close() is idempotent
      c.close();
    }
    watchdog.stop(); // and should a call still be in flight, the watchdog times it out
  }
}
