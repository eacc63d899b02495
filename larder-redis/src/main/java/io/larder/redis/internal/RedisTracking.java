package io.larder.redis.internal;

import io.larder.CacheException;
import io.larder.spi.Backoff;
import io.larder.spi.HostPort;
import io.larder.spi.Invalidations;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Server-assisted invalidation for a near tier: Redis {@code CLIENT TRACKING} in broadcast
 * mode on the cache's prefix, over one RESP3 connection of its own to each primary (every
 * node of a cluster that serves slots).
 *
 * <h2>Why broadcast mode</h2>
 * In default mode Redis remembers, per client, every key the client read, and only the
 * connection that read a key (or one it redirects to) hears of it; the reads here go over the
 * store's shared connections, which reconnect by themselves and would lose their tracking
 * silently, and the server's table of tracked keys grows with every key read. In broadcast
 * mode the server keeps nothing per key: a connection that asked for a prefix hears of every
 * change to a key under it, whoever reads it. So tracking lives on a connection of its own,
 * independent of the data connections; the price is a message for changed keys the tier does
 * not hold, which for a cache's own prefix are few.
 *
 * <h2>How far behind the pushes are</h2>
 * Every quarter of the reader's lag bound, each tracking connection is sent a {@code PING},
 * remembering when. Redis queues a BCAST invalidation into the tracking client's output
 * buffer in {@code beforeSleep}, before it writes any reply of that event-loop turn, so the
 * writer cannot have seen its reply before the invalidation was queued; a {@code PING} sent
 * after that is answered behind it on the same connection, and Lettuce hands push messages to
 * the listener on its I/O thread, in order, before it completes the {@code PING}. So once the
 * reply to a {@code PING} sent at {@code t} is processed, every write that returned before
 * {@code t} has been reported: {@link #reportedThrough()} is the oldest such {@code t} over the
 * primaries. A half-open connection shows as a {@code t} that stops moving.
 *
 * <h2>When invalidations may have been lost</h2>
 * A tracking connection that drops (a {@code CLIENT KILL}, a restart, a network failure or a
 * missed heartbeat), a flush (Redis sends a null key list) or a cluster topology that no
 * longer matches the connections makes the subscription inactive and tells the listener
 * "everything" at once; a background thread reconnects with backoff and becomes active again
 * only once every primary tracks again.
 */
final class RedisTracking implements Invalidations.Subscription {
  private static final System.Logger LOG = System.getLogger(RedisTracking.class.getName());
  private static final Duration HEARTBEAT = Duration.ofSeconds(1);
  /** The lag bound when the subscriber gives none. */
  static final Duration DEFAULT_LAG = Duration.ofMillis(50);
  /** The shortest interval between two pings of a connection, whatever the bound. */
  private static final long MIN_PING_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final RedisConfig config;
  private final ClientResources resources;
  private final AbstractRedisClient dataClient;
  private final Invalidations.Listener listener;
  private final String redisPrefix;
  private final boolean tagged;
  private final ScheduledExecutorService thread;
  /** The tracking connection to each primary, by {@code host:port}; all or nothing. */
  private final Map<String, Tracked> nodes = new ConcurrentHashMap<>();
  private volatile boolean active;
  private volatile long reportedThrough;
  private final long pingNanos;
  private volatile boolean closed;
  private int attempt;

  /**
   * One primary's tracking client and connection, and when the newest {@code PING} it answered
   * was sent.
   */
  private record Tracked(RedisClient client, StatefulRedisConnection<byte[], byte[]> connection,
      AtomicLong answered) {}

  private RedisTracking(RedisConfig config, ClientResources resources,
      AbstractRedisClient dataClient, String storePrefix, Duration lag,
      Invalidations.Listener listener) {
    this.pingNanos = Math.max(MIN_PING_NANOS, lag.toNanos() / 4);
    this.config = config;
    this.resources = resources;
    this.dataClient = dataClient;
    this.listener = listener;
    this.tagged = config.hashTag() == RedisConfig.HashTag.NAMESPACE;
    this.redisPrefix = redisPrefix(storePrefix, tagged);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "larder-near-tracking " + config.redacted());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts tracking every primary.
   *
   * @param lag how far behind the present {@link #reportedThrough()} may fall while this
   *     process gets CPU: the connections are pinged every quarter of it
   * @throws UnsupportedOperationException if the server cannot track (Redis before 6, no
   *     RESP3, or {@code CLIENT} denied)
   * @throws CacheException if a primary cannot be reached
   */
  static RedisTracking start(RedisConfig config, ClientResources resources,
      AbstractRedisClient dataClient, String storePrefix, Duration lag,
      Invalidations.Listener listener) {
    RedisTracking tracking = new RedisTracking(config, resources, dataClient, storePrefix, lag,
        listener);
    try {
      tracking.connectAll();
    } catch (RuntimeException e) {
      tracking.close();
      throw e;
    }
    tracking.thread.scheduleWithFixedDelay(tracking::heartbeat, HEARTBEAT.toMillis(),
        HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    tracking.thread.scheduleAtFixedRate(tracking::ping, tracking.pingNanos, tracking.pingNanos,
        TimeUnit.NANOSECONDS);
    return tracking;
  }

  /**
   * Returns the prefix Redis is asked to track for a store-key prefix: the same, or with
   * namespace hash tags {@code ~{a:b} for {@code ~a:b:} (which covers {@code ~{a:b}::k} and
   * every nested namespace's {@code ~{a:b:c}::k}).
   */
  static String redisPrefix(String storePrefix, boolean tagged) {
    if (!tagged || storePrefix.isEmpty()) {
      return storePrefix;
    }
    return "~{" + storePrefix.substring(1, storePrefix.length() - 1);
  }

  /** Maps a key Redis reports back to the store key the near tier holds. */
  static String storeKey(String redisKey, boolean tagged) {
    if (tagged && redisKey.startsWith("~{")) {
      int end = redisKey.indexOf("}::");
      if (end > 0) {
        return "~" + redisKey.substring(2, end) + redisKey.substring(end + 1);
      }
    }
    return redisKey;
  }

  @Override
  public boolean active() {
    return active;
  }

  @Override
  public long reportedThrough() {
    return reportedThrough;
  }

  /** The primaries to track: the server, or every cluster node serving slots. */
  private Set<String> primaries() {
    Set<String> names = new TreeSet<>();
    if (dataClient instanceof RedisClusterClient cluster) {
      for (RedisClusterNode node : cluster.getPartitions()) {
        if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
          names.add(new HostPort(node.getUri().getHost(), node.getUri().getPort()).toString());
        }
      }
    } else {
      names.add(config.hosts().get(0).toString());
    }
    return names;
  }

  private synchronized void connectAll() {
    for (String name : primaries()) {
      if (!nodes.containsKey(name)) {
        connect(name);
      }
    }
    attempt = 0;
    updateReportedThrough();
    active = !closed;
    // a connection that dropped before we were active told a listener that found nothing to
    // stop: look again now that a later drop will be heard
    for (Map.Entry<String, Tracked> e : nodes.entrySet()) {
      if (!e.getValue().connection.isOpen()) {
        lost("the tracking connection to " + e.getKey() + " was lost");
      }
    }
  }

  private void connect(String name) {
    HostPort hp = HostPort.parse(name, RedisConfig.DEFAULT_PORT, config.redacted());
    RedisURI uri = RedisStore.uri(config, hp);
    uri.setClientName("larder-near");
    RedisClient client = RedisClient.create(resources, uri);
    client.setOptions(RedisStore.options(config, ClientOptions.builder())
        .autoReconnect(false)
        .protocolVersion(ProtocolVersion.RESP3)
        .build());
    StatefulRedisConnection<byte[], byte[]> connection;
    try {
      connection = client.connect(ByteArrayCodec.INSTANCE);
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      if (find(e, "HELLO") != null || find(e, "NOPROTO") != null) {
        throw new UnsupportedOperationException("the server at " + name + " does not speak"
            + " RESP3 (Redis 6 or later is needed): " + e.getMessage(), e);
      }
      throw OpenErrors.translate(e, config);
    }
    Tracked tracked = new Tracked(client, connection, new AtomicLong());
    nodes.put(name, tracked);
    connection.addListener((PushMessage message) -> pushed(name, message));
    client.addListener(new RedisConnectionStateListener() {
      @Override
      public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
        if (nodes.get(name) == tracked) {
          lost("the tracking connection to " + name + " was lost");
        }
      }
    });
    try {
      TrackingArgs args = new TrackingArgs().enabled(true).bcast();
      if (!redisPrefix.isEmpty()) {
        args.prefixes(StandardCharsets.UTF_8, redisPrefix);
      }
      // the answer to the tracking command stands for the first PING's
      tracked.answered.set(System.nanoTime());
      connection.sync().clientTracking(args);
    } catch (RedisCommandExecutionException e) {
      nodes.remove(name, tracked);
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw new UnsupportedOperationException("the server at " + name
          + " refused CLIENT TRACKING (" + e.getMessage() + ")", e);
    } catch (RuntimeException e) {
      nodes.remove(name, tracked);
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw OpenErrors.translate(e, config);
    }
  }

  private static String find(Throwable e, String text) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(text)) {
        return t.getMessage();
      }
    }
    return null;
  }

  /** Handles a push: {@code invalidate} with the keys, or with null after a flush. */
  private void pushed(String node, PushMessage message) {
    if (!message.getType().equals("invalidate")) {
      return;
    }
    List<Object> content = message.getContent(
        (ByteBuffer b) -> StandardCharsets.UTF_8.decode(b).toString());
    Object keys = content.size() > 1 ? content.get(1) : null;
    if (!(keys instanceof List<?> list)) {
      everything("the server at " + node + " was flushed");
      return;
    }
    List<String> changed = new ArrayList<>(list.size());
    for (Object key : list) {
      if (key != null) {
        changed.add(storeKey(key.toString(), tagged));
      }
    }
    guarded(() -> listener.invalidated(changed));
  }

  /** Marks the subscription inactive, empties the tier and reconnects in the background. */
  private void lost(String reason) {
    if (closed) {
      return;
    }
    active = false;
    everything(reason);
    thread.execute(this::reconnect);
  }

  private void everything(String reason) {
    guarded(() -> listener.invalidatedAll(reason));
  }

  private void guarded(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "near-cache invalidation listener failed", e);
    }
  }

  /** Drops every tracking connection and opens them again; retries with backoff. */
  private synchronized void reconnect() {
    if (closed || active) {
      return;
    }
    dropAll();
    try {
      connectAll();
      if (closed) {
        dropAll();
      }
    } catch (RuntimeException e) {
      dropAll();
      long delay = Backoff.defaults().delayNanos(++attempt, ThreadLocalRandom.current().nextDouble());
      LOG.log(System.Logger.Level.DEBUG, "near-cache tracking of " + config.redacted()
          + " not back yet: " + e);
      if (!closed) {
        thread.schedule(this::reconnect, delay, TimeUnit.NANOSECONDS);
      }
    }
  }

  private void dropAll() {
    List<Tracked> dropped = new ArrayList<>(nodes.values());
    nodes.clear(); // first, so that their disconnection is not taken for a loss
    for (Tracked t : dropped) {
      t.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** Sends every tracking connection a {@code PING}, without waiting for the answers. */
  private void ping() {
    if (closed || !active) {
      return;
    }
    long sent = System.nanoTime();
    for (Tracked t : nodes.values()) {
      try {
        t.connection.async().ping().thenRun(() -> answered(t, sent));
      } catch (RuntimeException e) {
        // a closed connection: its loss is being handled
      }
    }
  }

  /** Runs on Lettuce's I/O thread once every push received before the {@code PONG} is handled. */
  private void answered(Tracked t, long sent) {
    t.answered.accumulateAndGet(sent, (a, b) -> b - a > 0 ? b : a);
    updateReportedThrough();
  }

  private void updateReportedThrough() {
    long oldest = 0;
    boolean any = false;
    for (Tracked t : nodes.values()) {
      long answered = t.answered.get();
      if (!any || answered - oldest < 0) {
        oldest = answered;
        any = true;
      }
    }
    if (any) {
      reportedThrough = oldest;
    }
  }

  /**
   * Checks that the pings are answered (a half-open connection, whose server vanished without
   * a reset, would otherwise stay "active" with nothing arriving) and that the cluster's
   * primaries are still the ones tracked.
   */
  private void heartbeat() {
    if (closed || !active) {
      return;
    }
    if (!primaries().equals(nodes.keySet())) {
      lost("the cluster's primaries changed");
      return;
    }
    long silent = System.nanoTime() - reportedThrough;
    if (silent > config.readTimeout().toNanos() + HEARTBEAT.toNanos()) {
      lost("a tracking connection of " + config.redacted() + " did not answer a PING for "
          + TimeUnit.NANOSECONDS.toMillis(silent) + " ms");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    active = false;
    thread.shutdownNow();
    synchronized (this) {
      dropAll();
    }
  }
}
