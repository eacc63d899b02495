package io.larder.memcached.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.larder.CacheCodecException;
import io.larder.CacheException;
import io.larder.memcached.MemcachedStore;
import io.larder.memcached.RecacheRead;
import io.larder.spi.AsyncBulkStore;
import io.larder.spi.CasLoop;
import io.larder.spi.Counters;
import io.larder.spi.KeyLayout;
import io.larder.spi.KeyRules;
import io.larder.spi.StoreSize;
import io.larder.spi.StoreTraits;
import io.larder.spi.StoredValue;
import io.netty.buffer.ByteBuf;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The {@link MemcachedStore}: every {@link io.larder.spi.Store} operation as meta commands on
 * one pipelined {@link Connection}; bulk calls can also be started without waiting
 * ({@link AsyncBulkStore}), which a pool's fan-out uses; every call has a non-blocking form
 * ({@link io.larder.spi.AsyncStore}, see {@link AsyncCalls}). Not public API; built by
 * {@code io.larder.memcached.MemcachedStores}.
 *
 * <h2>Namespaces</h2>
 * Keys inside namespaces carry their namespace generations ({@link NamespaceKeys}). This
 * client caches generations for {@code namespaceCacheTime} (1 s by default): a clear by this
 * client is seen by it at once; a clear by another client is seen within that time. With a
 * cache time of zero every call that touches a namespace first reads its generations (one
 * more round trip, but no delay). Generations missing from the server (never set, evicted,
 * flushed, server restarted) are created at a random value, never at 0, so that entries
 * written under an evicted generation cannot come back.
 *
 * <h2>Counters</h2>
 * See {@link #incr}: {@code ma} for the common case, two's complement for decrements,
 * compare-and-set for counters already below zero.
 */
public final class DefaultMemcachedStore implements MemcachedStore, AsyncBulkStore {
  private static final System.Logger LOG = System.getLogger(MemcachedStore.class.getName());
  static final KeyRules KEY_RULES = new KeyRules(WireKey.MAX_BYTES, true);
  static final StoreTraits TRAITS = StoreTraits.DEFAULT.withKeyRules(KEY_RULES)
      .withTtlResolution(Duration.ofSeconds(1)).withReadsReturnCopies(true)
      .withServerCounters(true).withNativeAdd(true);

  final Connection connection;
  private final EventLoops loops;
  private final Cache<String, Long> generations; // null: read every time
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AsyncCalls async;

  /**
   * Connects to a server.
   *
   * @param host the host, as given
   * @param port the port
   * @param options timeouts, credentials, TLS
   * @param namespaceCacheTime how long to trust a namespace generation read from the server
   * @param awaitConnection whether to wait for the first connection and fail if it fails
   * @throws io.larder.CacheConnectionException if {@code awaitConnection} and the server
   *     cannot be reached, refuses the credentials or is older than 1.6
   */
  public DefaultMemcachedStore(String host, int port, ClientOptions options,
      Duration namespaceCacheTime, boolean awaitConnection) {
    this.loops = EventLoops.forStore("larder-memcached-" + host + ":" + port);
    this.connection = new Connection(host, port, options, loops.group());
    this.generations = namespaceCacheTime.isZero() ? null : Caffeine.newBuilder()
        .expireAfterWrite(namespaceCacheTime)
        .maximumSize(10_000)
        .build();
    this.async = new AsyncCalls(this);
    connection.start();
    if (awaitConnection) {
      CacheException failure = connection.awaitFirstAttempt();
      if (failure != null) {
        close();
        throw failure;
      }
    }
  }

  /**
   * Waits for the first connection attempt to end.
   *
   * @return {@code null} if connected, else why not
   */
  CacheException awaitFirstAttempt() {
    return connection.awaitFirstAttempt();
  }

  @Override
  public String server() {
    return connection.server();
  }

  /** Returns what the server said when the connection opened, or {@code null} before that. */
  ServerInfo serverInfo() {
    return connection.info();
  }

  /**
   * Keys of at most 250 printable ASCII bytes; whole seconds; new arrays per reply; counters
   * in the server's own {@code incr} form; {@code add} as one {@code ms} in add mode; values up
   * to the server's item size ({@code -I}, 1 MiB unless raised), once the connection knows it.
   */
  @Override
  public StoreTraits traits() {
    ServerInfo info = connection.info();
    return info == null ? TRAITS : TRAITS.withMaxValueBytes(info.itemSizeMax());
  }

  // ---- keys and namespaces -----------------------------------------------------------------

  /** The wire key of one store key, reading namespace generations if needed. */
  WireKey wire(String key) {
    List<String> prefixes = KeyLayout.namespacePrefixes(key);
    if (prefixes.isEmpty()) {
      return WireKey.of(key);
    }
    Map<String, Long> gens = generations(prefixes);
    return new WireKey(fold(key, prefixes, gens), false);
  }

  /**
   * The wire keys of several store keys, reading all missing generations in one round trip
   * unless they are {@code known}. Keys of one namespace path share its folded start, made
   * once per call rather than per key.
   */
  private WireKey[] wireAll(List<String> keys, Map<String, Long> known) {
    WireKey[] wire = new WireKey[keys.size()];
    String[] rests = new String[keys.size()];
    String[] paths = new String[keys.size()];
    Map<String, List<String>> prefixesOf = new HashMap<>();
    LinkedHashSet<String> all = new LinkedHashSet<>();
    for (int i = 0; i < wire.length; i++) {
      String key = keys.get(i);
      KeyLayout.Namespaced n = KeyLayout.split(key);
      if (n == null) {
        wire[i] = WireKey.of(key);
        continue;
      }
      paths[i] = n.path();
      rests[i] = n.rest();
      if (!prefixesOf.containsKey(n.path())) {
        List<String> prefixes = KeyLayout.namespacePrefixes(key);
        prefixesOf.put(n.path(), prefixes);
        all.addAll(prefixes);
      }
    }
    if (all.isEmpty()) {
      return wire;
    }
    Map<String, Long> gens = known != null ? known : generations(all);
    Map<String, String> folded = new HashMap<>();
    prefixesOf.forEach((path, prefixes) -> folded.put(path,
        NamespaceKeys.foldNames(KeyLayout.NAMESPACE_MARK + path, prefixes,
            generationsOf(prefixes, gens))));
    for (int i = 0; i < wire.length; i++) {
      if (wire[i] == null) {
        wire[i] = new WireKey(NamespaceKeys.onWire(folded.get(paths[i]) + rests[i]), false);
      }
    }
    return wire;
  }

  private static long[] generationsOf(List<String> prefixes, Map<String, Long> gens) {
    long[] g = new long[prefixes.size()];
    for (int i = 0; i < g.length; i++) {
      g[i] = gens.get(prefixes.get(i));
    }
    return g;
  }

  static String fold(String key, List<String> prefixes, Map<String, Long> gens) {
    return NamespaceKeys.fold(key, prefixes, generationsOf(prefixes, gens));
  }

  /** Returns the generation of each prefix: cached, or all missing ones read in one request. */
  Map<String, Long> generations(Collection<String> prefixes) {
    Map<String, Long> result = new HashMap<>();
    List<String> missing = cachedGenerations(prefixes, result);
    if (!missing.isEmpty()) {
      learnGenerations(missing, connection.execute(generationsRequest(missing)), result);
    }
    return result;
  }

  /** Puts the cached generations into {@code result} and returns the prefixes missing. */
  List<String> cachedGenerations(Collection<String> prefixes, Map<String, Long> result) {
    List<String> missing = new ArrayList<>();
    for (String p : prefixes) {
      Long g = generations == null ? null : generations.getIfPresent(p);
      if (g != null) {
        result.put(p, g);
      } else if (!result.containsKey(p)) {
        missing.add(p);
      }
    }
    return missing;
  }

  /** The request reading the generations of {@code missing}. */
  static Request generationsRequest(List<String> missing) {
    ByteBuf buf = Connection.buffer(64 * missing.size());
    for (String p : missing) {
      generationCommand(buf, p, 0);
    }
    return Request.counted("namespace generations", buf, missing.size());
  }

  /** Puts the generations read into {@code result}, and into the cache. */
  void learnGenerations(List<String> missing, List<Reply> replies, Map<String, Long> result) {
    for (int i = 0; i < missing.size(); i++) {
      String p = missing.get(i);
      long g = generationOf(replies.get(i), p);
      if (generations != null) {
        // a clear by this client meanwhile stored a newer generation: keep that one
        Long current = generations.asMap().putIfAbsent(p, g);
        g = current != null ? current : g;
      }
      result.put(p, g);
    }
  }

  /**
   * Writes {@code ma <generation key> N0 J<random> D<delta> v}: reads ({@code delta = 0}) or
   * bumps ({@code delta = 1}) a generation, creating it at a random value when missing.
   */
  private static void generationCommand(ByteBuf buf, String prefix, long delta) {
    MetaCommands.start(buf, "ma", new WireKey(NamespaceKeys.generationKey(prefix), false));
    MetaCommands.flag(buf, 'N', 0);
    MetaCommands.flag(buf, 'J', ThreadLocalRandom.current().nextLong(1L << 40, 1L << 48));
    MetaCommands.flag(buf, 'D', delta);
    MetaCommands.flag(buf, 'v');
    MetaCommands.end(buf);
  }

  private long generationOf(Reply r, String prefix) {
    if (r.code == Reply.VA) {
      try {
        return Counters.parseWrapping(prefix, r.value);
      } catch (CacheCodecException e) {
        // fall through
      }
    }
    throw new CacheException("memcached " + server() + " gave no generation for namespace '"
        + prefix + "': " + describe(r) + (r.code == Reply.TEXT && r.text.contains("non-numeric")
            ? " (someone overwrote the key " + NamespaceKeys.generationKey(prefix) + ")" : ""));
  }

  /** The server's current Unix time, for TTLs over 30 days. */
  private long serverNow() {
    ServerInfo info = connection.info();
    return Math.floorDiv(System.currentTimeMillis(), 1000)
        + (info == null ? 0 : info.clockOffsetSeconds());
  }

  long exptime(long ttlMillis) {
    return Expiry.exptime(ttlMillis, serverNow());
  }

  // ---- requests ----------------------------------------------------------------------------

  /**
   * A bulk call sent, and how its replies become its answer: {@link #await} waits for them on
   * the caller's thread, {@link AsyncCalls} without a thread.
   *
   * @param connection the connection it went to
   * @param request the request sent
   * @param answer makes the answer of the replies, or throws as the blocking call would
   * @param <T> the answer
   */
  record Started<T>(Connection connection, Request request, Function<List<Reply>, T> answer)
      implements Pending<T> {
    @Override
    public T await() {
      return answer.apply(connection.await(request));
    }
  }

  /**
   * A bulk call made and not sent yet: sent pipelined by {@link #start()} (for the asynchronous
   * calls), sent by {@link #startBlocking()} for a blocking caller that awaits it later (a
   * pool's fan-out), or sent and answered at once by {@link #run()}; the last two on the
   * caller's thread when the direct connection is free.
   *
   * @param connection the connection to send it on
   * @param request the request to send, or {@code null} if there is nothing to send
   * @param answer makes the answer of the replies, or throws as the blocking call would
   * @param empty the answer when there is nothing to send
   * @param <T> the answer
   */
  private record Call<T>(Connection connection, Request request,
      Function<List<Reply>, T> answer, Supplier<T> empty) {
    Pending<T> start() {
      return request == null ? empty::get
          : new Started<>(connection, connection.start(request), answer);
    }

    /** Sends it for a blocking caller, who must await it: see {@link Connection#startBlocking}. */
    Pending<T> startBlocking() {
      return request == null ? empty::get
          : new Started<>(connection, connection.startBlocking(request), answer);
    }

    T run() {
      return request == null ? empty.get() : answer.apply(connection.execute(request));
    }
  }

  private <T> Call<T> call(Request request, Function<List<Reply>, T> answer) {
    return new Call<>(connection, request, answer, null);
  }

  private <T> Call<T> nothing(Supplier<T> empty) {
    return new Call<>(connection, null, null, empty);
  }

  private Reply one(String what, ByteBuf buf) {
    return connection.execute(Request.counted(what, buf, 1)).get(0);
  }

  static ByteBuf buffer(WireKey key, int extra) {
    return Connection.buffer(key.text().length() + 48 + extra);
  }

  CacheException unexpected(Reply r, String op, String key) {
    return new CacheException("memcached " + server() + " failed " + op
        + (key == null ? "" : " of key '" + key + "'") + ": " + describe(r));
  }

  private static String describe(Reply r) {
    return r.code == Reply.TEXT ? r.text : "unexpected reply " + r;
  }

  /** Tells whether a value fits under the server's item size limit, when that is known. */
  boolean fits(WireKey key, byte[] value) {
    ServerInfo info = connection.info();
    return info == null || value.length <= info.maxValueBytes(key.text().length());
  }

  CacheException tooLarge(String key, byte[] value, boolean deleted) {
    ServerInfo info = connection.info();
    return new CacheException("value of " + value.length + " bytes for key '" + key
        + "' is over the item size limit of memcached " + server() + " ("
        + (info == null ? "?" : info.itemSizeMax()) + " bytes with key and about "
        + ServerInfo.ITEM_OVERHEAD + " bytes of overhead; memcached -I raises it)"
        + (deleted ? "; the old value, if any, was deleted" : ""));
  }

  static boolean isTooLargeError(Reply r) {
    return r.code == Reply.TEXT && r.text.startsWith("SERVER_ERROR")
        && r.text.contains("too large");
  }

  // ---- reads -------------------------------------------------------------------------------

  @Override
  public byte[] get(String key) {
    WireKey k = wire(key);
    ByteBuf buf = buffer(k, 0);
    MetaCommands.start(buf, "mg", k);
    MetaCommands.flag(buf, 'v');
    MetaCommands.end(buf);
    Reply r = one("get", buf);
    return switch (r.code) {
      case Reply.VA -> r.isVivifiedStub() ? null : r.value;
      case Reply.EN -> null;
      default -> throw unexpected(r, "get", key);
    };
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keys) {
    return getManyCall(keys, null).run();
  }

  @Override
  public Pending<Map<String, byte[]>> startGetMany(Collection<String> keys) {
    return getManyCall(keys, null).startBlocking();
  }

  /** Starts {@link #getMany} with the namespace generations of the keys {@code known}. */
  Pending<Map<String, byte[]>> startGetMany(Collection<String> keys, Map<String, Long> known) {
    return getManyCall(keys, known).start();
  }

  private Call<Map<String, byte[]>> getManyCall(Collection<String> keys,
      Map<String, Long> known) {
    List<String> distinct = new ArrayList<>(new LinkedHashSet<>(keys));
    if (distinct.isEmpty()) {
      return nothing(HashMap::new);
    }
    WireKey[] wire = wireAll(distinct, known);
    ByteBuf buf = Connection.buffer(distinct.size() * 40 + 16);
    int[] plain = new int[wire.length];
    int plainCount = 0;
    for (int i = 0; i < wire.length; i++) {
      if (!wire[i].base64()) {
        plain[plainCount++] = i;
      }
    }
    int lines = MetaCommands.classicGets(buf, wire, plain, plainCount);
    String[] classicKeys = new String[plainCount];
    for (int j = 0; j < plainCount; j++) {
      classicKeys[j] = wire[plain[j]].text();
    }
    boolean[] metaIndexes = plainCount == wire.length ? null : new boolean[wire.length];
    for (int i = 0; i < wire.length; i++) {
      if (wire[i].base64()) {
        quietGet(buf, wire[i], i);
        metaIndexes[i] = true;
      }
    }
    int[] inLineOrder = Arrays.copyOf(plain, plainCount);
    BulkReplies check = new BulkReplies(classicKeys, lines, metaIndexes);
    Request request;
    if (metaIndexes == null) { // the last get line's END ends it: no mn, one write to answer
      request = Request.classicRead("getMany", buf, check);
    } else {
      MetaCommands.noop(buf);
      request = Request.bulkRead("getMany", buf, check);
    }
    return call(request,
        replies -> found(distinct, wire, inLineOrder, replies, request.deadlineNanos));
  }

  /** Writes {@code mg <k> v q O<index>}: a quiet read answered only by a hit. */
  private static void quietGet(ByteBuf buf, WireKey k, int index) {
    MetaCommands.start(buf, "mg", k);
    MetaCommands.flag(buf, 'v');
    MetaCommands.flag(buf, 'q');
    MetaCommands.flag(buf, 'O', index);
    MetaCommands.end(buf);
  }

  /**
   * Tells whether the replies of a {@link #getMany} are its answer with no second round trip:
   * they hold no empty {@code VALUE} (see {@link #found}).
   */
  static boolean answeredAtOnce(List<Reply> replies) {
    for (Reply r : replies) {
      if (r.code == Reply.VALUE && r.value.length == 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * The answer of a {@link #getMany}: the classic {@code get}'s hits, each marked by
   * {@link BulkReplies} with its key's position in the order sent ({@code plain}, indexes into
   * {@code wire}), and the base64 keys' {@code VA … O<index>}. A classic {@code get} cannot tell
   * the empty placeholder that {@code mg … N} creates on a miss (a miss for plain reads) from
   * an empty value, so keys whose value came back empty are read again with {@code mg <k> v},
   * in a second round trip before the call's deadline, and judged as a single {@code get}
   * judges them.
   */
  private Map<String, byte[]> found(List<String> distinct, WireKey[] wire, int[] plain,
      List<Reply> replies, long deadlineNanos) {
    Map<String, byte[]> found = new HashMap<>(Math.max(4, replies.size() * 2));
    int[] empty = null;
    int emptyCount = 0;
    for (Reply r : replies) {
      switch (r.code) {
        case Reply.VALUE -> {
          int i = plain[r.opaque]; // matched to its key as it arrived
          if (r.value.length > 0) {
            found.put(distinct.get(i), r.value);
          } else {
            if (empty == null) {
              empty = new int[plain.length];
            }
            empty[emptyCount++] = i;
          }
        }
        case Reply.VA -> {
          if (!r.isVivifiedStub()) {
            found.put(distinct.get(r.opaque), r.value); // an index asked for, checked
          }
        }
        case Reply.EN -> { }
        default -> {
          if (!"END".equals(r.text)) {
            throw unexpected(r, "getMany", null);
          }
        }
      }
    }
    if (emptyCount > 0) {
      readEmptyAgain(distinct, wire, empty, emptyCount, found, deadlineNanos);
    }
    return found;
  }

  /**
   * Reads again, with {@code mg <k> v}, keys whose classic {@code get} value was empty, before
   * the deadline of the call's first round trip. If that fails (a timeout, a lost connection,
   * an error reply) those keys are left out, as misses: the caller computes their values again,
   * which is safe, and the hits already received are kept. The failure is logged.
   */
  private void readEmptyAgain(List<String> distinct, WireKey[] wire, int[] empty, int count,
      Map<String, byte[]> found, long deadlineNanos) {
    if (deadlineNanos - System.nanoTime() <= 0) {
      LOG.log(Level.WARNING, () -> "memcached " + server() + ": no time left to read " + count
          + " empty values of a getMany again; they are treated as misses");
      return;
    }
    ByteBuf buf = Connection.buffer(count * 40 + 8);
    boolean[] asked = new boolean[distinct.size()];
    for (int j = 0; j < count; j++) {
      quietGet(buf, wire[empty[j]], empty[j]);
      asked[empty[j]] = true;
    }
    MetaCommands.noop(buf);
    Request request = Request.bulkRead("getMany, empty values", buf,
        new BulkReplies(new String[0], 0, asked));
    Map<String, byte[]> again = new HashMap<>();
    try {
      for (Reply r : connection.execute(request, deadlineNanos)) {
        if (r.code == Reply.VA) {
          if (!r.isVivifiedStub()) {
            again.put(distinct.get(r.opaque), r.value); // an index asked for, checked
          }
        } else if (r.code != Reply.EN) {
          throw unexpected(r, "getMany", null);
        }
      }
    } catch (CacheException e) {
      LOG.log(Level.WARNING, () -> "memcached " + server() + ": reading " + count
          + " empty values of a getMany again failed; they are treated as misses", e);
      return;
    }
    found.putAll(again);
  }

  @Override
  public boolean exists(String key) {
    WireKey k = wire(key);
    ByteBuf buf = buffer(k, 0);
    MetaCommands.start(buf, "mg", k);
    MetaCommands.flag(buf, 's');
    MetaCommands.end(buf);
    Reply r = one("exists", buf);
    return switch (r.code) {
      case Reply.HD -> !r.isVivifiedStub();
      case Reply.EN -> false;
      default -> throw unexpected(r, "exists", key);
    };
  }

  @Override
  public StoredValue getVersioned(String key) {
    WireKey k = wire(key);
    ByteBuf buf = buffer(k, 0);
    MetaCommands.start(buf, "mg", k);
    MetaCommands.flag(buf, 'v');
    MetaCommands.flag(buf, 'c');
    MetaCommands.end(buf);
    Reply r = one("getVersioned", buf);
    return switch (r.code) {
      case Reply.VA -> r.isVivifiedStub() ? null : new StoredValue(r.value, r.cas);
      case Reply.EN -> null;
      default -> throw unexpected(r, "getVersioned", key);
    };
  }

  // ---- writes ------------------------------------------------------------------------------

  /** Writes {@code ms <key> <len> [T<exp>] [extra flags]} and the data block. */
  static void set(ByteBuf buf, WireKey k, byte[] value, long exptime) {
    MetaCommands.startSet(buf, k, value.length);
    if (exptime != 0) {
      MetaCommands.flag(buf, 'T', exptime);
    }
  }

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    WireKey k = wire(key);
    long exptime = exptime(ttlMillis);
    if (!fits(k, value)) {
      deleteAfterFailedWrite(k, key);
      throw tooLarge(key, value, true);
    }
    ByteBuf buf = buffer(k, value.length);
    set(buf, k, value, exptime);
    MetaCommands.end(buf);
    MetaCommands.data(buf, value);
    Reply r = one("set", buf);
    if (r.code != Reply.HD) {
      refusedSet(k, key, value, r);
    }
  }

  /**
   * After memcached refused a set: deletes the old value (memcached drops it itself; make
   * sure, whatever the error) and throws what the refusal means.
   */
  void refusedSet(WireKey k, String key, byte[] value, Reply r) {
    deleteAfterFailedWrite(k, key);
    throw isTooLargeError(r) ? tooLarge(key, value, true) : unexpected(r, "set", key);
  }

  private void deleteAfterFailedWrite(WireKey k, String key) {
    ByteBuf buf = buffer(k, 0);
    MetaCommands.start(buf, "md", k);
    MetaCommands.flag(buf, 'q');
    MetaCommands.end(buf);
    MetaCommands.noop(buf);
    List<Reply> replies = connection.execute(Request.batch("delete", buf));
    for (Reply r : replies) {
      if (r.code != Reply.NF) {
        throw unexpected(r, "delete after a failed write", key);
      }
    }
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    setEachCall(entries, key -> ttlMillis, null).run();
  }

  @Override
  public Pending<Void> startSetMany(Map<String, byte[]> entries, long ttlMillis) {
    return setEachCall(entries, key -> ttlMillis, null).startBlocking();
  }

  /** Starts {@link #setMany} with the namespace generations of the keys {@code known}. */
  Pending<Void> startSetMany(Map<String, byte[]> entries, long ttlMillis,
      Map<String, Long> known) {
    return startSetEach(entries, key -> ttlMillis, known);
  }

  /** Sends a request scope's gathered writes, each {@code ms} with its own TTL. */
  @Override
  public void setEach(Map<String, byte[]> entries, ToLongFunction<String> ttlMillis) {
    setEachCall(entries, ttlMillis, null).run();
  }

  @Override
  public Pending<Void> startSetEach(Map<String, byte[]> entries,
      ToLongFunction<String> ttlMillis) {
    return setEachCall(entries, ttlMillis, null).startBlocking();
  }

  /**
   * Starts one batch of quiet {@code ms}, each with its key's {@code T}, ended by {@code mn},
   * with the namespace generations of the keys {@code known} (or read first if {@code null}).
   */
  Pending<Void> startSetEach(Map<String, byte[]> entries, ToLongFunction<String> ttlMillis,
      Map<String, Long> known) {
    return setEachCall(entries, ttlMillis, known).start();
  }

  private Call<Void> setEachCall(Map<String, byte[]> entries, ToLongFunction<String> ttlMillis,
      Map<String, Long> known) {
    if (entries.isEmpty()) {
      return nothing(() -> null);
    }
    List<String> keys = new ArrayList<>(entries.keySet());
    WireKey[] wire = wireAll(keys, known);
    int bytes = 8;
    for (int i = 0; i < wire.length; i++) {
      bytes += wire[i].text().length() + 40 + entries.get(keys.get(i)).length;
    }
    ByteBuf buf = Connection.buffer(bytes);
    List<String> oversized = new ArrayList<>();
    for (int i = 0; i < wire.length; i++) {
      byte[] value = entries.get(keys.get(i));
      if (fits(wire[i], value)) {
        set(buf, wire[i], value, exptime(ttlMillis.applyAsLong(keys.get(i))));
        MetaCommands.flag(buf, 'q');
        MetaCommands.flag(buf, 'O', i);
        MetaCommands.end(buf);
        MetaCommands.data(buf, value);
      } else {
        oversized.add(keys.get(i));
        MetaCommands.start(buf, "md", wire[i]);
        MetaCommands.flag(buf, 'q');
        MetaCommands.flag(buf, 'O', i);
        MetaCommands.end(buf);
      }
    }
    MetaCommands.noop(buf);
    return call(Request.batch("setMany", buf), replies -> {
      setManyAnswered(wire, oversized, replies);
      return null;
    });
  }

  private void setManyAnswered(WireKey[] wire, List<String> oversized, List<Reply> replies) {
    Reply failure = null;
    for (Reply r : replies) {
      if (r.code != Reply.NF) { // NF: an oversized entry had no old value to delete
        failure = failure == null ? r : failure;
      }
    }
    if (failure != null) {
      // An error line does not say which entry it belongs to: delete them all, so that no
      // entry is left holding its old value while the caller believes the batch failed.
      ByteBuf del = Connection.buffer(wire.length * 40 + 8);
      for (WireKey k : wire) {
        MetaCommands.start(del, "md", k);
        MetaCommands.flag(del, 'q');
        MetaCommands.end(del);
      }
      MetaCommands.noop(del);
      connection.execute(Request.batch("delete after a failed setMany", del));
      throw new CacheException("memcached " + server() + " failed setMany of " + wire.length
          + " entries: " + describe(failure) + "; the batch's keys were deleted");
    }
    if (!oversized.isEmpty()) {
      ServerInfo info = connection.info();
      throw new CacheException(oversized.size() + " value(s) of setMany are over the item size "
          + "limit of memcached " + server() + " (" + (info == null ? "?" : info.itemSizeMax())
          + " bytes with key and overhead; memcached -I raises it): " + oversized
          + "; their old values, if any, were deleted and the other entries stored");
    }
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    WireKey k = wire(key);
    long exptime = exptime(ttlMillis);
    if (!fits(k, value)) {
      // add never replaces a value, so nothing stale can remain: just refuse
      throw tooLarge(key, value, false);
    }
    ByteBuf buf = buffer(k, value.length);
    set(buf, k, value, exptime);
    MetaCommands.flag(buf, 'M');
    buf.writeByte('E');
    MetaCommands.end(buf);
    MetaCommands.data(buf, value);
    Reply r = one("add", buf);
    return switch (r.code) {
      case Reply.HD -> true;
      case Reply.NS -> false;
      default -> throw isTooLargeError(r) ? tooLarge(key, value, false)
          : unexpected(r, "add", key);
    };
  }

  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    if (expected == null) {
      return add(key, value, ttlMillis);
    }
    WireKey k = wire(key);
    long exptime = exptime(ttlMillis);
    if (!fits(k, value)) {
      // the write would have replaced the value read: delete it instead, if still unchanged
      ByteBuf buf = buffer(k, 0);
      MetaCommands.start(buf, "md", k);
      MetaCommands.unsignedFlag(buf, 'C', expected.version());
      MetaCommands.end(buf);
      one("delete after a failed compare-and-set", buf);
      throw tooLarge(key, value, true);
    }
    ByteBuf buf = buffer(k, value.length);
    set(buf, k, value, exptime);
    MetaCommands.unsignedFlag(buf, 'C', expected.version());
    MetaCommands.end(buf);
    MetaCommands.data(buf, value);
    Reply r = one("compareAndSet", buf);
    return switch (r.code) {
      case Reply.HD -> true;
      case Reply.EX, Reply.NF, Reply.NS -> false;
      default -> throw isTooLargeError(r) ? tooLarge(key, value, false)
          : unexpected(r, "compareAndSet", key);
    };
  }

  @Override
  public boolean delete(String key) {
    WireKey k = wire(key);
    ByteBuf buf = buffer(k, 0);
    MetaCommands.start(buf, "md", k);
    MetaCommands.end(buf);
    Reply r = one("delete", buf);
    return switch (r.code) {
      case Reply.HD -> true;
      case Reply.NF -> false;
      default -> throw unexpected(r, "delete", key);
    };
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    return deleteManyCall(keys, null).run();
  }

  @Override
  public Pending<Integer> startDeleteMany(Collection<String> keys) {
    return deleteManyCall(keys, null).startBlocking();
  }

  /** Starts {@link #deleteMany} with the namespace generations of the keys {@code known}. */
  Pending<Integer> startDeleteMany(Collection<String> keys, Map<String, Long> known) {
    return deleteManyCall(keys, known).start();
  }

  private Call<Integer> deleteManyCall(Collection<String> keys, Map<String, Long> known) {
    List<String> list = new ArrayList<>(keys);
    if (list.isEmpty()) {
      return nothing(() -> 0);
    }
    WireKey[] wire = wireAll(list, known);
    ByteBuf buf = Connection.buffer(wire.length * 40 + 8);
    for (WireKey k : wire) {
      MetaCommands.start(buf, "md", k);
      MetaCommands.flag(buf, 'q');
      MetaCommands.end(buf);
    }
    MetaCommands.noop(buf);
    return call(Request.batch("deleteMany", buf), replies -> {
      int removed = wire.length;
      for (Reply r : replies) {
        if (r.code != Reply.NF) {
          throw unexpected(r, "deleteMany", null);
        }
        removed--;
      }
      return removed;
    });
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    WireKey k = wire(key);
    ByteBuf buf = buffer(k, 0);
    MetaCommands.start(buf, "mg", k);
    MetaCommands.flag(buf, 'T', exptime(ttlMillis));
    MetaCommands.end(buf);
    Reply r = one("touch", buf);
    return switch (r.code) {
      case Reply.HD -> true;
      case Reply.EN -> false;
      default -> throw unexpected(r, "touch", key);
    };
  }

  // ---- counters ----------------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * <p>memcached's {@code ma} is unsigned: it stops a decrement at 0 and wraps an increment
   * at 2^64. Larder's counters are signed and must fail rather than wrap, so:
   * <ol>
   *   <li>Every change is one {@code ma} <em>increment</em> by the delta as unsigned 64 bits
   *       (a decrement adds the two's complement), creating a missing counter at the delta
   *       with the TTL ({@code N<ttl> J<delta>}): one round trip, atomic on the server.</li>
   *   <li>The result, read as a signed {@code long}, is the signed sum; an overflow is told
   *       from the result alone ({@link SignedCounters#overflowed}) and undone with the
   *       opposite {@code ma}, then reported as {@link CacheCodecException}. For that
   *       moment other clients can see the out-of-range value.</li>
   *   <li>A negative result (2^63 or more unsigned) is rewritten at once as {@code -123}
   *       text with {@code ms C<cas>}, keeping the TTL, so that every reader sees signed
   *       decimal. If another change came first, that change's client does the rewrite.</li>
   *   <li>{@code ma} refuses {@code -123} text, so a counter below zero is changed by a
   *       compare-and-set loop ({@code mg v c t}, then {@code ms C<cas>}), which also
   *       reports text that is no counter as {@link CacheCodecException}, unchanged.</li>
   * </ol>
   */
  @Override
  public long incr(String key, long delta, long ttlMillis) {
    WireKey k = wire(key);
    long exptime = exptime(ttlMillis);
    for (int attempt = 0; attempt < CasLoop.MAX_ATTEMPTS; attempt++) {
      ByteBuf buf = buffer(k, 64);
      counterCommand(buf, k, delta, exptime);
      Reply r = one("incr", buf);
      if (r.code == Reply.VA) {
        return settleIncrement(k, key, delta, r, parseCounterReply(r, key));
      }
      if (r.code == Reply.NS || r.code == Reply.NF) {
        CasLoop.backoff(attempt); // created or deleted by someone else meanwhile
        continue;
      }
      if (r.code == Reply.TEXT && r.text.contains("non-numeric")) {
        Long result = incrByCompareAndSet(k, key, delta, exptime);
        if (result != null) {
          return result;
        }
        continue; // the key vanished: create it with ma
      }
      throw unexpected(r, "incr", key);
    }
    throw new CacheException("incr of key '" + key + "' on memcached " + server()
        + " gave up after " + CasLoop.MAX_ATTEMPTS + " conflicting writes");
  }

  /** Writes {@code ma <key> N<exptime> J<delta> D<delta> v c t}, deltas as unsigned. */
  static void counterCommand(ByteBuf buf, WireKey k, long delta, long exptime) {
    MetaCommands.start(buf, "ma", k);
    MetaCommands.flag(buf, 'N', exptime);
    MetaCommands.unsignedFlag(buf, 'J', delta);
    MetaCommands.unsignedFlag(buf, 'D', delta);
    MetaCommands.flag(buf, 'v');
    MetaCommands.flag(buf, 'c');
    MetaCommands.flag(buf, 't');
    MetaCommands.end(buf);
  }

  /**
   * Finishes an increment that {@code ma} made: undoes one that overflowed and throws;
   * rewrites a result below zero as signed text.
   *
   * @return the counter's value
   * @throws CacheCodecException if the increment overflowed
   */
  long settleIncrement(WireKey k, String key, long delta, Reply r, long result) {
    if (SignedCounters.overflowed(delta, result)) {
      undo(k, key, delta);
      throw new CacheCodecException("cannot increment key '" + key + "': " + (result - delta)
          + " + " + delta + " overflows 64 bits");
    }
    if (result < 0) {
      rewriteNegative(k, key, r, result);
    }
    return result;
  }

  long parseCounterReply(Reply r, String key) {
    try {
      return Counters.parseWrapping(key, r.value);
    } catch (CacheCodecException e) {
      throw new CacheException("memcached " + server() + " answered an increment of key '" + key
          + "' with something other than a number", e);
    }
  }

  /** Reverses an increment that overflowed, rewriting the result if it is negative. */
  private void undo(WireKey k, String key, long delta) {
    ByteBuf buf = buffer(k, 48);
    MetaCommands.start(buf, "ma", k);
    MetaCommands.unsignedFlag(buf, 'D', -delta);
    MetaCommands.flag(buf, 'v');
    MetaCommands.flag(buf, 'c');
    MetaCommands.flag(buf, 't');
    MetaCommands.end(buf);
    Reply r = one("undo an overflowing incr", buf);
    if (r.code == Reply.VA) {
      long value = parseCounterReply(r, key);
      if (value < 0) {
        rewriteNegative(k, key, r, value);
      }
    }
  }

  /**
   * Replaces the two's complement that {@code ma} left with signed text, if the item is still
   * what {@code ma} made it; a failure here is not the caller's: the increment happened.
   */
  private void rewriteNegative(WireKey k, String key, Reply arithmetic, long value) {
    byte[] text = Counters.format(value);
    ByteBuf buf = buffer(k, text.length + 40);
    set(buf, k, text, Expiry.keep(arithmetic.ttl, serverNow()));
    MetaCommands.unsignedFlag(buf, 'C', arithmetic.cas);
    MetaCommands.end(buf);
    MetaCommands.data(buf, text);
    try {
      Reply r = one("rewrite a negative counter", buf);
      if (r.code != Reply.HD && r.code != Reply.EX && r.code != Reply.NF) {
        LOG.log(Level.DEBUG, () -> "could not rewrite negative counter " + key + ": " + r);
      }
    } catch (CacheException e) {
      LOG.log(Level.DEBUG, () -> "could not rewrite negative counter " + key, e);
    }
  }

  /**
   * Changes a counter that {@code ma} refuses (below zero, or not a number) by
   * compare-and-set.
   *
   * @return the new value, or {@code null} if the key is gone
   */
  private Long incrByCompareAndSet(WireKey k, String key, long delta, long createExptime) {
    for (int attempt = 0; attempt < CasLoop.MAX_ATTEMPTS; attempt++) {
      ByteBuf buf = buffer(k, 0);
      MetaCommands.start(buf, "mg", k);
      MetaCommands.flag(buf, 'v');
      MetaCommands.flag(buf, 'c');
      MetaCommands.flag(buf, 't');
      MetaCommands.end(buf);
      Reply read = one("incr", buf);
      if (read.code == Reply.EN) {
        return null;
      }
      if (read.code != Reply.VA) {
        throw unexpected(read, "incr", key);
      }
      long next;
      long exptime;
      if (read.isVivifiedStub()) {
        next = delta;
        exptime = createExptime;
      } else {
        next = Counters.add(key, Counters.parseWrapping(key, read.value), delta);
        exptime = Expiry.keep(read.ttl, serverNow());
      }
      byte[] text = Counters.format(next);
      ByteBuf write = buffer(k, text.length + 40);
      set(write, k, text, exptime);
      MetaCommands.unsignedFlag(write, 'C', read.cas);
      MetaCommands.end(write);
      MetaCommands.data(write, text);
      Reply r = one("incr", write);
      if (r.code == Reply.HD) {
        return next;
      }
      if (r.code != Reply.EX && r.code != Reply.NF) {
        throw unexpected(r, "incr", key);
      }
      CasLoop.backoff(attempt);
    }
    throw new CacheException("incr of key '" + key + "' on memcached " + server()
        + " gave up after " + CasLoop.MAX_ATTEMPTS + " conflicting writes");
  }


  // ---- namespaces --------------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * <p>An empty prefix flushes the server ({@code flush_all}): every key, Larder's or not. A
   * namespace prefix increments that namespace's generation, one round trip however many keys
   * it holds.
   *
   * @throws IllegalArgumentException if {@code prefix} is neither empty nor a namespace prefix
   *     ({@code ~segment:...:}); memcached cannot list keys by prefix
   */
  @Override
  public void clear(String prefix) {
    if (prefix.isEmpty()) {
      ByteBuf buf = Connection.buffer(16);
      MetaCommands.line(buf, "flush_all");
      Reply r = one("flush_all", buf);
      if (!"OK".equals(r.text)) {
        throw unexpected(r, "flush_all", null);
      }
      if (generations != null) {
        generations.invalidateAll();
      }
      return;
    }
    if (!KeyLayout.isNamespacePrefix(prefix)) {
      throw new IllegalArgumentException("memcached can clear a namespace prefix (~name:) or "
          + "everything (\"\"), not the prefix '" + prefix + "'");
    }
    ByteBuf buf = Connection.buffer(prefix.length() + 64);
    generationCommand(buf, prefix, 1);
    long g = generationOf(one("clear", buf), prefix);
    if (generations != null) {
      generations.put(prefix, g);
    }
  }

  /**
   * Reports the server's own counts, from {@code stats}: {@code curr_items} and {@code bytes}
   * (memcached's accounting of its items, overhead included). memcached cannot count by
   * prefix, so this is the whole server, every application's items included.
   */
  @Override
  public StoreSize size(String prefix) {
    ByteBuf buf = Connection.buffer(16);
    MetaCommands.line(buf, "stats");
    List<Reply> lines = connection.execute(Request.stats("stats", buf));
    return new StoreSize(count(Hello.stat(lines, "curr_items")),
        count(Hello.stat(lines, "bytes")), true);
  }

  private static long count(String stat) {
    try {
      return stat == null ? -1 : Math.max(-1, Long.parseLong(stat));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  // ---- recache flags (experimental) ---------------------------------------------------------

  @Override
  public RecacheRead readForRecache(String key, long vivifyTtlMillis, long recacheBeforeMillis) {
    if (vivifyTtlMillis < 0 || recacheBeforeMillis < 0) {
      throw new IllegalArgumentException("vivifyTtlMillis and recacheBeforeMillis must not be "
          + "negative, were " + vivifyTtlMillis + " and " + recacheBeforeMillis);
    }
    WireKey k = wire(key);
    ByteBuf buf = buffer(k, 32);
    MetaCommands.start(buf, "mg", k);
    MetaCommands.flag(buf, 'v');
    MetaCommands.flag(buf, 'c');
    MetaCommands.flag(buf, 't');
    if (vivifyTtlMillis > 0) {
      MetaCommands.flag(buf, 'N', exptime(vivifyTtlMillis));
    }
    if (recacheBeforeMillis > 0) {
      MetaCommands.flag(buf, 'R', (recacheBeforeMillis + 999) / 1000);
    }
    MetaCommands.end(buf);
    Reply r = one("readForRecache", buf);
    return switch (r.code) {
      case Reply.VA -> new RecacheRead(r.isVivifiedStub() ? null : r.value, r.cas,
          r.ttl == Reply.NO_TTL ? 0 : r.ttl, r.won, r.stale, r.winSent);
      case Reply.EN -> new RecacheRead(null, 0, 0, false, false, false);
      default -> throw unexpected(r, "readForRecache", key);
    };
  }

  @Override
  public boolean markStale(String key, long staleTtlMillis) {
    if (staleTtlMillis < 0) {
      throw new IllegalArgumentException("staleTtlMillis must not be negative, was "
          + staleTtlMillis);
    }
    WireKey k = wire(key);
    ByteBuf buf = buffer(k, 16);
    MetaCommands.start(buf, "md", k);
    MetaCommands.flag(buf, 'I');
    if (staleTtlMillis > 0) {
      MetaCommands.flag(buf, 'T', exptime(staleTtlMillis));
    }
    MetaCommands.end(buf);
    Reply r = one("markStale", buf);
    return switch (r.code) {
      case Reply.HD -> true;
      case Reply.NF -> false;
      default -> throw unexpected(r, "markStale", key);
    };
  }

  // ---- asynchronous calls (AsyncCalls) -------------------------------------------------------

  @Override
  public CompletableFuture<byte[]> getAsync(String key) {
    return async.get(key);
  }

  @Override
  public CompletableFuture<Map<String, byte[]>> getManyAsync(Collection<String> keys) {
    return async.getMany(keys);
  }

  @Override
  public CompletableFuture<Boolean> existsAsync(String key) {
    return async.exists(key);
  }

  @Override
  public CompletableFuture<StoredValue> getVersionedAsync(String key) {
    return async.getVersioned(key);
  }

  @Override
  public CompletableFuture<Void> setAsync(String key, byte[] value, long ttlMillis) {
    return async.set(key, value, ttlMillis);
  }

  @Override
  public CompletableFuture<Void> setManyAsync(Map<String, byte[]> entries, long ttlMillis) {
    return async.setMany(entries, ttlMillis);
  }

  @Override
  public CompletableFuture<Boolean> addAsync(String key, byte[] value, long ttlMillis) {
    return async.add(key, value, ttlMillis);
  }

  @Override
  public CompletableFuture<Boolean> deleteAsync(String key) {
    return async.delete(key);
  }

  @Override
  public CompletableFuture<Integer> deleteManyAsync(Collection<String> keys) {
    return async.deleteMany(keys);
  }

  @Override
  public CompletableFuture<Boolean> touchAsync(String key, long ttlMillis) {
    return async.touch(key, ttlMillis);
  }

  @Override
  public CompletableFuture<Long> incrAsync(String key, long delta, long ttlMillis) {
    return async.incr(key, delta, ttlMillis);
  }

  @Override
  public CompletableFuture<Boolean> compareAndSetAsync(String key, StoredValue expected,
      byte[] value, long ttlMillis) {
    return async.compareAndSet(key, expected, value, ttlMillis);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      connection.close();
    } finally {
      loops.release();
    }
  }

  @Override
  public String toString() {
    ServerInfo info = connection.info();
    return "MemcachedStore[" + server() + (info == null ? "" : ", " + info.version())
        + (connection.isReady() ? "" : ", disconnected") + "]";
  }
}
