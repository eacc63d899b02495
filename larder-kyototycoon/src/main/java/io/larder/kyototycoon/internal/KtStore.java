package io.larder.kyototycoon.internal;

import io.larder.CacheException;
import java.time.Duration;
import io.larder.spi.AsyncStore;
import io.larder.spi.CasLoop;
import io.larder.spi.Store;
import io.larder.spi.StoreTraits;
import io.larder.spi.StoredValue;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * A {@link Store} on one Kyoto Tycoon server. Not public API; obtain one from
 * {@code io.larder.kyototycoon.KyotoTycoonStores} or a {@code kt://} URL.
 *
 * <h2>Which protocol for what</h2>
 * <ul>
 *   <li>Binary protocol, pipelined on one connection: {@code get}, {@code getMany}
 *       ({@code get_bulk}), {@code set}, {@code setMany} ({@code set_bulk}), {@code delete},
 *       {@code deleteMany} ({@code remove_bulk}), and the reads inside the loops below.</li>
 *   <li>HTTP RPC: {@code exists} ({@code /rpc/check}), {@code add} and {@code compareAndSet}
 *       against a missing key ({@code /rpc/add}), {@code compareAndSet} ({@code /rpc/cas}),
 *       {@code clear} ({@code /rpc/match_prefix}, then {@code remove_bulk}; {@code /rpc/clear}
 *       for everything) and the database check at open ({@code /rpc/report}).</li>
 *   <li>Read, then {@code /rpc/cas}, retried while another writer gets in between:
 *       {@code incr} (the server's {@code /rpc/increment} keeps an 8-byte binary number,
 *       not the decimal text every Larder store keeps; increments of one key by several
 *       threads at once are combined, see {@link CounterCombiner}), {@code touch} (the binary
 *       protocol has no touch; the value is put back unchanged with the new expiry) and the
 *       stamping {@code getVersioned} does (see {@link Versions}).</li>
 * </ul>
 *
 * <p>Every call also has a non-blocking form ({@link AsyncStore}, see {@link AsyncCalls}): the
 * binary-protocol calls complete from the connection's event loop with no thread waiting; the
 * HTTP RPC ones run their blocking form on a small executor of the store's own.
 *
 * <p>Expiry follows {@link Expiry}: whole seconds of the server's clock.
 */
public final class KtStore implements AsyncStore {
  private static final System.Logger LOG = System.getLogger(KtStore.class.getName());
  /** How many keys one {@code remove_bulk} of a namespace clear carries. */
  static final int CLEAR_BATCH = 10_000;
  /** How many locks counters are spread over; see {@link CounterCombiner}. */
  static final int COUNTER_STRIPES = 64;
  private static final Pattern DB_REPORT = Pattern.compile("db_(\\d+)");

  private final KtConfig config;
  private final byte[] dbParam;
  private final EventLoopGroup group;
  private final BinaryConnection binary;
  private final RpcClient rpc;
  /** Merges concurrent gets and sets, or {@code null} when the option is off. */
  private final Merger merger;
  /** The blocking connection for a lone blocking call, or {@code null} when the option is off. */
  private final DirectConnection direct;
  private final CounterCombiner counters =
      new CounterCombiner(new CounterBackend(), COUNTER_STRIPES, CasLoop.MAX_ATTEMPTS);
  private final AsyncCalls async;
  private final AtomicBoolean closed = new AtomicBoolean();

  private KtStore(KtConfig config) {
    this.config = config;
    this.dbParam = Integer.toString(config.db()).getBytes(StandardCharsets.US_ASCII);
    this.group = new NioEventLoopGroup(1, new DefaultThreadFactory("larder-kt", true));
    this.binary = new BinaryConnection(config, group);
    this.rpc = new RpcClient(config);
    this.merger = config.merge() ? new Merger(binary, config.db(), config.server()) : null;
    this.direct = config.direct() ? new DirectConnection(config) : null;
    this.async = new AsyncCalls(this, binary, merger);
  }

  /**
   * Connects to a server and checks that it has the database chosen.
   *
   * @param config the settings
   * @return the open store
   * @throws IllegalArgumentException if the server has no database with that index
   * @throws io.larder.CacheConnectionException if the server cannot be reached
   * @throws io.larder.CacheTimeoutException if it does not answer in time
   * @throws CacheException if it answers something Kyoto Tycoon would not
   */
  public static KtStore open(KtConfig config) {
    KtStore store = new KtStore(config);
    try {
      store.checkDatabase();
      store.binary.connect();
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * Reads {@code /rpc/report}, which lists every database as {@code db_N}: a record sent in
   * the binary protocol to a database that does not exist is dropped without an error.
   */
  private void checkDatabase() {
    RpcClient.Response report = rpc("report", List.of());
    if (report.status() != 200) {
      throw new CacheException("/rpc/report on Kyoto Tycoon " + config.server() + " answered "
          + report.status());
    }
    int count = 0;
    boolean found = false;
    for (byte[][] row : report.rows()) {
      var m = DB_REPORT.matcher(new String(row[0], StandardCharsets.US_ASCII));
      if (m.matches()) {
        count++;
        found |= m.group(1).equals(Integer.toString(config.db()));
      }
    }
    if (!found) {
      throw new IllegalArgumentException("option 'db' is " + config.db() + ", but Kyoto Tycoon "
          + config.server() + " has " + (count == 0 ? "no databases"
          : count == 1 ? "one database (db=0)" : count + " databases (db=0 to " + (count - 1)
          + ")"));
    }
    LOG.log(System.Logger.Level.DEBUG, "Kyoto Tycoon {0}, version {1}, database {2}: {3}",
        config.server(), report.text("conf_kt_version"), config.db(),
        report.text("db_" + config.db()));
  }

  // ---- reads --------------------------------------------------------------------------------

  @Override
  public byte[] get(String key) {
    byte[] k = utf8(key);
    BinaryProtocol.Found f;
    if (merger == null) {
      f = getOne(k);
    } else {
      List<byte[]> keys = List.of(k);
      String what = getBulkName(keys);
      Reply reply = direct(what, BinaryProtocol.keyRequestSize(keys),
          out -> BinaryProtocol.getBulk(out, config.db(), keys));
      f = reply == null ? merger.get(k) : first(records(reply, what));
    }
    return f == null ? null : Versions.value(f.value());
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keys) {
    if (keys.isEmpty()) {
      return Map.of();
    }
    List<String> asked = asList(keys);
    List<byte[]> encoded = utf8(asked);
    return byKey(asked, encoded, getBulk(encoded));
  }

  /**
   * Maps a {@code get_bulk}'s records to the keys asked for. The server answers in the order of
   * the request (a key asked twice is answered twice), so each record is matched to the next
   * key with its bytes and the caller's own string is used: no key is decoded, hashed or
   * allocated again. A record out of that order (never seen from a real server) is decoded.
   *
   * @param asked the keys, in the order sent
   * @param encoded their UTF-8 bytes, as sent
   * @param found the records of the reply
   * @return the values found, without version stamps, by key
   */
  static Map<String, byte[]> byKey(List<String> asked, List<byte[]> encoded,
      List<BinaryProtocol.Found> found) {
    Map<String, byte[]> result = new HashMap<>(found.size() * 4 / 3 + 1);
    int next = 0;
    for (BinaryProtocol.Found f : found) {
      int i = next;
      while (i < encoded.size() && !Arrays.equals(encoded.get(i), f.key())) {
        i++;
      }
      String key;
      if (i < encoded.size()) {
        key = asked.get(i);
        next = i + 1;
      } else {
        key = new String(f.key(), StandardCharsets.UTF_8);
      }
      result.put(key, Versions.value(f.value()));
    }
    return result;
  }

  private static List<String> asList(Collection<String> keys) {
    return keys instanceof List<String> list ? list : new ArrayList<>(keys);
  }

  @Override
  public boolean exists(String key) {
    return rpc("check", params(db(), row("key", utf8(key)))).status() == 200;
  }

  @Override
  public StoredValue getVersioned(String key) {
    byte[] k = utf8(key);
    // an unstamped value (written by another program) gets a version stamped in first
    Optional<StoredValue> read = CasLoop.run(what("getVersioned", key), () -> {
      BinaryProtocol.Found f = getOne(k);
      if (f == null) {
        return Optional.empty();
      }
      if (Versions.isStamped(f.value())) {
        return Optional.of(new StoredValue(Versions.value(f.value()), Versions.version(f.value())));
      }
      long version = Versions.newVersion();
      return cas(k, f.value(), Versions.stamp(f.value(), version), Expiry.keep(f.xt()))
          ? Optional.of(new StoredValue(f.value(), version)) : null;
    });
    return read.orElse(null);
  }

  // ---- writes -------------------------------------------------------------------------------

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    if (merger != null && !config.noReplyWrites()) {
      byte[] k = utf8(key);
      byte[] stored = Versions.forWrite(value);
      long xt = Expiry.binary(ttlMillis);
      List<BinaryProtocol.SetRecord> records =
          List.of(new BinaryProtocol.SetRecord(config.db(), k, stored, xt));
      String what = setBulkName(records);
      Reply reply = direct(what, BinaryProtocol.setBulkSize(records),
          out -> BinaryProtocol.setBulk(out, false, records));
      if (reply == null) {
        merger.set(k, stored, xt);
      } else {
        checkStored(reply, what, 1);
      }
      return;
    }
    store(List.of(new BinaryProtocol.SetRecord(config.db(), utf8(key), Versions.forWrite(value),
        Expiry.binary(ttlMillis))));
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    if (entries.isEmpty()) {
      return;
    }
    long xt = Expiry.binary(ttlMillis);
    store(setRecords(entries, key -> xt));
  }

  private List<BinaryProtocol.SetRecord> setRecords(Map<String, byte[]> entries,
      ToLongFunction<String> xt) {
    List<BinaryProtocol.SetRecord> records = new ArrayList<>(entries.size());
    entries.forEach((k, v) -> records.add(new BinaryProtocol.SetRecord(config.db(), utf8(k),
        Versions.forWrite(v), xt.applyAsLong(k))));
    return records;
  }

  private void store(List<BinaryProtocol.SetRecord> records) {
    String what = setBulkName(records);
    int size = BinaryProtocol.setBulkSize(records);
    if (config.noReplyWrites()) {
      long start = System.nanoTime();
      binary.await(inOrder(() -> binary.sendAsync(what, size,
          out -> BinaryProtocol.setBulk(out, true, records))), what, start,
          start + binary.timeoutNanos());
      return;
    }
    checkStored(call(what, size, out -> BinaryProtocol.setBulk(out, false, records)), what,
        records.size());
  }

  /** Checks a {@code set_bulk}'s reply: every record it carried was stored. */
  void checkStored(Reply reply, String what, int records) {
    long stored = count(reply, BinaryProtocol.SET_BULK, what);
    if (stored != records) {
      throw new CacheException("Kyoto Tycoon " + config.server() + " stored " + stored + " of "
          + records + " records; does database " + config.db() + " still exist?");
    }
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    return add(utf8(key), Versions.forWrite(value), Expiry.http(ttlMillis));
  }

  @Override
  public boolean delete(String key) {
    return remove(List.of(utf8(key))) > 0;
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    if (keys.isEmpty()) {
      return 0;
    }
    return (int) remove(utf8(new LinkedHashSet<>(keys)));
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    byte[] k = utf8(key);
    String xt = Expiry.http(ttlMillis);
    return CasLoop.run(what("touch", key), () -> {
      BinaryProtocol.Found f = getOne(k);
      if (f == null) {
        return Boolean.FALSE;
      }
      return cas(k, f.value(), f.value(), xt) ? Boolean.TRUE : null;
    });
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    return counters.incr(key, delta, ttlMillis);
  }

  /** The reads and writes {@link CounterCombiner} makes: get_bulk, /rpc/add, /rpc/cas. */
  private final class CounterBackend implements CounterCombiner.Backend {
    @Override
    public CounterCombiner.Current read(String key) {
      BinaryProtocol.Found f = getOne(key);
      return f == null ? null : new CounterCombiner.Current(Versions.value(f.value()), f);
    }

    @Override
    public boolean create(String key, byte[] value, long ttlMillis) {
      return add(utf8(key), value, Expiry.http(ttlMillis));
    }

    @Override
    public boolean replace(String key, CounterCombiner.Current expected, byte[] value) {
      BinaryProtocol.Found f = (BinaryProtocol.Found) expected.token();
      return cas(f.key(), f.value(), value, Expiry.keep(f.xt()));
    }
  }

  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    byte[] k = utf8(key);
    byte[] stored = Versions.forWrite(value);
    String xt = Expiry.http(ttlMillis);
    if (expected == null) {
      return add(k, stored, xt);
    }
    byte[] old = expected.version() == 0 ? expected.bytes()
        : Versions.stamp(expected.bytes(), expected.version());
    return cas(k, old, stored, xt);
  }

  @Override
  public void clear(String prefix) {
    if (prefix.isEmpty()) {
      RpcClient.Response r = rpc("clear", params(db()));
      expectOk(r, "/rpc/clear");
      return;
    }
    RpcClient.Response r = rpc("match_prefix", params(db(), row("prefix", utf8(prefix))));
    expectOk(r, "/rpc/match_prefix");
    List<byte[]> keys = new ArrayList<>();
    for (byte[][] row : r.rows()) {
      if (row[0].length > 0 && row[0][0] == '_') {
        keys.add(Arrays.copyOfRange(row[0], 1, row[0].length));
        if (keys.size() == CLEAR_BATCH) {
          remove(keys);
          keys = new ArrayList<>();
        }
      }
    }
    if (!keys.isEmpty()) {
      remove(keys);
    }
  }

  // ---- asynchronous calls (AsyncCalls) -------------------------------------------------------

  @Override
  public CompletableFuture<byte[]> getAsync(String key) {
    return async.getOne(utf8(key)).thenApply(f -> f == null ? null : Versions.value(f.value()));
  }

  @Override
  public CompletableFuture<Map<String, byte[]>> getManyAsync(Collection<String> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    // a copy: the reply is matched to these keys later, on the event loop, and the caller may
    // reuse its list by then
    List<String> asked = List.copyOf(keys);
    return async.getMany(asked, utf8(asked));
  }

  @Override
  public CompletableFuture<Void> setAsync(String key, byte[] value, long ttlMillis) {
    return async.setOne(new BinaryProtocol.SetRecord(config.db(), utf8(key),
        Versions.forWrite(value), Expiry.binary(ttlMillis)), config.noReplyWrites());
  }

  @Override
  public CompletableFuture<Void> setManyAsync(Map<String, byte[]> entries, long ttlMillis) {
    return setEachAsync(entries, key -> ttlMillis);
  }

  /** One {@code set_bulk}, which carries an expiration time per record. */
  @Override
  public CompletableFuture<Void> setEachAsync(Map<String, byte[]> entries,
      ToLongFunction<String> ttlMillis) {
    if (entries.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return async.store(setRecords(entries, key -> Expiry.binary(ttlMillis.applyAsLong(key))),
        config.noReplyWrites());
  }

  @Override
  public CompletableFuture<Boolean> deleteAsync(String key) {
    return async.remove(List.of(utf8(key))).thenApply(removed -> removed > 0);
  }

  @Override
  public CompletableFuture<Integer> deleteManyAsync(Collection<String> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    return async.remove(utf8(new LinkedHashSet<>(keys))).thenApply(Long::intValue);
  }

  // HTTP RPC, and the loops that use it: the blocking call on the store's small executor

  @Override
  public CompletableFuture<StoredValue> getVersionedAsync(String key) {
    return async.blocking(what("getVersioned", key), () -> getVersioned(key));
  }

  @Override
  public CompletableFuture<Boolean> compareAndSetAsync(String key, StoredValue expected,
      byte[] value, long ttlMillis) {
    return async.blocking(what("compareAndSet", key),
        () -> compareAndSet(key, expected, value, ttlMillis));
  }

  @Override
  public CompletableFuture<Boolean> addAsync(String key, byte[] value, long ttlMillis) {
    return async.blocking(what("add", key), () -> add(key, value, ttlMillis));
  }

  @Override
  public CompletableFuture<Boolean> existsAsync(String key) {
    return async.blocking(what("exists", key), () -> exists(key));
  }

  @Override
  public CompletableFuture<Boolean> touchAsync(String key, long ttlMillis) {
    return async.blocking(what("touch", key), () -> touch(key, ttlMillis));
  }

  @Override
  public CompletableFuture<Long> incrAsync(String key, long delta, long ttlMillis) {
    return async.blocking(what("incr", key), () -> incr(key, delta, ttlMillis));
  }

  /** Returns how many asynchronous calls were run on the store's executor, blocking. */
  long blockingAsyncCalls() {
    return async.blockingCalls();
  }

  /** Returns the asynchronous calls, for tests that hold the store's executor busy. */
  AsyncCalls asyncCalls() {
    return async;
  }

  /** Closes the binary connection as a break would, for tests; the next call reconnects. */
  void disconnect() {
    binary.disconnect();
  }

  /** Returns how many single-key calls went out merged with others ({@link Merger}). */
  long mergedCalls() {
    return merger == null ? 0 : merger.merged();
  }

  /** Returns how many calls wait in the merger, not yet sent, for tests. */
  long queuedCalls() {
    return merger == null ? 0 : merger.queued();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private BinaryProtocol.Found getOne(String key) {
    return getOne(utf8(key));
  }

  private BinaryProtocol.Found getOne(byte[] key) {
    return first(getBulk(List.of(key)));
  }

  private static BinaryProtocol.Found first(List<BinaryProtocol.Found> found) {
    return found.isEmpty() ? null : found.get(0);
  }

  private List<BinaryProtocol.Found> getBulk(List<byte[]> keys) {
    String what = getBulkName(keys);
    return records(call(what, BinaryProtocol.keyRequestSize(keys),
        out -> BinaryProtocol.getBulk(out, config.db(), keys)), what);
  }

  private long remove(List<byte[]> keys) {
    String what = removeBulkName(keys);
    return count(call(what, BinaryProtocol.keyRequestSize(keys),
        out -> BinaryProtocol.removeBulk(out, false, config.db(), keys)),
        BinaryProtocol.REMOVE_BULK, what);
  }

  /**
   * Sends a request and waits for its reply: on the direct connection if it can be had (see
   * {@link #direct}), else in order on the shared one (see {@link #start}).
   */
  private Reply call(String what, int size, Consumer<ByteBuf> writer) {
    long start = System.nanoTime();
    Reply reply = direct(what, size, writer);
    if (reply != null) {
      return reply;
    }
    return binary.await(start(what, size, writer), what, start, start + binary.timeoutNanos());
  }

  /**
   * Sends a blocking call's request on the {@link DirectConnection} and reads the reply on this
   * thread, if the option is on, the request is small, the shared connection is idle and no
   * other thread holds the direct one.
   *
   * <p>Why the order of one caller's calls holds (see {@link Merger}): a blocking caller has
   * no call of its own in flight but its asynchronous ones, and those are counted before they
   * are handed on, first as unsent in the merger, then (before leaving that count) as in flight
   * on the connection until answered, no-reply writes until a later reply confirms them. So if
   * both counts, read in that order, are zero, every call this thread made before has been
   * answered by the server, and this request cannot overtake one. Other threads' calls may
   * still run at the same time on the shared connection, as they may on the shared connection
   * alone. A direct call is answered before it returns, so the caller's later calls, on either
   * connection, come after it. Asynchronous calls never come here.
   *
   * @return the reply, or {@code null} if the request was not sent here
   * @throws io.larder.CacheTimeoutException if the reply does not come in time
   * @throws io.larder.CacheConnectionException if the direct connection breaks
   */
  private Reply direct(String what, int size, Consumer<ByteBuf> writer) {
    if (direct == null || size > DirectConnection.MAX_REQUEST
        || !sharedConnectionIdle() || !direct.tryAcquire()) {
      return null;
    }
    return direct.call(what, size, writer, System.nanoTime());
  }

  /** Tells whether nothing is queued or in flight on the shared connection, for tests. */
  boolean sharedConnectionIdle() {
    return (merger == null || merger.idle()) && binary.idle();
  }

  /** Returns how many requests went over the direct connection, for tests. */
  long directCalls() {
    return direct == null ? 0 : direct.calls();
  }

  /**
   * Starts a request that expects a reply after the merged calls made before it, so that a
   * caller's calls reach the server in the order it made them ({@link Merger#inOrder}).
   */
  CompletableFuture<Reply> start(String what, int size, Consumer<ByteBuf> writer) {
    return inOrder(() -> binary.start(what, size, writer));
  }

  /** Starts a request after the merged calls made before it, if merging is on. */
  <T> CompletableFuture<T> inOrder(Supplier<CompletableFuture<T>> start) {
    return merger == null ? start.get() : merger.inOrder(start);
  }

  static String getBulkName(List<byte[]> keys) {
    return "get_bulk of " + keys.size() + (keys.size() == 1 ? " key" : " keys");
  }

  static String removeBulkName(List<byte[]> keys) {
    return "remove_bulk of " + keys.size() + (keys.size() == 1 ? " key" : " keys");
  }

  static String setBulkName(List<BinaryProtocol.SetRecord> records) {
    return "set_bulk of " + records.size() + (records.size() == 1 ? " record" : " records");
  }

  /** The database's index, as the binary protocol sends it. */
  int dbIndex() {
    return config.db();
  }

  /** The records of a {@code get_bulk}'s reply. */
  List<BinaryProtocol.Found> records(Reply reply, String what) {
    if (reply instanceof Reply.Records records) {
      return records.records();
    }
    throw unexpected(reply, what);
  }

  long count(Reply reply, int magic, String what) {
    if (reply instanceof Reply.Count c && c.magic() == magic) {
      return c.hits();
    }
    throw unexpected(reply, what);
  }

  private CacheException unexpected(Reply reply, String what) {
    if (reply instanceof Reply.Error) {
      return new CacheException("Kyoto Tycoon " + config.server() + " answered " + what
          + " with an error (0xBF); see the server's log");
    }
    return new CacheException("Kyoto Tycoon " + config.server() + " answered " + what
        + " with " + reply + "; the connection is out of step");
  }

  /** {@code /rpc/add}: stores only if no live record is there. */
  private boolean add(byte[] key, byte[] value, String xt) {
    return rpc("add", params(db(), row("key", key), row("value", value), row("xt", xt)))
        .status() == 200;
  }

  /** {@code /rpc/cas}: replaces {@code old} by {@code value}, with the expiry given. */
  private boolean cas(byte[] key, byte[] old, byte[] value, String xt) {
    return rpc("cas", params(db(), row("key", key), row("oval", old), row("nval", value),
        row("xt", xt))).status() == 200;
  }

  private void expectOk(RpcClient.Response r, String what) {
    if (r.status() != 200) {
      throw new CacheException(what + " on Kyoto Tycoon " + config.server() + " answered "
          + r.status() + errorText(r));
    }
  }

  private static String errorText(RpcClient.Response r) {
    byte[] error = r.value("ERROR");
    return error == null ? "" : ": " + Tsv.printable(error);
  }

  /** Calls HTTP RPC, after the server has taken this store's no-reply writes. */
  private RpcClient.Response rpc(String procedure, List<byte[][]> params) {
    if (config.noReplyWrites()) {
      binary.awaitNoReplyWrites();
    }
    return rpc.call(procedure, params);
  }

  private static List<byte[][]> params(byte[][]... rows) {
    return Arrays.asList(rows);
  }

  private byte[][] db() {
    return new byte[][] {"DB".getBytes(StandardCharsets.US_ASCII), dbParam};
  }

  private static byte[][] row(String name, byte[] value) {
    return new byte[][] {name.getBytes(StandardCharsets.US_ASCII), value};
  }

  private static byte[][] row(String name, String value) {
    return row(name, value == null ? null : value.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<byte[]> utf8(Collection<String> keys) {
    List<byte[]> out = new ArrayList<>(keys.size());
    for (String k : keys) {
      out.add(utf8(k));
    }
    return out;
  }

  /** Names an operation for {@link CasLoop}'s messages. */
  private static String what(String operation, String key) {
    return operation + " of key '" + key + "'";
  }

  /**
   * Returns the server and database this store uses.
   *
   * @return for example {@code KyotoTycoonStore[cache1:1978, db=0]}
   */
  @Override
  public String toString() {
    return "KyotoTycoonStore[" + config.server() + ", db=" + config.db() + "]";
  }

  /** Closes the connections and stops the event loop. Idempotent. */
  /**
   * Any key; whole seconds; new arrays per reply; {@code add} native; counters kept as decimal
   * text, which KT's own binary {@code increment} does not read.
   */
  @Override
  public StoreTraits traits() {
    return StoreTraits.DEFAULT.withTtlResolution(Duration.ofSeconds(1))
        .withReadsReturnCopies(true).withNativeAdd(true);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      async.close();
      if (direct != null) {
        direct.close();
      }
      binary.close();
      rpc.close();
    } finally {
      group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).awaitUninterruptibly(2,
          TimeUnit.SECONDS);
    }
  }
}
