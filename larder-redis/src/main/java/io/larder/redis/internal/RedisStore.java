package io.larder.redis.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.redis.RedisCacheStore;
import io.larder.spi.AsyncStore;
import io.larder.spi.Backoff;
import io.larder.spi.Counters;
import io.larder.spi.HostPort;
import io.larder.spi.Invalidations;
import io.larder.spi.StoreSize;
import io.larder.spi.StoreTraits;
import io.larder.spi.StoredValue;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.BooleanOutput;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.KeyScanOutput;
import io.lettuce.core.output.MapOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.resource.ClientResources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The Redis store on Lettuce: one connection per server shared by all threads; reads and
 * writes are plain commands ({@code GET}, {@code MGET}, {@code SET PX}, {@code UNLINK}), the
 * read-modify-write calls small Lua scripts; the commands of a bulk call are pipelined.
 * Versions for compare-and-set travel inside the value ({@link Versions}).
 *
 * <p>Every call waits at most its timeout ({@code timeout} for reads, {@code writeTimeout}
 * for writes), all the commands of one call sharing that one deadline. While a connection is
 * down, Lettuce rejects commands at once (no queue that grows while the server is away) and
 * reconnects in the background with a jittered backoff of 10 ms doubling up to one second.
 *
 * <p>The asynchronous calls ({@link AsyncStore}) send the same commands without a waiting
 * thread; see {@link AsyncCalls}.
 */
final class RedisStore implements RedisCacheStore, AsyncStore, Invalidations {
  private static final ByteArrayCodec CODEC = ByteArrayCodec.INSTANCE;
  /** Keys per MGET, UNLINK or SCAN page: large enough to amortise, small enough not to stall Redis. */
  static final int BATCH = 1000;
  /** How often a cluster's caller-thread connections to nodes gone from the topology close. */
  private static final long PRUNE_SECONDS = 5;
  private static final byte[] PX = {'P', 'X'};
  private static final byte[] GET = {'G', 'E', 'T'};
  private static final byte[] MGET = {'M', 'G', 'E', 'T'};
  private static final byte[] SET = {'S', 'E', 'T'};
  private static final byte[] UNLINK = {'U', 'N', 'L', 'I', 'N', 'K'};
  private static final byte[] NX = {'N', 'X'};

  private final RedisConfig config;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final Transport transport;
  private final RedisKeys keys;
  private final Merger merger;
  /** The caller-thread connections of a plain-TCP single server, or {@code null}. */
  private final DirectConnections direct;
  /** The caller-thread connections of a plain-TCP cluster's primaries, or {@code null}. */
  private final ClusterConnections cluster;
  /** Closes the connections of nodes gone from a cluster's topology, or {@code null}. */
  private final java.util.concurrent.ScheduledFuture<?> pruning;
  private final AsyncCalls async;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisStore(RedisConfig config, ClientResources resources, AbstractRedisClient client,
      Transport transport) {
    this.config = config;
    this.resources = resources;
    this.client = client;
    this.transport = transport;
    this.keys = new RedisKeys(config.hashTag());
    this.merger = new Merger(transport);
    this.direct = config.cluster() || config.tls() ? null
        : new DirectConnections(config, DirectConnections.COUNT);
    if (config.cluster() && !config.tls()) {
      ClusterTransport clusterTransport = (ClusterTransport) transport;
      this.cluster = new ClusterConnections(config, clusterTransport::partitions);
      this.pruning = resources.eventExecutorGroup().scheduleWithFixedDelay(cluster::prune,
          PRUNE_SECONDS, PRUNE_SECONDS, TimeUnit.SECONDS);
    } else {
      this.cluster = null;
      this.pruning = null;
    }
    this.async = new AsyncCalls(this, config, transport, keys, merger, resources.timer());
  }

  // ---- opening ---------------------------------------------------------------------------

  /**
   * Connects and returns the store.
   *
   * @param config the parsed URL
   * @return the open store
   * @throws CacheConnectionException if the server cannot be reached, refuses the credentials
   *     or the TLS handshake fails
   */
  static RedisStore open(RedisConfig config) {
    ClientResources resources = ClientResources.builder()
        .reconnectDelay(new BackoffDelay(Backoff.defaults()))
        .build();
    AbstractRedisClient client = null;
    RedisStore store = null;
    try {
      List<RedisURI> uris = new ArrayList<>();
      for (HostPort hp : config.hosts()) {
        uris.add(uri(config, hp));
      }
      Transport transport;
      if (config.cluster()) {
        RedisClusterClient cluster = RedisClusterClient.create(resources, uris);
        client = cluster;
        cluster.setOptions(clusterOptions(config));
        StatefulRedisClusterConnection<byte[], byte[]> c = cluster.connect(CODEC);
        transport = new ClusterTransport(c);
      } else {
        RedisClient single = RedisClient.create(resources, uris.get(0));
        client = single;
        single.setOptions(options(config, ClientOptions.builder()).build());
        StatefulRedisConnection<byte[], byte[]> c = connect(single);
        transport = new StandaloneTransport(c, config.hosts().get(0).toString());
      }
      store = new RedisStore(config, resources, client, transport);
      store.loadScripts(); // on failure, the catch below closes what was opened
      if (store.direct != null) {
        store.direct.connect();
      }
      if (store.cluster != null) {
        store.cluster.connectAll();
      }
      return store;
    } catch (RuntimeException e) {
      if (store != null) { // its caller-thread sockets and watchdog too, then client, resources
        try {
          store.close();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      } else {
        if (client != null) {
          client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
      }
      throw OpenErrors.translate(e, config);
    }
  }

  /**
   * Connects, once more if Lettuce lost why the first try failed: when the server refuses the
   * handshake (a password missing, say) and the channel closes before Lettuce's connect
   * listener runs, Lettuce reports only "RedisHandshakeHandler not registered" (seen on a
   * loaded machine), and the second try reports the server's own reply.
   */
  private static StatefulRedisConnection<byte[], byte[]> connect(RedisClient client) {
    try {
      return client.connect(CODEC);
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof IllegalStateException
            && String.valueOf(t.getMessage()).contains("RedisHandshakeHandler not registered")) {
          return client.connect(CODEC);
        }
      }
      throw e;
    }
  }

  /**
   * Loads the scripts into every primary, so that the first writes do not all meet
   * {@code NOSCRIPT} at once; a server that loses them later (a restart, a failover) gets them
   * again through {@code EVAL}. Fails if the user may not run scripts, as every write needs
   * them.
   */
  private void loadScripts() {
    for (Transport.Node node : transport.primaries(config.connectTimeout())) {
      List<Op<?>> ops = new ArrayList<>();
      for (Script script : Script.ALL) {
        ops.add(new Op<>(CommandType.SCRIPT, Op.newArgs().add("LOAD").add(script.source()),
            () -> new StatusOutput<>(CODEC), null));
      }
      await(node.sendAll(ops), config.connectTimeout(), "SCRIPT LOAD", node.name());
    }
  }

  static RedisURI uri(RedisConfig config, HostPort hp) {
    RedisURI.Builder b = RedisURI.builder()
        .withHost(hp.host())
        .withPort(hp.port())
        .withDatabase(config.database())
        // bounds the handshake (HELLO, AUTH, SELECT, PING) on connect and reconnect
        .withTimeout(config.connectTimeout().plus(config.writeTimeout()))
        .withClientName("larder");
    if (config.password() != null) {
      if (config.user() != null) {
        b.withAuthentication(config.user(), config.password());
      } else {
        b.withPassword(config.password().toCharArray());
      }
    }
    if (config.tls()) {
      b.withSsl(true).withVerifyPeer(switch (config.tlsVerify()) {
        case FULL -> SslVerifyMode.FULL;
        case CA -> SslVerifyMode.CA;
        case NONE -> SslVerifyMode.NONE;
      });
    }
    return b.build();
  }

  static <B extends ClientOptions.Builder> B options(RedisConfig config, B b) {
    Duration slowest = config.readTimeout().compareTo(config.writeTimeout()) > 0
        ? config.readTimeout() : config.writeTimeout();
    b.autoReconnect(true)
        // a command for a server that is away fails at once instead of waiting in a queue
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        // a backstop: each call also waits for its own deadline and cancels what is late
        .timeoutOptions(TimeoutOptions.enabled(slowest))
        .requestQueueSize(1 << 16)
        .socketOptions(SocketOptions.builder()
            .connectTimeout(config.connectTimeout())
            .keepAlive(true)
            .tcpNoDelay(true)
            .build());
    if (config.tls()) {
      SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
      if (config.tlsCaFile() != null) {
        ssl.trustManager(config.tlsCaFile().toFile());
      }
      if (config.tlsCertFile() != null) {
        ssl.keyManager(config.tlsCertFile().toFile(), config.tlsKeyFile().toFile(), null);
      }
      b.sslOptions(ssl.build());
    }
    return b;
  }

  private static ClusterClientOptions clusterOptions(RedisConfig config) {
    ClusterClientOptions.Builder b = options(config, ClusterClientOptions.builder());
    return b.maxRedirects(5)
        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
            .enablePeriodicRefresh(Duration.ofSeconds(30))
            .enableAllAdaptiveRefreshTriggers()
            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(5))
            .build())
        .build();
  }

  // ---- invalidations for a near tier (RedisTracking) ----------------------------------------

  @Override
  public Subscription subscribe(String prefix, Listener listener) {
    return subscribe(prefix, RedisTracking.DEFAULT_LAG, listener);
  }

  @Override
  public Subscription subscribe(String prefix, Duration lag, Listener listener) {
    requireOpen();
    return RedisTracking.start(config, resources, client, prefix, lag, listener);
  }

  // ---- reads -----------------------------------------------------------------------------

  /**
   * Reads on the caller's thread over the first caller-thread connection (the second while the
   * first is down) of the server, or of the cluster primary owning the key's slot ({@link
   * ClusterConnections}), combined there with the concurrent calls of other threads; without
   * one (TLS, a cluster node not yet connected, while both reconnect), or when the node
   * answers {@code MOVED} or {@code ASK}, merged with them through Lettuce.
   */
  @Override
  public byte[] get(String key) {
    requireOpen();
    byte[] k = keys.key(key);
    long deadline = deadline(config.readTimeout());
    List<Object> reply = direct(deadline, config.readTimeout(), "GET", key, new byte[][] {GET, k});
    if (reply != null) {
      return Versions.value((byte[]) reply.get(0));
    }
    return Versions.value(merged(merger.get(k), deadline, config.readTimeout(), "GET", key));
  }

  /**
   * One {@code MGET} per 1,000 keys, all in one write: on the caller's thread over a free
   * caller-thread connection, or combined on the one with the shortest queue when both are
   * busy ({@link DirectConnections#run}); through Lettuce when both are down. A single server's
   * keys go in arrays, not maps; a cluster's are grouped by slot ({@link #getManyBySlot}).
   */
  @Override
  public Map<String, byte[]> getMany(Collection<String> keyList) {
    if (keyList.isEmpty()) {
      return new HashMap<>();
    }
    requireOpen();
    if (transport.clustered()) {
      return getManyBySlot(keyList);
    }
    String[] names = keyList.toArray(String[]::new);
    byte[][] ks = new byte[names.length][];
    for (int i = 0; i < names.length; i++) {
      ks[i] = keys.key(names[i]);
    }
    long deadline = deadline(config.readTimeout());
    List<Object> replies = null;
    if (direct != null) {
      List<byte[][]> commands = new ArrayList<>(names.length / BATCH + 1);
      for (int from = 0; from < ks.length; from += BATCH) {
        int to = Math.min(ks.length, from + BATCH);
        byte[][] command = new byte[to - from + 1][];
        command[0] = MGET;
        System.arraycopy(ks, from, command, 1, to - from);
        commands.add(command);
      }
      replies = direct(direct, deadline, config.readTimeout(), "MGET of " + names.length + " keys",
          null, commands, true);
    }
    if (replies == null) {
      List<Op<?>> ops = new ArrayList<>(names.length / BATCH + 1);
      for (int from = 0; from < ks.length; from += BATCH) {
        CommandArgs<byte[], byte[]> args = Op.newArgs();
        for (int i = from; i < Math.min(ks.length, from + BATCH); i++) {
          args.addKey(ks[i]);
        }
        ops.add(new Op<>(CommandType.MGET, args, () -> new ValueListOutput<>(CODEC), ks[from]));
      }
      replies = execute(ops, deadline, config.readTimeout(), "MGET of " + names.length + " keys");
    }
    Map<String, byte[]> found = new HashMap<>((int) (names.length / 0.75f) + 1);
    int i = 0;
    for (Object reply : replies) {
      for (Object value : (List<?>) reply) {
        if (value != null) {
          found.put(names[i], Versions.value((byte[]) value));
        }
        i++;
      }
    }
    return found;
  }

  /** {@link #getMany} on a cluster: one {@code MGET} per slot, grouped by node. */
  private Map<String, byte[]> getManyBySlot(Collection<String> keyList) {
    Map<String, byte[]> encoded = new LinkedHashMap<>();
    for (String key : keyList) {
      encoded.computeIfAbsent(key, keys::key);
    }
    List<List<String>> groups = groups(encoded);
    String what = "MGET of " + encoded.size() + " keys";
    long deadline = deadline(config.readTimeout());
    DirectConnections node = cluster == null ? null : oneNode(groups, encoded);
    if (node != null) {
      List<byte[][]> commands = new ArrayList<>(groups.size());
      for (List<String> group : groups) {
        byte[][] command = new byte[group.size() + 1][];
        command[0] = MGET;
        for (int i = 0; i < group.size(); i++) {
          command[i + 1] = encoded.get(group.get(i));
        }
        commands.add(command);
      }
      List<Object> replies = direct(node, deadline, config.readTimeout(), what, null, commands,
          true);
      if (replies != null) {
        return found(groups, replies);
      }
    }
    return found(groups, execute(mgets(groups, encoded), deadline, config.readTimeout(), what));
  }

  /**
   * The caller-thread connections of the one node that owns every group's slot, or {@code null}
   * when the groups span several nodes (they then go out through Lettuce, written to all nodes
   * at once) or a node has none yet.
   */
  private DirectConnections oneNode(List<List<String>> groups, Map<String, byte[]> encoded) {
    DirectConnections node = null;
    for (List<String> group : groups) {
      DirectConnections owner = cluster.forSlot(RedisKeys.slot(encoded.get(group.get(0))));
      if (owner == null || node != null && owner != node) {
        return null;
      }
      node = owner;
    }
    return node;
  }

  /** One {@code MGET} per group of keys. */
  static List<Op<?>> mgets(List<List<String>> groups, Map<String, byte[]> encoded) {
    List<Op<?>> ops = new ArrayList<>(groups.size());
    for (List<String> group : groups) {
      CommandArgs<byte[], byte[]> args = Op.newArgs();
      for (String key : group) {
        args.addKey(encoded.get(key));
      }
      ops.add(new Op<>(CommandType.MGET, args, () -> new ValueListOutput<>(CODEC),
          encoded.get(group.get(0))));
    }
    return ops;
  }

  /** The values of each group's {@code MGET} reply, by key, without their frames. */
  static Map<String, byte[]> found(List<List<String>> groups, List<Object> replies) {
    Map<String, byte[]> found = new HashMap<>();
    for (int g = 0; g < groups.size(); g++) {
      @SuppressWarnings("unchecked")
      List<byte[]> values = (List<byte[]>) replies.get(g);
      List<String> group = groups.get(g);
      for (int i = 0; i < group.size(); i++) {
        if (values.get(i) != null) {
          found.put(group.get(i), Versions.value(values.get(i)));
        }
      }
    }
    return found;
  }

  @Override
  public boolean exists(String key) {
    byte[] k = keys.key(key);
    return call(op(CommandType.EXISTS, () -> new IntegerOutput<>(CODEC), k, Op.newArgs().addKey(k)),
        config.readTimeout(), "EXISTS of " + describe(key)) > 0;
  }

  @Override
  public StoredValue getVersioned(String key) {
    List<Object> reply = script(Script.GET_VERSIONED, key, () -> new NestedMultiOutput<>(CODEC),
        config.readTimeout(), Versions.header(ThreadLocalRandom.current().nextLong()));
    return versioned(reply);
  }

  /** The value and version in a {@link Script#GET_VERSIONED} reply, or {@code null}. */
  static StoredValue versioned(List<Object> reply) {
    if (reply == null || reply.isEmpty()) {
      return null;
    }
    byte[] stored = (byte[]) reply.get(0);
    long pttl = (Long) reply.get(1);
    return new StoredValue(Arrays.copyOfRange(stored, Versions.FRAME, stored.length),
        Versions.token(stored), pttl > 0 ? pttl : pttl == -1 ? NO_EXPIRY : StoredValue.UNKNOWN_TTL);
  }

  // ---- writes ----------------------------------------------------------------------------
  // Plain commands, one per key, pipelined; only the read-modify-write calls run a script.

  /**
   * Writes as {@link #get} reads: over a caller-thread connection, else merged through Lettuce.
   */
  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    requireOpen();
    byte[] k = keys.key(key);
    byte[] stored = Versions.plain(value);
    long deadline = deadline(config.writeTimeout());
    if (direct(deadline, config.writeTimeout(), "SET", key, ttlMillis == NO_EXPIRY
        ? new byte[][] {SET, k, stored}
        : new byte[][] {SET, k, stored, PX, decimal(ttlMillis)}) != null) {
      return;
    }
    merged(merger.set(k, stored, ttlMillis), deadline, config.writeTimeout(), "SET", key);
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    setEach(entries, key -> ttlMillis);
  }

  /**
   * Writes a request scope's gathered writes as {@link #setMany} does, each {@code SET} with
   * its own {@code PX}: one pipeline, one round trip (in a cluster, one per node, all at once).
   */
  @Override
  public void setEach(Map<String, byte[]> entries, ToLongFunction<String> ttlOf) {
    if (entries.isEmpty()) {
      return;
    }
    requireOpen();
    long deadline = deadline(config.writeTimeout());
    if (direct != null) {
      List<byte[][]> commands = new ArrayList<>(entries.size());
      entries.forEach((key, value) -> {
        long ttlMillis = ttlOf.applyAsLong(key);
        commands.add(ttlMillis == NO_EXPIRY
            ? new byte[][] {SET, keys.key(key), Versions.plain(value)}
            : new byte[][] {SET, keys.key(key), Versions.plain(value), PX, decimal(ttlMillis)});
      });
      if (direct(direct, deadline, config.writeTimeout(), "SET of " + entries.size() + " keys",
          null, commands, true) != null) {
        return;
      }
    }
    List<Op<?>> ops = new ArrayList<>(entries.size());
    entries.forEach((key, value) ->
        ops.add(setOp(keys.key(key), Versions.plain(value), ttlOf.applyAsLong(key), false)));
    execute(ops, deadline, config.writeTimeout(), "SET of " + ops.size() + " keys");
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    return call(setOp(keys.key(key), Versions.plain(value), ttlMillis, true),
        config.writeTimeout(), "SET NX of " + describe(key)) != null;
  }

  /**
   * Deletes as {@link #get} reads: over a caller-thread connection, else merged through Lettuce.
   */
  @Override
  public boolean delete(String key) {
    requireOpen();
    byte[] k = keys.key(key);
    long deadline = deadline(config.writeTimeout());
    List<Object> reply = direct(deadline, config.writeTimeout(), "UNLINK", key,
        new byte[][] {UNLINK, k});
    if (reply != null) {
      return (Long) reply.get(0) > 0;
    }
    return merged(merger.delete(k), deadline, config.writeTimeout(), "UNLINK", key) > 0;
  }

  @Override
  public int deleteMany(Collection<String> keyList) {
    Map<String, byte[]> encoded = new LinkedHashMap<>();
    for (String key : keyList) {
      encoded.computeIfAbsent(key, keys::key);
    }
    if (encoded.isEmpty()) {
      return 0;
    }
    List<Op<?>> ops = new ArrayList<>();
    for (List<String> group : groups(encoded)) {
      List<byte[]> ks = new ArrayList<>(group.size());
      for (String key : group) {
        ks.add(encoded.get(key));
      }
      ops.add(unlink(ks));
    }
    long removed = 0;
    for (Object n : callAll(ops, config.writeTimeout(), "UNLINK of " + encoded.size() + " keys")) {
      removed += (Long) n;
    }
    return (int) removed;
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    if (ttlMillis == NO_EXPIRY) {
      return script(Script.PERSIST, key, () -> new IntegerOutput<>(CODEC),
          config.writeTimeout()) == 1L;
    }
    byte[] k = keys.key(key);
    return call(op(CommandType.PEXPIRE, () -> new BooleanOutput<>(CODEC), k,
        Op.newArgs().addKey(k).add(ttlMillis)), config.writeTimeout(),
        "PEXPIRE of " + describe(key));
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    byte[] value = script(Script.INCR, key, () -> new ValueOutput<>(CODEC), config.writeTimeout(),
        decimal(delta), decimal(ttlMillis));
    return Counters.parse(key, value);
  }

  /**
   * Writes if the key still holds the version read: with {@code expected == null}, a
   * {@code SET NX}; otherwise the script that compares the stored frame. The new value is
   * written framed with a new token, so the next {@code getVersioned} need not frame it.
   */
  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    if (expected == null) {
      return call(setOp(keys.key(key), Versions.frameNew(value), ttlMillis, true),
          config.writeTimeout(), "SET NX of " + describe(key)) != null;
    }
    return script(Script.COMPARE_AND_SET, key, () -> new IntegerOutput<>(CODEC),
        config.writeTimeout(), Versions.header(expected.version()), Versions.frameNew(value),
        decimal(ttlMillis)) == 1L;
  }

  @Override
  public void clear(String prefix) {
    requireOpen();
    if (prefix.isEmpty()) {
      for (Transport.Node node : transport.primaries(config.connectTimeout())) {
        // ASYNC: the keys are gone at once, their memory is freed in the background
        Op<String> flush = new Op<>(CommandType.FLUSHDB, Op.newArgs().add("ASYNC"),
            () -> new StatusOutput<>(CODEC), null);
        await(List.of(node.send(flush)), config.writeTimeout(), "FLUSHDB", node.name());
      }
      return;
    }
    byte[] pattern = keys.scanPattern(prefix);
    for (Transport.Node node : transport.primaries(config.connectTimeout())) {
      clearOn(node, pattern);
    }
  }

  /** SCAN MATCH pattern on one server, each page's UNLINK sent with the next SCAN. */
  @SuppressWarnings("unchecked")
  private void clearOn(Transport.Node node, byte[] pattern) {
    String what = "SCAN and UNLINK of '" + new String(pattern, StandardCharsets.UTF_8) + "'";
    KeyScanCursor<byte[]> page = (KeyScanCursor<byte[]>) await(
        List.of(node.send(scan("0", pattern))), config.writeTimeout(), what, node.name()).get(0);
    while (true) {
      List<Op<?>> ops = new ArrayList<>();
      if (!page.getKeys().isEmpty()) {
        Map<String, byte[]> found = new LinkedHashMap<>();
        for (byte[] k : page.getKeys()) {
          found.put(new String(k, StandardCharsets.ISO_8859_1), k);
        }
        for (List<String> group : groups(found)) {
          List<byte[]> ks = new ArrayList<>(group.size());
          for (String s : group) {
            ks.add(found.get(s));
          }
          ops.add(unlink(ks));
        }
      }
      if (!page.isFinished()) {
        ops.add(scan(page.getCursor(), pattern));
      }
      if (ops.isEmpty()) {
        return;
      }
      List<Object> replies = await(node.sendAll(ops), config.writeTimeout(), what, node.name());
      if (page.isFinished()) {
        return;
      }
      page = (KeyScanCursor<byte[]>) replies.get(replies.size() - 1);
    }
  }

  private static Op<KeyScanCursor<byte[]>> scan(String cursor, byte[] pattern) {
    CommandArgs<byte[], byte[]> args = Op.newArgs().add(cursor).add("MATCH").add(pattern)
        .add("COUNT").add(BATCH);
    return new Op<>(CommandType.SCAN, args, () -> new KeyScanOutput<>(CODEC), null);
  }

  // ---- diagnostics -----------------------------------------------------------------------

  @Override
  public List<String> diagnose() {
    requireOpen();
    Map<String, List<String>> byServer = new LinkedHashMap<>();
    List<Transport.Node> nodes = transport.primaries(config.connectTimeout());
    for (Transport.Node node : nodes) {
      byServer.put(node.name(), settingsWarnings(node));
    }
    List<String> warnings = new ArrayList<>(Diagnostics.merge(byServer, nodes.size() > 1));
    if (transport.clustered()) {
      // any node's view will do: each reports on the whole cluster
      Transport.Node node = nodes.isEmpty() ? null : nodes.get(0);
      if (node == null) {
        warnings.add("no node of the cluster serves any hash slot");
      } else {
        Op<String> info = new Op<>(CommandType.CLUSTER, Op.newArgs().add("INFO"),
            () -> new StatusOutput<>(CODEC), null);
        String text = (String) await(List.of(node.send(info)), config.readTimeout(),
            "CLUSTER INFO", node.name()).get(0);
        warnings.addAll(Diagnostics.cluster(text));
      }
    }
    return warnings;
  }

  /**
   * Reports the keys of the database ({@code DBSIZE}) and the memory of the server
   * ({@code INFO memory}'s {@code used_memory}), summed over a cluster's primaries: counting
   * one prefix would take a {@code SCAN} of every key, so this covers the whole store.
   */
  @Override
  public StoreSize size(String prefix) {
    requireOpen();
    long entries = 0;
    long bytes = 0;
    for (Transport.Node node : transport.primaries(config.connectTimeout())) {
      List<Op<?>> ops = List.of(
          new Op<>(CommandType.DBSIZE, Op.newArgs(), () -> new IntegerOutput<>(CODEC), null),
          new Op<>(CommandType.INFO, Op.newArgs().add("memory"),
              () -> new StatusOutput<>(CODEC), null));
      List<Object> replies = await(node.sendAll(ops), config.readTimeout(), "DBSIZE, INFO",
          node.name());
      entries += (Long) replies.get(0);
      bytes += usedMemory((String) replies.get(1));
    }
    return new StoreSize(entries, bytes, true);
  }

  /** The {@code used_memory} field of an {@code INFO} reply, or 0 if it has none. */
  static long usedMemory(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring("used_memory:".length()).strip());
      }
    }
    return 0;
  }

  private List<String> settingsWarnings(Transport.Node node) {
    List<Op<?>> ops = new ArrayList<>();
    for (String setting : Diagnostics.SETTINGS) {
      ops.add(new Op<>(CommandType.CONFIG, Op.newArgs().add("GET").add(setting),
          () -> new MapOutput<>(CODEC), null));
    }
    Map<String, String> settings = new LinkedHashMap<>();
    try {
      for (Object reply : await(node.sendAll(ops), config.readTimeout(), "CONFIG GET",
          node.name())) {
        @SuppressWarnings("unchecked")
        Map<byte[], byte[]> map = (Map<byte[], byte[]>) reply;
        map.forEach((name, value) -> settings.put(new String(name, StandardCharsets.UTF_8),
            new String(value, StandardCharsets.UTF_8)));
      }
      return Diagnostics.settings(settings);
    } catch (CacheException e) {
      if (!(e.getCause() instanceof RedisCommandExecutionException)
          || e instanceof CacheConnectionException) {
        throw e;
      }
      // CONFIG is often denied (an ACL user without @admin, a managed service): use INFO
      Op<String> info = new Op<>(CommandType.INFO, Op.newArgs().add("everything"),
          () -> new StatusOutput<>(CODEC), null);
      String text = (String) await(List.of(node.send(info)), config.readTimeout(), "INFO",
          node.name()).get(0);
      List<String> warnings = new ArrayList<>(Diagnostics.settings(Diagnostics.settingsFromInfo(text)));
      warnings.add("CONFIG GET was refused (" + rootMessage(e) + "), so appendfsync was not"
          + " checked");
      return warnings;
    }
  }

  // ---- commands --------------------------------------------------------------------------

  static Op<Long> unlink(List<byte[]> ks) {
    CommandArgs<byte[], byte[]> args = Op.newArgs();
    for (byte[] k : ks) {
      args.addKey(k);
    }
    return new Op<>(CommandType.UNLINK, args, () -> new IntegerOutput<>(CODEC), ks.get(0));
  }

  /** {@code SET k v [PX ttl] [NX]}: "OK", or {@code null} when NX found the key. */
  static Op<String> setOp(byte[] k, byte[] stored, long ttlMillis, boolean onlyIfAbsent) {
    CommandArgs<byte[], byte[]> args = Op.newArgs().addKey(k).addValue(stored);
    if (ttlMillis != NO_EXPIRY) {
      args.add(PX).add(ttlMillis);
    }
    if (onlyIfAbsent) {
      args.add(NX);
    }
    return new Op<>(CommandType.SET, args, () -> new StatusOutput<>(CODEC), k);
  }

  private static <T> Op<T> op(CommandType type, Supplier<CommandOutput<byte[], byte[], T>> out,
      byte[] key, CommandArgs<byte[], byte[]> args) {
    return new Op<>(type, args, out, key);
  }

  /**
   * Splits keys into groups that one multi-key command may take: by hash slot in a cluster,
   * and at most {@link #BATCH} keys each.
   */
  List<List<String>> groups(Map<String, byte[]> encoded) {
    List<List<String>> groups = new ArrayList<>();
    if (!transport.clustered()) {
      chunk(new ArrayList<>(encoded.keySet()), groups);
      return groups;
    }
    Map<Integer, List<String>> bySlot = new LinkedHashMap<>();
    encoded.forEach((key, k) ->
        bySlot.computeIfAbsent(RedisKeys.slot(k), s -> new ArrayList<>()).add(key));
    for (List<String> slotKeys : bySlot.values()) {
      chunk(slotKeys, groups);
    }
    return groups;
  }

  private static void chunk(List<String> keys, List<List<String>> into) {
    for (int i = 0; i < keys.size(); i += BATCH) {
      into.add(keys.subList(i, Math.min(keys.size(), i + BATCH)));
    }
  }

  // ---- calls -----------------------------------------------------------------------------

  private <T> T call(Op<T> op, Duration timeout, String what) {
    @SuppressWarnings("unchecked")
    T reply = (T) execute(List.of(op), timeout, what).get(0);
    return reply;
  }

  private List<Object> callAll(List<Op<?>> ops, Duration timeout, String what) {
    return execute(ops, timeout, what);
  }

  /** Runs a single-key script. */
  private <T> T script(Script script, String key,
      Supplier<CommandOutput<byte[], byte[], T>> output, Duration timeout, byte[]... args) {
    byte[] k = keys.key(key);
    return call(Op.script(script, List.of(k), List.of(args), output),
        timeout, script.name() + " of " + describe(key));
  }

  /**
   * Sends commands (one alone through the transport's routing, several as one pipeline) and
   * waits for every reply until one deadline. A script the server does not know yet (first
   * use, a restart) is sent again with its source. On failure, what is still pending is
   * cancelled (the connection skips those replies) and the failure is translated.
   */
  private List<Object> execute(List<Op<?>> ops, Duration timeout, String what) {
    return execute(ops, deadline(timeout), timeout, what);
  }

  /** {@link #execute(List, Duration, String)} with the deadline of a call already under way. */
  private List<Object> execute(List<Op<?>> ops, long deadline, Duration timeout, String what) {
    requireOpen();
    List<CompletableFuture<?>> futures = new ArrayList<>(ops.size() == 1
        ? List.of(transport.send(ops.get(0))) : transport.sendAll(ops));
    List<Object> replies = new ArrayList<>(java.util.Collections.nCopies(ops.size(), null));
    try {
      List<Integer> unknownScripts = new ArrayList<>();
      for (int i = 0; i < futures.size(); i++) {
        try {
          replies.set(i, awaitOne(futures.get(i), deadline));
        } catch (ExecutionException e) {
          if (ops.get(i).onNoScript() == null || !Errors.noScript(e)) {
            throw e;
          }
          unknownScripts.add(i);
        }
      }
      if (!unknownScripts.isEmpty()) {
        List<Op<?>> evals = new ArrayList<>(unknownScripts.size());
        for (int i : unknownScripts) {
          evals.add(ops.get(i).onNoScript());
        }
        List<CompletableFuture<?>> second = evals.size() == 1
            ? List.of(transport.send(evals.get(0))) : transport.sendAll(evals);
        futures.addAll(second);
        for (int j = 0; j < second.size(); j++) {
          replies.set(unknownScripts.get(j), awaitOne(second.get(j), deadline));
        }
      }
      return replies;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      for (CompletableFuture<?> f : futures) {
        f.cancel(false);
      }
      throw Errors.translate(e, what, config.toString(), timeout);
    }
  }

  /**
   * Runs one command of a single-key call on the first caller-thread connection ({@link
   * DirectConnections}), combined with concurrent calls; on the second while the first is down.
   *
   * @return the reply as a one-element list, or {@code null} when there is no direct
   *     connection or all are down (the caller then goes through Lettuce)
   */
  private List<Object> direct(long deadline, Duration timeout, String command, String key,
      byte[][] args) {
    DirectConnections to = direct != null ? direct
        : cluster != null ? cluster.forSlot(RedisKeys.slot(args[1])) : null;
    return to == null ? null
        : direct(to, deadline, timeout, command, key, List.<byte[][]>of(args), false);
  }

  /**
   * Runs commands on a caller-thread connection ({@link DirectConnections#run}).
   *
   * @param key the key named in a failure's message, or {@code null} when {@code command}
   *     says it all
   * @param bulk whether this is a bulk call, with large replies ({@link DirectConnections#run})
   * @return the replies, or {@code null} when every caller-thread connection is down
   */
  private List<Object> direct(DirectConnections to, long deadline, Duration timeout,
      String command, String key, List<byte[][]> commands, boolean bulk) {
    try {
      return to.run(deadline, commands, bulk);
    } catch (IOException | RuntimeException e) {
      if (cluster != null && Errors.redirect(e)) {
        return null; // not applied: the cluster connection follows MOVED/ASK and refreshes
      }
      if (e instanceof java.io.InterruptedIOException
          && !(e instanceof java.net.SocketTimeoutException)) { // as awaitOne; the flag is kept
        throw new CacheException("interrupted while waiting for Redis", e);
      }
      throw key == null ? Errors.translate(e, command, config.toString(), timeout)
          : failed(e, command, key, timeout);
    }
  }

  /**
   * Waits for a merged call's reply until its timeout; on failure gives the call up (a queued
   * call is then not sent) and translates the failure.
   */
  private <T> T merged(CompletableFuture<T> reply, long deadline, Duration timeout,
      String command, String key) {
    try {
      return awaitOne(reply, deadline);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      reply.cancel(false);
      throw failed(e, command, key, timeout);
    }
  }

  /** The {@link System#nanoTime()} by which a call started now must be answered. */
  private static long deadline(Duration timeout) {
    return System.nanoTime() + timeout.toNanos();
  }

  private CacheException failed(Throwable e, String command, String key, Duration timeout) {
    return Errors.translate(e, command + " of " + describe(key), config.toString(), timeout);
  }

  private static <T> T awaitOne(CompletableFuture<T> f, long deadline)
      throws ExecutionException, TimeoutException {
    try {
      return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(false);
      throw new CacheException("interrupted while waiting for Redis", e);
    }
  }

  /**
   * Waits for the replies of keyless commands on one server until one deadline; on failure
   * cancels what is still pending and throws.
   */
  private static List<Object> await(List<? extends CompletableFuture<?>> futures,
      Duration timeout, String what, String target) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Object> replies = new ArrayList<>(futures.size());
    try {
      for (CompletableFuture<?> f : futures) {
        replies.add(awaitOne(f, deadline));
      }
      return replies;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      for (CompletableFuture<?> f : futures) {
        f.cancel(false);
      }
      throw Errors.translate(e, what, target, timeout);
    }
  }

  private void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the Redis store " + config + " is closed");
    }
  }

  static byte[] decimal(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  static String describe(String key) {
    return "key '" + (key.length() > 100 ? key.substring(0, 100) + "…" : key) + "'";
  }

  private static String rootMessage(Throwable t) {
    Throwable u = t;
    while (u.getCause() != null && u.getCause() != u) {
      u = u.getCause();
    }
    return String.valueOf(u.getMessage());
  }

  // ---- asynchronous calls (AsyncCalls) ---------------------------------------------------

  @Override
  public CompletableFuture<byte[]> getAsync(String key) {
    requireOpen();
    return async.get(key);
  }

  @Override
  public CompletableFuture<Map<String, byte[]>> getManyAsync(Collection<String> keyList) {
    requireOpen();
    return async.getMany(keyList);
  }

  @Override
  public CompletableFuture<Boolean> existsAsync(String key) {
    requireOpen();
    return async.exists(key);
  }

  @Override
  public CompletableFuture<StoredValue> getVersionedAsync(String key) {
    requireOpen();
    return async.getVersioned(key);
  }

  @Override
  public CompletableFuture<Void> setAsync(String key, byte[] value, long ttlMillis) {
    requireOpen();
    return async.set(key, value, ttlMillis);
  }

  @Override
  public CompletableFuture<Void> setManyAsync(Map<String, byte[]> entries, long ttlMillis) {
    requireOpen();
    return async.setMany(entries, ttlMillis);
  }

  @Override
  public CompletableFuture<Void> setEachAsync(Map<String, byte[]> entries,
      ToLongFunction<String> ttlMillis) {
    requireOpen();
    return async.setEach(entries, ttlMillis);
  }

  @Override
  public CompletableFuture<Boolean> addAsync(String key, byte[] value, long ttlMillis) {
    requireOpen();
    return async.add(key, value, ttlMillis);
  }

  @Override
  public CompletableFuture<Boolean> deleteAsync(String key) {
    requireOpen();
    return async.delete(key);
  }

  @Override
  public CompletableFuture<Integer> deleteManyAsync(Collection<String> keyList) {
    requireOpen();
    return async.deleteMany(keyList);
  }

  @Override
  public CompletableFuture<Boolean> touchAsync(String key, long ttlMillis) {
    requireOpen();
    return async.touch(key, ttlMillis);
  }

  @Override
  public CompletableFuture<Long> incrAsync(String key, long delta, long ttlMillis) {
    requireOpen();
    return async.incr(key, delta, ttlMillis);
  }

  @Override
  public CompletableFuture<Boolean> compareAndSetAsync(String key, StoredValue expected,
      byte[] value, long ttlMillis) {
    requireOpen();
    return async.compareAndSet(key, expected, value, ttlMillis);
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /**
   * Any key; milliseconds; new arrays per reply (Lettuce decodes each); counters as the
   * server's {@code INCRBY} keeps them; {@code add} as {@code SET NX}; values up to Redis's
   * string limit of 512 MiB.
   */
  @Override
  public StoreTraits traits() {
    return TRAITS;
  }

  /** The traits of every Redis store; see {@link #traits()}. */
  static final StoreTraits TRAITS = StoreTraits.DEFAULT.withReadsReturnCopies(true)
      .withServerCounters(true).withNativeAdd(true).withMaxValueBytes(512L << 20);

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (direct != null) {
        direct.close();
      }
      if (cluster != null) {
        pruning.cancel(false);
        cluster.close();
      }
      transport.close();
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return "RedisStore[" + config + "]";
  }
}
