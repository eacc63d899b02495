package io.larder.redis.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.redis.RedisCacheStore;
import io.larder.spi.Backoff;
import io.larder.spi.Counters;
import io.larder.spi.HostPort;
import io.larder.spi.Invalidations;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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

/**
 * The Redis store on Lettuce: one connection per server shared by all threads; reads are
 * plain {@code GET}, {@code MGET} and {@code EXISTS}, writes Lua scripts that also drop the
 * key's version tag; the commands of a bulk call are pipelined.
 *
 * <p>Every call waits at most its timeout ({@code timeout} for reads, {@code writeTimeout}
 * for writes), all the commands of one call sharing that one deadline. While a connection is
 * down, Lettuce rejects commands at once (no queue that grows while the server is away) and
 * reconnects in the background with a jittered backoff of 10 ms doubling up to one second.
 */
final class RedisStore implements RedisCacheStore, Invalidations {
  private static final ByteArrayCodec CODEC = ByteArrayCodec.INSTANCE;
  /** Keys per MGET, UNLINK or SCAN page: large enough to amortise, small enough not to stall Redis. */
  static final int BATCH = 1000;
  private static final byte[] ZERO = {'0'};
  private static final byte[] ONE = {'1'};
  private static final byte[] EMPTY = {};

  private final RedisConfig config;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final Transport transport;
  private final RedisKeys keys;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisStore(RedisConfig config, ClientResources resources, AbstractRedisClient client,
      Transport transport) {
    this.config = config;
    this.resources = resources;
    this.client = client;
    this.transport = transport;
    this.keys = new RedisKeys(config.hashTag());
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
        StatefulRedisConnection<byte[], byte[]> c = single.connect(CODEC);
        transport = new StandaloneTransport(c, config.hosts().get(0).toString());
      }
      RedisStore store = new RedisStore(config, resources, client, transport);
      store.loadScripts(); // on failure, the catch below closes what was opened
      return store;
    } catch (RuntimeException e) {
      if (client != null) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
      resources.shutdown(0, 2, TimeUnit.SECONDS);
      throw OpenErrors.translate(e, config);
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
    requireOpen();
    return RedisTracking.start(config, resources, client, prefix, listener);
  }

  // ---- reads -----------------------------------------------------------------------------

  @Override
  public byte[] get(String key) {
    byte[] k = keys.key(key);
    return call(op(CommandType.GET, () -> new ValueOutput<>(CODEC), k, Op.newArgs().addKey(k)),
        config.readTimeout(), "GET of " + describe(key));
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keyList) {
    Map<String, byte[]> encoded = new LinkedHashMap<>();
    for (String key : keyList) {
      encoded.computeIfAbsent(key, keys::key);
    }
    if (encoded.isEmpty()) {
      return new HashMap<>();
    }
    List<List<String>> groups = groups(encoded);
    List<Op<?>> ops = new ArrayList<>(groups.size());
    for (List<String> group : groups) {
      CommandArgs<byte[], byte[]> args = Op.newArgs();
      for (String key : group) {
        args.addKey(encoded.get(key));
      }
      ops.add(new Op<>(CommandType.MGET, args, () -> new ValueListOutput<>(CODEC),
          encoded.get(group.get(0))));
    }
    List<Object> replies = callAll(ops, config.readTimeout(), "MGET of " + encoded.size() + " keys");
    Map<String, byte[]> found = new HashMap<>();
    for (int g = 0; g < groups.size(); g++) {
      @SuppressWarnings("unchecked")
      List<byte[]> values = (List<byte[]>) replies.get(g);
      List<String> group = groups.get(g);
      for (int i = 0; i < group.size(); i++) {
        if (values.get(i) != null) {
          found.put(group.get(i), values.get(i));
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
    long token = ThreadLocalRandom.current().nextLong();
    List<Object> reply = script(Script.GET_VERSIONED, key, () -> new NestedMultiOutput<>(CODEC),
        config.readTimeout(), decimal(token == 0 ? 1 : token));
    if (reply == null || reply.isEmpty()) {
      return null;
    }
    String version = new String((byte[]) reply.get(1), StandardCharsets.US_ASCII);
    try {
      return new StoredValue((byte[]) reply.get(0), Long.parseLong(version));
    } catch (NumberFormatException e) {
      throw new CacheException("the version tag of " + describe(key) + " on " + config
          + " holds '" + version + "', not a version; delete the key", e);
    }
  }

  // ---- writes ----------------------------------------------------------------------------
  // Every write runs a script that also drops the key's version tag, atomically: one command
  // per call (per slot in a cluster), which measured faster than pipelining each Redis
  // command with an UNLINK of the tag.

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    byte[] k = keys.key(key);
    call(Op.script(Script.SET, List.of(k, RedisKeys.versionKey(k)),
        List.of(decimal(ttlMillis), value), () -> new IntegerOutput<>(CODEC)),
        config.writeTimeout(), "SET of " + describe(key));
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    Map<String, byte[]> encoded = new LinkedHashMap<>();
    for (String key : entries.keySet()) {
      encoded.put(key, keys.key(key));
    }
    if (encoded.isEmpty()) {
      return;
    }
    List<Op<?>> ops = new ArrayList<>();
    for (List<String> group : groups(encoded)) {
      List<byte[]> ks = new ArrayList<>(2 * group.size());
      List<byte[]> args = new ArrayList<>(group.size() + 1);
      args.add(decimal(ttlMillis));
      for (String key : group) {
        byte[] k = encoded.get(key);
        ks.add(k);
        ks.add(RedisKeys.versionKey(k));
        args.add(entries.get(key));
      }
      ops.add(Op.script(Script.SET, ks, args, () -> new IntegerOutput<>(CODEC)));
    }
    callAll(ops, config.writeTimeout(), "SET of " + encoded.size() + " keys");
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    return script(Script.ADD, key, () -> new IntegerOutput<>(CODEC), config.writeTimeout(),
        value, decimal(ttlMillis)) == 1L;
  }

  @Override
  public boolean delete(String key) {
    return script(Script.DELETE, key, () -> new IntegerOutput<>(CODEC), config.writeTimeout())
        > 0;
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
      List<byte[]> ks = new ArrayList<>(2 * group.size());
      for (String key : group) {
        ks.add(encoded.get(key));
      }
      for (String key : group) {
        ks.add(RedisKeys.versionKey(encoded.get(key)));
      }
      ops.add(Op.script(Script.DELETE, ks, List.of(), () -> new IntegerOutput<>(CODEC)));
    }
    long removed = 0;
    for (Object n : callAll(ops, config.writeTimeout(), "UNLINK of " + encoded.size() + " keys")) {
      removed += (Long) n;
    }
    return (int) removed;
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    return script(Script.TOUCH, key, () -> new IntegerOutput<>(CODEC), config.writeTimeout(),
        decimal(ttlMillis)) == 1L;
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    byte[] value = script(Script.INCR, key, () -> new ValueOutput<>(CODEC), config.writeTimeout(),
        decimal(delta), decimal(ttlMillis));
    return Counters.parse(key, value);
  }

  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    return script(Script.COMPARE_AND_SET, key, () -> new IntegerOutput<>(CODEC),
        config.writeTimeout(),
        expected == null ? ZERO : ONE,
        expected == null ? EMPTY : expected.bytes(),
        expected == null ? EMPTY : decimal(expected.version()),
        value,
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

  private static Op<Long> unlink(List<byte[]> ks) {
    CommandArgs<byte[], byte[]> args = Op.newArgs();
    for (byte[] k : ks) {
      args.addKey(k);
    }
    return new Op<>(CommandType.UNLINK, args, () -> new IntegerOutput<>(CODEC), ks.get(0));
  }

  private static <T> Op<T> op(CommandType type, Supplier<CommandOutput<byte[], byte[], T>> out,
      byte[] key, CommandArgs<byte[], byte[]> args) {
    return new Op<>(type, args, out, key);
  }

  /**
   * Splits keys into groups that one multi-key command may take: by hash slot in a cluster,
   * and at most {@link #BATCH} keys each.
   */
  private List<List<String>> groups(Map<String, byte[]> encoded) {
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

  /** Runs a single-key script on a key and its version tag. */
  private <T> T script(Script script, String key,
      Supplier<CommandOutput<byte[], byte[], T>> output, Duration timeout, byte[]... args) {
    byte[] k = keys.key(key);
    return call(Op.script(script, List.of(k, RedisKeys.versionKey(k)), List.of(args), output),
        timeout, script.name() + " of " + describe(key));
  }

  /**
   * Sends commands (one alone through the transport's routing, several as one pipeline) and
   * waits for every reply until one deadline. A script the server does not know yet (first
   * use, a restart) is sent again with its source. On failure, what is still pending is
   * cancelled (the connection skips those replies) and the failure is translated.
   */
  private List<Object> execute(List<Op<?>> ops, Duration timeout, String what) {
    requireOpen();
    long deadline = System.nanoTime() + timeout.toNanos();
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

  private static byte[] decimal(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  private static String describe(String key) {
    return "key '" + (key.length() > 100 ? key.substring(0, 100) + "…" : key) + "'";
  }

  private static String rootMessage(Throwable t) {
    Throwable u = t;
    while (u.getCause() != null && u.getCause() != u) {
      u = u.getCause();
    }
    return String.valueOf(u.getMessage());
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
