package io.larder.internal.sharding;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.Hashing;
import io.larder.spi.AsyncBulkStore;
import io.larder.spi.AsyncStore;
import io.larder.spi.Durations;
import io.larder.spi.HostPort;
import io.larder.spi.KeyRules;
import io.larder.spi.Store;
import io.larder.spi.StoreSize;
import io.larder.spi.StoreTraits;
import io.larder.spi.StoredValue;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * A store that spreads keys over several stores ("servers") with a Ketama consistent-hash
 * ring, placing every key where libmemcached 1.1.4 would (see {@link KetamaRing}), and that
 * ejects servers that keep failing until they answer again. Not public API; obtain it from
 * {@code io.larder.Stores.sharded()}.
 *
 * <p>Single-key calls go to the key's server on the caller's thread. Bulk calls
 * ({@link #getMany}, {@link #setMany}, {@link #setEach}, {@link #deleteMany}) and
 * {@link #clear} send one call to each server involved, all at once, and merge the answers:
 * a server whose store is an {@link AsyncBulkStore} (memcached's) gets its call started from
 * the caller's thread, which
 * then waits for all, so the call takes the time of the slowest server and no thread hand-off;
 * other stores' calls run in parallel on a pool this store owns. A bulk call in which any
 * server failed throws that failure once every server has answered.
 *
 * <p>Failover: a server whose calls throw {@link CacheConnectionException} or
 * {@link CacheTimeoutException} {@code failureThreshold} times in a row is ejected: the ring is
 * rebuilt from the live servers, as libmemcached's auto-ejection rebuilds it. Every
 * {@code retryInterval} an ejected server is probed with {@link Store#exists} on
 * {@value #PROBE_KEY}; when the probe answers, the namespaces cleared while it was out are
 * cleared on it too, then it rejoins and the ring is rebuilt again. With every server ejected, calls throw {@link CacheConnectionException}. Ejections and
 * rejoins are logged through {@link System.Logger}.
 *
 * <p>Thread-safe: calls read an immutable ring snapshot from a volatile field; ejection and
 * rejoin replace it under a lock.
 */
public class ShardedStore implements Store {
  /** The key an ejected server is probed with; it is only read. */
  public static final String PROBE_KEY = "larder-probe";

  private static final System.Logger LOG = System.getLogger(ShardedStore.class.getName());
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /**
   * A server of a sharded store.
   *
   * @param name the name other clients know the server by, {@code host:port} or {@code host}
   *     (port 11211), hashed as written; IPv6 addresses in brackets, {@code [::1]:11211}
   * @param weight the server's share of keys relative to the others, at least 1
   * @param store the store holding the server's keys; the sharded store closes it
   */
  public record Server(String name, int weight, Store store) {
    /**
     * Checks and creates a server.
     *
     * @param name the server's name, {@code host:port} or {@code host}
     * @param weight its weight, at least 1
     * @param store its store
     * @throws NullPointerException if {@code name} or {@code store} is null
     * @throws IllegalArgumentException if {@code name} is not {@code host} or
     *     {@code host:port}, or {@code weight} is below 1
     */
    public Server {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(store, "store");
      new KetamaRing.Node(name, weight); // checks name and weight with messages naming them
    }

    /**
     * Returns the server's host and port as libmemcached sees them, {@code host:port} with
     * the port always present: two names with the same endpoint are the same server.
     *
     * @return the endpoint
     */
    public String endpoint() {
      HostPort hp = KetamaRing.parse(name);
      return hp.host() + ":" + hp.port();
    }
  }

  /** A configured server and its failure state. */
  static final class Shard {
    final KetamaRing.Node node;
    final Store store;
    final AtomicInteger failures = new AtomicInteger();
    volatile boolean ejected;
    /** Namespaces cleared while this server was ejected, replayed before it rejoins. */
    final java.util.Set<String> missedClears = new java.util.LinkedHashSet<>();

    Shard(Server server) {
      this.node = new KetamaRing.Node(server.name(), server.weight());
      this.store = server.store();
    }

    String name() {
      return node.name();
    }
  }

  /** An immutable snapshot: the ring over the live shards, indexed as the ring's servers. */
  record Ring(KetamaRing ring, List<Shard> live) {}

  private final Hashing hashing;
  private final boolean weightedPoints;
  private final List<Shard> shards;
  private final int failureThreshold;
  private final long retryNanos;
  private final StoreTraits traits;
  private final ThreadPoolExecutor fanOut;
  private final ScheduledThreadPoolExecutor prober;
  private final AtomicBoolean probeScheduled = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Guards ejection and rejoin, which rebuild {@link #ring}. */
  private final Object lock = new Object();
  private volatile Ring ring;

  /**
   * Creates a sharded store over servers: one whose calls also have a non-blocking form
   * ({@link AsyncStore}) when every server's store has one, else a blocking one.
   *
   * @param hashing how keys are placed
   * @param servers the servers, in configured order
   * @param failureThreshold consecutive failures that eject a server, at least 1
   * @param retryInterval how long an ejected server waits between probes, positive
   * @return the store, which owns the servers' stores
   * @throws IllegalArgumentException as the constructor does
   */
  public static ShardedStore create(Hashing hashing, List<Server> servers, int failureThreshold,
      Duration retryInterval) {
    return servers.stream().allMatch(s -> s.store() instanceof AsyncStore)
        ? new AsyncShardedStore(hashing, servers, failureThreshold, retryInterval)
        : new ShardedStore(hashing, servers, failureThreshold, retryInterval);
  }

  /**
   * Creates a sharded store; it takes ownership of the servers' stores.
   *
   * @param hashing how keys are placed
   * @param servers the servers, in the order other clients list them (the order breaks ties
   *     between equal ring points)
   * @param failureThreshold consecutive failures that eject a server, at least 1
   * @param retryInterval how long an ejected server waits between probes, positive
   * @throws NullPointerException if an argument or server is null
   * @throws IllegalArgumentException if {@code servers} is empty, names one endpoint or one
   *     store twice, or a number is out of range
   */
  public ShardedStore(Hashing hashing, List<Server> servers, int failureThreshold,
      Duration retryInterval) {
    this.hashing = Objects.requireNonNull(hashing, "hashing");
    Objects.requireNonNull(servers, "servers");
    Objects.requireNonNull(retryInterval, "retryInterval");
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("a sharded store needs at least one server");
    }
    if (failureThreshold < 1) {
      throw new IllegalArgumentException(
          "failureThreshold must be at least 1, was " + failureThreshold);
    }
    Durations.requirePositive(retryInterval, "retryInterval");
    Map<String, String> endpoints = new HashMap<>();
    Map<Store, String> stores = new IdentityHashMap<>();
    List<Shard> list = new ArrayList<>(servers.size());
    for (Server server : servers) {
      Objects.requireNonNull(server, "server");
      String before = endpoints.putIfAbsent(server.endpoint(), server.name());
      if (before != null) {
        throw new IllegalArgumentException("servers '" + before + "' and '" + server.name()
            + "' are the same endpoint " + server.endpoint());
      }
      String sameStore = stores.putIfAbsent(server.store(), server.name());
      if (sameStore != null) {
        throw new IllegalArgumentException("servers '" + sameStore + "' and '" + server.name()
            + "' were given the same store object");
      }
      list.add(new Shard(server));
    }
    this.shards = List.copyOf(list);
    this.failureThreshold = failureThreshold;
    this.retryNanos = retryInterval.toNanos();
    this.weightedPoints = KetamaRing.usesWeightedPoints(hashing,
        shards.stream().map(s -> s.node).toList());
    this.traits = strictest(shards);
    int id = INSTANCES.incrementAndGet();
    // no queue: when every thread is busy the caller runs the call itself, so a burst of bulk
    // calls degrades to sequential calls instead of waiting behind each other
    this.fanOut = new ThreadPoolExecutor(0, Math.max(4, 8 * shards.size()), 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), daemonThreads("larder-sharded-" + id + "-io-"),
        ShardedStore::runInCallerUnlessShutDown);
    this.prober = new ScheduledThreadPoolExecutor(1, daemonThreads("larder-sharded-" + id
        + "-probe-"));
    this.prober.setRemoveOnCancelPolicy(true);
    rebuild();
  }

  /**
   * Runs a task the pool has no thread for in the submitting thread. Unlike
   * {@link ThreadPoolExecutor.CallerRunsPolicy}, which silently drops the task once the pool is
   * shut down and so leaves its future unfinished forever, this refuses it.
   */
  private static void runInCallerUnlessShutDown(Runnable task, ThreadPoolExecutor pool) {
    if (pool.isShutdown()) {
      throw new RejectedExecutionException("the sharded store is closed");
    }
    task.run();
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * The traits of the pool: the strictest key rules (the shortest limit, printable if any
   * server is), the coarsest TTL resolution, the smallest value limit, and each property only
   * if every server has it.
   */
  private static StoreTraits strictest(List<Shard> shards) {
    int maxBytes = Integer.MAX_VALUE;
    boolean printable = false;
    Duration resolution = Duration.ofMillis(1);
    boolean copies = true;
    boolean serverCounters = true;
    boolean nativeAdd = true;
    long maxValueBytes = Long.MAX_VALUE;
    for (Shard shard : shards) {
      StoreTraits t = Objects.requireNonNull(shard.store.traits(), "traits of " + shard.name());
      maxBytes = Math.min(maxBytes, t.keyRules().maxBytes());
      printable |= t.keyRules().printableAsciiOnly();
      resolution = t.ttlResolution().compareTo(resolution) > 0 ? t.ttlResolution() : resolution;
      copies &= t.readsReturnCopies();
      serverCounters &= t.serverCounters();
      nativeAdd &= t.nativeAdd();
      maxValueBytes = Math.min(maxValueBytes, t.maxValueBytes());
    }
    KeyRules rules = maxBytes == Integer.MAX_VALUE && !printable ? KeyRules.ANY
        : new KeyRules(maxBytes, printable);
    return new StoreTraits(rules, resolution, copies, serverCounters, nativeAdd,
        maxValueBytes);
  }

  // ---- routing ------------------------------------------------------------------------------

  Ring ring() {
    if (closed.get()) {
      throw new IllegalStateException("sharded store " + this + " is closed");
    }
    return ring;
  }

  Shard shardFor(Ring r, String key) {
    int index = r.ring().serverFor(key.getBytes(StandardCharsets.UTF_8));
    if (index < 0) {
      throw allEjected();
    }
    return r.live().get(index);
  }

  private CacheConnectionException allEjected() {
    return new CacheConnectionException("every server of sharded store " + this
        + " is ejected after failures; retrying each every " + Duration.ofNanos(retryNanos));
  }

  /**
   * Returns the name of the server a key is placed on now, or {@code null} if every server is
   * ejected.
   *
   * @param key a store key
   * @return the server's name as given
   */
  public String serverFor(String key) {
    Objects.requireNonNull(key, "key");
    Ring r = ring();
    int index = r.ring().serverFor(key.getBytes(StandardCharsets.UTF_8));
    return index < 0 ? null : r.live().get(index).name();
  }

  /**
   * Returns the names of the servers that currently take keys, in configured order.
   *
   * @return the live servers' names
   */
  public List<String> liveServers() {
    return ring().live().stream().map(Shard::name).toList();
  }

  private <R> R onKey(String key, Function<Store, R> call) {
    Objects.requireNonNull(key, "key");
    Shard shard = shardFor(ring(), key);
    return run(shard, () -> call.apply(shard.store));
  }

  /** Runs one call on a shard, keeping its failure count. */
  private <R> R run(Shard shard, Supplier<R> call) {
    R result;
    try {
      result = call.get();
    } catch (CacheConnectionException | CacheTimeoutException e) {
      failed(shard, e);
      throw e;
    } catch (CacheException e) {
      if (!Thread.currentThread().isInterrupted()) {
        succeeded(shard); // the server answered, with an error about this call only
      } // an interrupted wait says nothing about the server: its count stays
      throw e;
    }
    succeeded(shard);
    return result;
  }

  void succeeded(Shard shard) {
    if (shard.failures.get() != 0) {
      shard.failures.set(0);
    }
  }

  void failed(Shard shard, CacheException e) {
    int failures = shard.failures.incrementAndGet();
    if (failures >= failureThreshold && !shard.ejected) {
      eject(shard, failures, e);
    }
  }

  private void eject(Shard shard, int failures, CacheException cause) {
    int live;
    synchronized (lock) {
      if (shard.ejected || closed.get()) {
        return;
      }
      shard.ejected = true;
      rebuild();
      live = ring.live().size();
    }
    LOG.log(Level.WARNING, () -> "sharded store: ejected server " + shard.name() + " after "
        + (failures == 1 ? "a failure" : failures + " consecutive failures")
        + " (last: " + cause + "); "
        + (live == 0 ? "no server is left, so every call fails"
            : "its keys go to the " + live + " other live server" + (live == 1 ? "" : "s"))
        + " until it answers a probe, tried every " + Duration.ofNanos(retryNanos));
    scheduleProbe();
  }

  private void rejoin(Shard shard) {
    synchronized (lock) {
      if (!shard.ejected || closed.get()) {
        return;
      }
      shard.failures.set(0);
      shard.ejected = false;
      rebuild();
    }
    LOG.log(Level.INFO, () -> "sharded store: server " + shard.name()
        + " answered a probe and rejoined the ring");
  }

  /** Replaces the ring snapshot with one over the servers not ejected; under {@link #lock}. */
  private void rebuild() {
    List<Shard> live = shards.stream().filter(s -> !s.ejected).toList();
    ring = new Ring(KetamaRing.of(hashing, weightedPoints, live.stream().map(s -> s.node).toList()),
        live);
  }

  private void scheduleProbe() {
    if (closed.get() || !probeScheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      prober.schedule(this::probeInBackground, retryNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      probeScheduled.set(false); // closed meanwhile
    }
  }

  private void probeInBackground() {
    probeScheduled.set(false);
    try {
      probeEjected();
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "sharded store: probing ejected servers failed", e);
    }
    if (shards.stream().anyMatch(s -> s.ejected)) {
      scheduleProbe();
    }
  }

  /**
   * Probes every ejected server once, now, letting those that answer rejoin. The background
   * prober calls this every retry interval; tests call it to avoid waiting.
   *
   * @return how many servers are still ejected
   */
  int probeEjected() {
    for (Shard shard : shards) {
      if (!shard.ejected || closed.get()) {
        continue;
      }
      try {
        shard.store.exists(PROBE_KEY);
        synchronized (lock) {
          for (java.util.Iterator<String> it = shard.missedClears.iterator(); it.hasNext(); ) {
            shard.store.clear(it.next());
            it.remove();
          }
          rejoin(shard);
        }
      } catch (CacheException e) {
        LOG.log(Level.DEBUG, () -> "sharded store: server " + shard.name()
            + " still fails its probe: " + e);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "sharded store: probe of server " + shard.name()
            + " threw an unexpected exception; it stays ejected", e);
      }
    }
    return (int) shards.stream().filter(s -> s.ejected).count();
  }

  // ---- fan-out ------------------------------------------------------------------------------

  /** Groups keys by the shard they live on, dropping duplicate keys. */
  <K> Map<Shard, List<K>> byShard(Ring r, Collection<K> items,
      Function<K, String> keyOf) {
    Map<Shard, Set<K>> groups = new LinkedHashMap<>();
    for (K item : items) {
      String key = Objects.requireNonNull(keyOf.apply(item), "key");
      groups.computeIfAbsent(shardFor(r, key), s -> new LinkedHashSet<>()).add(item);
    }
    Map<Shard, List<K>> lists = new LinkedHashMap<>();
    groups.forEach((shard, set) -> lists.put(shard, List.copyOf(set)));
    return lists;
  }

  /**
   * Makes one call per shard at once and returns their results once all have answered; if any
   * failed, throws the first failure with the others suppressed. A shard whose store is an
   * {@link AsyncBulkStore} gets its call started on this thread and answered without another
   * thread; of the others, the first runs on this thread and the rest on the pool. Every part
   * is awaited, even once the thread is interrupted: a started part may hold a connection of
   * its store until then.
   *
   * @param start how to start the call on an {@link AsyncBulkStore}, or {@code null} if the
   *     call has no asynchronous form
   */
  private <G, R> List<R> onEach(Map<Shard, G> groups, BiFunction<Store, G, R> call,
      BiFunction<AsyncBulkStore, G, AsyncBulkStore.Pending<R>> start) {
    List<Map.Entry<Shard, G>> entries = new ArrayList<>(groups.entrySet());
    if (entries.size() == 1) {
      Map.Entry<Shard, G> only = entries.get(0);
      // a list that may hold null: the writes answer null
      return Collections.singletonList(
          run(only.getKey(), () -> call.apply(only.getKey().store, only.getValue())));
    }
    List<AsyncBulkStore.Pending<R>> pending = new ArrayList<>(entries.size());
    List<Future<R>> futures = new ArrayList<>();
    AsyncBulkStore.Pending<R> onThisThread = null;
    for (Map.Entry<Shard, G> e : entries) {
      Shard shard = e.getKey();
      G group = e.getValue();
      if (start != null && shard.store instanceof AsyncBulkStore async) {
        pending.add(started(shard, () -> start.apply(async, group)));
      } else if (onThisThread == null) {
        onThisThread = () -> run(shard, () -> call.apply(shard.store, group));
      } else {
        Future<R> f;
        try {
          f = fanOut.submit(() -> run(shard, () -> call.apply(shard.store, group)));
        } catch (RejectedExecutionException rejected) {
          futures.forEach(other -> other.cancel(true));
          IllegalStateException closed =
              new IllegalStateException("sharded store " + this + " is closed", rejected);
          awaitAll(pending, closed); // a started part holds a connection until awaited
          throw closed;
        }
        futures.add(f);
        pending.add(() -> answer(f, futures));
      }
    }
    if (onThisThread != null) {
      pending.add(0, onThisThread); // its work is done while the others are in flight
    }
    List<R> results = new ArrayList<>(entries.size());
    RuntimeException failure = null;
    for (int i = 0; i < pending.size(); i++) {
      try {
        results.add(pending.get(i).await());
      } catch (Error e) {
        // the parts after it are still awaited: a started part holds a connection until it is
        futures.forEach(other -> other.cancel(true));
        awaitAll(pending.subList(i + 1, pending.size()), e);
        throw e;
      } catch (RuntimeException e) {
        if (Thread.currentThread().isInterrupted()) {
          // the other parts are still awaited: a started part may hold a connection of its
          // store until it is (an interrupted wait for a pipelined part ends at once)
          futures.forEach(other -> other.cancel(true));
        }
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    return results;
  }

  /** Awaits parts whose answers no longer matter, adding their failures to {@code failure}. */
  private static <R> void awaitAll(List<AsyncBulkStore.Pending<R>> parts, Throwable failure) {
    for (AsyncBulkStore.Pending<R> p : parts) {
      try {
        p.await();
      } catch (RuntimeException | Error e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** Starts an asynchronous call on a shard; its answer keeps the shard's failure count. */
  private <R> AsyncBulkStore.Pending<R> started(Shard shard,
      Supplier<AsyncBulkStore.Pending<R>> start) {
    AsyncBulkStore.Pending<R> p;
    try {
      p = start.get();
    } catch (RuntimeException e) {
      return () -> run(shard, () -> {
        throw e;
      });
    }
    return () -> run(shard, p::await);
  }

  /** Waits for a call on the pool, unwrapping its failure. */
  private <R> R answer(Future<R> f, List<Future<R>> all) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      all.forEach(other -> other.cancel(true));
      Thread.currentThread().interrupt();
      throw new CacheException("interrupted while waiting for the servers of sharded store "
          + this);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re
          : new CacheException("a server of sharded store " + this + " failed", e.getCause());
    }
  }

  // ---- Store --------------------------------------------------------------------------------

  @Override
  public byte[] get(String key) {
    return onKey(key, s -> s.get(key));
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    Ring r = ring();
    if (keys.isEmpty()) {
      return new HashMap<>();
    }
    List<Map<String, byte[]>> parts = onEach(keysByShard(r, keys), Store::getMany,
        AsyncBulkStore::startGetMany);
    if (parts.size() == 1) {
      return parts.get(0);
    }
    int found = 0;
    for (Map<String, byte[]> part : parts) {
      found += part.size();
    }
    Map<String, byte[]> merged = new HashMap<>(found * 4 / 3 + 1); // no resize
    for (Map<String, byte[]> part : parts) {
      merged.putAll(part);
    }
    return merged;
  }

  /**
   * Groups the keys of a bulk read ({@code getMany} and {@code getManyAsync}) by the shard
   * they live on, in the ring's server order: each key placed once with a per-call
   * {@link KeyPlacer}, each group an array. Duplicate keys are passed on, as
   * {@link Store#getMany} allows (the contract's repeated-key case holds every store to it).
   */
  Map<Shard, List<String>> keysByShard(Ring r, Collection<String> keys) {
    String[] all = keys.toArray(new String[0]);
    int servers = r.live().size();
    int[] serverOf = new int[all.length];
    int[] counts = new int[servers];
    KeyPlacer placer = new KeyPlacer(r.ring());
    for (int i = 0; i < all.length; i++) {
      int s = placer.serverFor(Objects.requireNonNull(all[i], "key"));
      if (s < 0) {
        throw allEjected();
      }
      serverOf[i] = s;
      counts[s]++;
    }
    String[][] groups = new String[servers][];
    for (int s = 0; s < servers; s++) {
      groups[s] = counts[s] == 0 ? null : new String[counts[s]];
      counts[s] = 0;
    }
    for (int i = 0; i < all.length; i++) {
      int s = serverOf[i];
      groups[s][counts[s]++] = all[i];
    }
    Map<Shard, List<String>> byShard = new LinkedHashMap<>();
    for (int s = 0; s < servers; s++) {
      if (groups[s] != null) {
        byShard.put(r.live().get(s), Arrays.asList(groups[s]));
      }
    }
    return byShard;
  }

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    onKey(key, s -> {
      s.set(key, value, ttlMillis);
      return null;
    });
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    Objects.requireNonNull(entries, "entries");
    Ring r = ring();
    if (entries.isEmpty()) {
      return;
    }
    Map<Shard, List<Map.Entry<String, byte[]>>> groups =
        byShard(r, entries.entrySet(), Map.Entry::getKey);
    onEach(groups, (store, list) -> {
      store.setMany(toMap(list), ttlMillis);
      return null;
    }, (store, list) -> store.startSetMany(toMap(list), ttlMillis));
  }

  /** Sends each server its part of the entries, every TTL in one call, all servers at once. */
  @Override
  public void setEach(Map<String, byte[]> entries, ToLongFunction<String> ttlMillis) {
    Objects.requireNonNull(entries, "entries");
    Ring r = ring();
    if (entries.isEmpty()) {
      return;
    }
    onEach(byShard(r, entries.entrySet(), Map.Entry::getKey), (store, list) -> {
      store.setEach(toMap(list), ttlMillis);
      return null;
    }, (store, list) -> store.startSetEach(toMap(list), ttlMillis));
  }

  static Map<String, byte[]> toMap(List<Map.Entry<String, byte[]>> entries) {
    Map<String, byte[]> map = new LinkedHashMap<>();
    entries.forEach(e -> map.put(e.getKey(), e.getValue()));
    return map;
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    return onKey(key, s -> s.add(key, value, ttlMillis));
  }

  @Override
  public boolean delete(String key) {
    return onKey(key, s -> s.delete(key));
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    Ring r = ring();
    if (keys.isEmpty()) {
      return 0;
    }
    int removed = 0;
    for (int n : onEach(byShard(r, keys, k -> k), Store::deleteMany,
        AsyncBulkStore::startDeleteMany)) {
      removed += n;
    }
    return removed;
  }

  @Override
  public boolean exists(String key) {
    return onKey(key, s -> s.exists(key));
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    return onKey(key, s -> s.touch(key, ttlMillis));
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    return onKey(key, s -> s.incr(key, delta, ttlMillis));
  }

  @Override
  public StoredValue getVersioned(String key) {
    return onKey(key, s -> s.getVersioned(key));
  }

  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    return onKey(key, s -> s.compareAndSet(key, expected, value, ttlMillis));
  }

  /**
   * Removes every key starting with {@code prefix} from every live server. An ejected server
   * is not cleared: when it rejoins it still holds what it held before.
   *
   * @throws CacheConnectionException if every server is ejected
   */
  @Override
  public void clear(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    Ring r;
    synchronized (lock) {
      // an ejected server keeps its keys; clearing them when it comes back keeps a cleared
      // namespace from reappearing through it
      for (Shard shard : shards) {
        if (shard.ejected) {
          if (prefix.isEmpty()) {
            shard.missedClears.clear();
          }
          if (!shard.missedClears.contains("")) {
            shard.missedClears.add(prefix);
          }
        }
      }
      r = ring();
    }
    if (r.live().isEmpty()) {
      throw allEjected();
    }
    Map<Shard, String> all = new LinkedHashMap<>();
    r.live().forEach(shard -> all.put(shard, prefix));
    onEach(all, (store, p) -> {
      store.clear(p);
      return null;
    }, null); // rare: on the pool for every store
  }

  /**
   * Adds up the live servers' sizes, asked in parallel; a count any server cannot tell is
   * unknown. Ejected servers are not counted.
   */
  @Override
  public StoreSize size(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    Ring r;
    synchronized (lock) {
      r = ring();
    }
    if (r.live().isEmpty()) {
      throw allEjected();
    }
    Map<Shard, String> all = new LinkedHashMap<>();
    r.live().forEach(shard -> all.put(shard, prefix));
    long entries = 0;
    long bytes = 0;
    boolean whole = false;
    for (StoreSize size : onEach(all, Store::size, null)) {
      entries = entries < 0 || size.entries() < 0 ? -1 : entries + size.entries();
      bytes = bytes < 0 || size.bytes() < 0 ? -1 : bytes + size.bytes();
      whole |= size.wholeStore();
    }
    return new StoreSize(entries, bytes, whole);
  }

  /** Returns the traits every server shares: see {@code strictest}. */
  @Override
  public StoreTraits traits() {
    return traits;
  }

  /**
   * Stops the pool and the prober, then closes every server's store, even if one fails to
   * close. Idempotent.
   *
   * @throws RuntimeException the first failure of a server's {@code close()}, with the others
   *     suppressed, after all were closed
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    prober.shutdownNow();
    fanOut.shutdown();
    RuntimeException failure = null;
    for (Shard shard : shards) {
      try {
        shard.store.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Describes the store: its hashing and servers, marking the ejected ones. */
  @Override
  public String toString() {
    StringJoiner j = new StringJoiner(", ", "sharded[" + hashing + ": ", "]");
    for (Shard shard : shards) {
      j.add(shard.name() + (shard.node.weight() == 1 ? "" : " weight " + shard.node.weight())
          + (shard.ejected ? " (ejected)" : ""));
    }
    return j.toString();
  }
}
