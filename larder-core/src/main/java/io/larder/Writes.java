package io.larder;

import io.larder.spi.CasLoop;
import io.larder.spi.Counters;
import io.larder.spi.Decoded;
import io.larder.spi.KeyLayout;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Every write: values sealed by {@link EntryCodec} with the view's tag generations, sent
 * through {@link StoreCalls}, counted, and reflected in the thread's open preload scopes (a
 * write that failed makes the scopes forget the key, so that they never serve what the store
 * may no longer hold, and in fail-open mode makes reads of it miss: see {@link DroppedWrites}).
 * Counters, compare-and-set and the update loop live here too. Over a store with an object
 * tier ({@link io.larder.spi.DecodedValues}), a value that may be shared ({@link ObjectTier})
 * is written decoded with its metadata, and encoded only when someone needs its bytes.
 */
final class Writes {
  private final StoreCalls calls;
  private final EntryCodec entries;
  private final ScopedReads scoped;
  private final Tags tags;
  private final Reads reads;
  private final ObjectTier tier;
  /**
   * Seals a shared value {@link #setOwnShared} wrote, for whoever asks for its bytes, from the
   * value and the reader the object tier named it by: one encoder for every such write, where
   * a lambda per write was one more object per put.
   */
  private final Decoded.Encoder sealShared;

  Writes(StoreCalls calls, EntryCodec entries, ScopedReads scoped, Tags tags, Reads reads,
      ObjectTier tier) {
    this.calls = calls;
    this.entries = entries;
    this.scoped = scoped;
    this.tags = tags;
    this.reads = reads;
    this.tier = tier;
    this.sealShared = (value, reader) -> sealKept(value, ObjectTier.codecOf(reader));
  }

  @SuppressWarnings("unchecked")
  private <T> byte[] sealKept(Object value, Codec<T> codec) {
    return entries.sealOwn(EntryCodec.KEPT, (T) value, codec);
  }

  /**
   * Makes the entry an object tier keeps for a value (a {@code null} one for a cached
   * {@code null}), encoded when its bytes are first needed; or returns {@code null} when the
   * value goes as bytes: the store has no object tier, the value must not be shared, or it is
   * estimated at more than {@link ObjectTier#KEPT_UP_TO} bytes (kept as bytes, compressed
   * where the cache compresses, and refused now if too large to store, as ever).
   */
  private <T> Decoded decoded(Keys.StoreKey k, T value, Codec<T> codec, Envelope.Meta meta) {
    if (calls.objects() == null || value != null && !tier.shared(value)) {
      return null;
    }
    long weight = value == null ? 0 : ObjectTier.weight(value);
    if (weight > ObjectTier.KEPT_UP_TO && !tier.byReference()) {
      return null;
    }
    Entry<T> entry = new Entry<>(true, value, meta);
    if (tier.byReference() || value == null || BuiltinCodecs.neverRefuses(codec)) {
      return tier.decodedLazily(entry, codec, weight,
          () -> entries.seal(k, value, codec, meta));
    }
    // a codec that may refuse the value (an allow list, a user's codec) says so now, as it
    // would for a write of bytes, rather than as a miss on some later read
    return tier.decoded(entry, codec, weight, entries.seal(k, value, codec, meta));
  }

  /**
   * Stores an entry in the store's object tier, at once: a write of the key that the thread's
   * request scope holds back is older, and dropped.
   */
  private void storeDecoded(View view, Keys.StoreKey k, Decoded value, long ms, String op) {
    scoped.dropGathered(k.store());
    Boolean ok = calls.callObjects(view.stats(), op, s -> {
      s.setDecoded(k.store(), value, ms);
      return Boolean.TRUE;
    }, null);
    if (Boolean.TRUE.equals(ok)) {
      view.stats().inc(StatsCounter.Kind.WRITE);
      scoped.written(k.store(), value);
    } else {
      scoped.writeFailed(k.store(), ms);
    }
  }

  /** Seals a value with a view's current tag generations. */
  <T> byte[] seal(View view, Keys.StoreKey k, T value, Codec<T> codec) {
    return entries.seal(k, value, codec, tags.writeMeta(view));
  }

  /**
   * Seals a value for a write, or refuses it: a value too large to be read back is never
   * stored. Fail-closed, the refusal is thrown; fail-open, it counts as a store error and the
   * key's old value is deleted, so that a read never returns what the write meant to replace.
   *
   * @return the sealed bytes, or {@code null} if the value was refused (fail-open)
   * @throws ValueTooLargeException if the value is refused (fail-closed)
   */
  private byte[] sealOrRefuse(View view, Keys.StoreKey k, Supplier<byte[]> sealer, String op) {
    try {
      return sealer.get();
    } catch (ValueTooLargeException e) {
      return refused(view, k, e, op);
    }
  }

  /** Answers a value refused as too large, as {@link #sealOrRefuse} describes. */
  private byte[] refused(View view, Keys.StoreKey k, ValueTooLargeException e, String op) {
    calls.failed(view.stats(), op, e, null);
    delete(view, k);
    return null;
  }

  /**
   * Stores a computed value (or a cached {@code null}) with its cost and freshness.
   *
   * @return the entry as it was stored, for the callers waiting on the computation
   */
  <T> Entry<T> storeComputed(View view, Keys.StoreKey k, T value, Codec<T> codec,
      long computeMillis, long freshUntil, long ms) {
    Envelope.Meta meta = new Envelope.Meta(computeMillis, freshUntil,
        tags.writeMeta(view).tags(), value == null);
    Decoded decoded = decoded(k, value, codec, meta);
    if (decoded != null) {
      storeDecoded(view, k, decoded, ms, "set");
      return new Entry<>(true, value, meta);
    }
    byte[] bytes = sealOrRefuse(view, k, () -> entries.seal(k, value, codec, meta), "set");
    if (bytes != null) {
      store(view, k, bytes, ms, "set");
    }
    return new Entry<>(true, value, meta);
  }

  /**
   * Stores computed values (a {@code null} value as a cached {@code null}) in one round trip.
   */
  <V> void storeAllComputed(View view, Map<Keys.StoreKey, V> values, Codec<V> codec,
      long computeMillis, long freshUntil, long ms) {
    Envelope.Meta meta = new Envelope.Meta(computeMillis, freshUntil,
        tags.writeMeta(view).tags(), false);
    Map<String, byte[]> sealed = new LinkedHashMap<>(Reads.capacity(values.size()));
    values.forEach((k, v) -> {
      byte[] bytes = sealOrRefuse(view, k, () -> entries.seal(k, v, codec,
          v == null ? meta.asNull() : meta), "setMany");
      if (bytes != null) {
        sealed.put(k.store(), bytes);
      }
    });
    if (!sealed.isEmpty()) {
      storeAll(view, sealed, ms, "setMany");
    }
  }

  /** Stores a value; a TTL that has passed already ({@code ms < 0}) deletes the key. */
  <T> void set(View view, Keys.StoreKey k, T value, Codec<T> codec, long ms) {
    Objects.requireNonNull(value, "value");
    Decoded decoded = decoded(k, value, codec, tags.writeMeta(view));
    if (decoded != null) {
      if (ms < 0) {
        delete(view, k);
      } else {
        storeDecoded(view, k, decoded, ms, "set");
      }
      return;
    }
    byte[] bytes;
    try {
      // sealOrRefuse written out: a single-key write makes no lambda
      bytes = seal(view, k, value, codec);
    } catch (ValueTooLargeException e) {
      refused(view, k, e, "set");
      return;
    }
    if (ms < 0) {
      delete(view, k);
      return;
    }
    store(view, k, bytes, ms, "set");
  }

  /**
   * Tells whether a write of a view may try {@link #setOwn}: the store is Larder's memory store,
   * the view untagged, and no scope nor dropped write on any thread is to be kept true.
   */
  boolean toMemory(View view) {
    return calls.memory() != null && !view.tagged() && scoped.idle();
  }

  /**
   * Writes a value as {@link #set} does under a key of an unprefixed view over the memory store
   * ({@link #toMemory}) that is its own store key, making no {@link Keys.StoreKey}. Does
   * nothing, for the caller to take {@link #set} (which refuses or escapes the key first, as
   * ever), when the key, the value or the TTL is {@code null}, when the key is not its own store
   * key (empty, invalid, or starting with the namespace mark), when the TTL deletes, and when
   * the value is kept as an object, but for two it writes where they qualify: a string of the
   * UTF-8 codec, held as itself ({@link #setOwnString}), and a shared value that never expires
   * ({@link #setOwnShared}); one that does not qualify (a TTL among others) is left to
   * {@link #set}. The key is thus checked before the TTL, the value and the
   * codec, in the order {@link #set}'s caller checks them.
   *
   * @return whether the write was done here
   * @throws ValueTooLargeException if the value is too large to store and the cache fails closed
   * @throws CacheCodecException if the codec fails
   */
  <T> boolean setOwn(View view, String key, T value, Codec<T> codec, Duration ttl) {
    if (key == null || value == null || ttl == null || !KeyLayout.isOwnStoreKey(key)) {
      return false;
    }
    if (value instanceof String s && codec == BuiltinCodecs.UTF8) {
      return setOwnString(view, key, s, ttl);
    }
    if (tier.shared(value)) {
      return setOwnShared(view, key, value, codec, ttl);
    }
    long ms = Ttls.millis(ttl);
    if (ms < 0) {
      return false;
    }
    byte[] bytes;
    try {
      bytes = entries.sealOwn(key, value, codec);
    } catch (ValueTooLargeException e) {
      // refused here, as set refuses it: the codec runs once
      refused(view, Reads.plainKey(key), e, "set");
      return true;
    }
    // the write is counted with its round trip (StatsCounter.Kind.STORE_WRITE); the store
    // trusts the key checked above (a bare value proves its key valid, so only a checked key
    // may hold one), and does not look at its characters again
    return wroteOwn(key, calls.setOwn(view.stats(), key, bytes, ms), ms);
  }

  /**
   * Writes a string of the UTF-8 codec as {@link #setOwn} writes bytes, held by the memory store
   * as the string itself ({@link io.larder.internal.MemoryStore#putOwn}), with no
   * {@link Entry}, {@link Decoded} or encoding: only one that never expires, whose stored bytes
   * would be its UTF-8 as they are (not compressed) and that the object tier keeps (estimated at
   * most {@link ObjectTier#KEPT_UP_TO}); does nothing for any other, for the caller to take
   * {@link #set}.
   */
  private boolean setOwnString(View view, String key, String value, Duration ttl) {
    long ms = Ttls.millis(ttl);
    if (ms != Store.NO_EXPIRY || !entries.sealsPlain(value)
        || ObjectTier.weight(value) > ObjectTier.KEPT_UP_TO) {
      return false;
    }
    return wroteOwn(key, calls.setOwnString(view.stats(), key, value), ms);
  }

  /**
   * Writes a value the object tier shares (immutable, declared so, or by reference) as
   * {@link #setOwn} writes bytes: the {@link Decoded} {@link #set} would store, made with no
   * {@link Keys.StoreKey}, {@link Entry} or store-call lambda, its bytes (should anyone ask)
   * sealed as {@link #set} seals them. Only one that never expires, that the tier keeps (not
   * estimated above {@link ObjectTier#KEPT_UP_TO}, unless by reference) and whose codec never
   * refuses a value (or by reference); does nothing for any other, for the caller to take
   * {@link #set}, which encodes at once what a codec may refuse.
   */
  private <T> boolean setOwnShared(View view, String key, T value, Codec<T> codec,
      Duration ttl) {
    long ms = Ttls.millis(ttl);
    if (ms != Store.NO_EXPIRY
        || !tier.byReference() && !BuiltinCodecs.neverRefuses(codec)) {
      return false;
    }
    long weight = ObjectTier.weight(value);
    if (weight > ObjectTier.KEPT_UP_TO && !tier.byReference()) {
      return false;
    }
    Decoded decoded = tier.decodedLazily(value, codec, weight, sealShared);
    return wroteOwn(key, calls.setOwnDecoded(view.stats(), key, decoded), ms);
  }

  /**
   * Ends a write of {@link #setOwn}: what {@code ok} says the store did ({@code null}: the write
   * failed), kept true in scopes; always {@code true}, the write having been done here.
   */
  private boolean wroteOwn(String key, Boolean ok, long ms) {
    if (ok == null) {
      scoped.writeFailed(key, ms);
    } else {
      // a write of the key that failed since toMemory looked is remembered: this one ends it
      scoped.written(key);
    }
    return true;
  }

  /** Stores sealed bytes, or holds them back in the thread's request scope. */
  void store(View view, Keys.StoreKey k, byte[] bytes, long ms, String op) {
    if (scoped.gather(k.store(), bytes, ms, view.stats())) {
      return;
    }
    // the write is counted with its round trip (StatsCounter.Kind.STORE_WRITE)
    if (calls.set(view.stats(), op, k.store(), bytes, ms) != null) {
      scoped.written(k.store(), bytes);
    } else {
      scoped.writeFailed(k.store(), ms);
    }
  }

  /**
   * Stores several values in one round trip, each sealed with the codec {@code codecOf}
   * gives it.
   */
  <T> void setMany(View view, Map<String, ? extends T> values,
      Function<String, Keys.StoreKey> resolve, Function<T, Codec<T>> codecOf, long ms) {
    Objects.requireNonNull(values, "entries");
    if (values.isEmpty()) {
      return;
    }
    Envelope.Meta meta = tags.writeMeta(view);
    // by store key, the map the store takes: nothing is copied from a map of resolved keys
    Map<String, byte[]> sealed = new LinkedHashMap<>(Reads.capacity(values.size()));
    for (Map.Entry<String, ? extends T> e : values.entrySet()) {
      Keys.StoreKey k = resolve.apply(e.getKey());
      T value = e.getValue();
      if (value == null) {
        throw new NullPointerException("value for key " + e.getKey());
      }
      byte[] bytes;
      try {
        // sealOrRefuse written out: no lambda per key
        bytes = entries.seal(k, value, codecOf.apply(value), meta);
      } catch (ValueTooLargeException tooLarge) {
        refused(view, k, tooLarge, "setMany");
        continue;
      }
      sealed.put(k.store(), bytes);
    }
    if (sealed.isEmpty()) {
      return;
    }
    if (ms < 0) {
      deleteAll(view, new ArrayList<>(sealed.keySet()));
      return;
    }
    storeAll(view, sealed, ms, "setMany");
  }

  /**
   * Stores sealed bytes under several store keys in one round trip, or holds them back in the
   * thread's request scope.
   *
   * @param sealed the bytes by store key, this call's own: the keys held back are taken out
   */
  private void storeAll(View view, Map<String, byte[]> sealed, long ms, String op) {
    StatsCounter stats = view.stats();
    // a thread gathers all its writes or none: when the first is not held back, none is asked
    boolean gathering = true;
    for (Iterator<Map.Entry<String, byte[]>> it = sealed.entrySet().iterator();
        gathering && it.hasNext(); ) {
      Map.Entry<String, byte[]> e = it.next();
      gathering = scoped.gather(e.getKey(), e.getValue(), ms, stats);
      if (gathering) {
        it.remove();
      }
    }
    if (sealed.isEmpty()) {
      return;
    }
    Boolean ok = calls.call(stats, op, s -> {
      s.setMany(sealed, ms);
      return Boolean.TRUE;
    }, null);
    if (ok != null) {
      stats.add(StatsCounter.Kind.WRITE, sealed.size()); // once, not per key
      sealed.forEach(scoped::written);
    } else {
      for (String k : sealed.keySet()) {
        scoped.writeFailed(k, ms);
      }
    }
  }

  /** Stores a value only if the key is missing. */
  <T> boolean add(View view, Keys.StoreKey k, T value, Codec<T> codec, long ms) {
    Objects.requireNonNull(value, "value");
    Decoded decoded = decoded(k, value, codec, tags.writeMeta(view));
    byte[] bytes;
    try {
      bytes = decoded == null ? seal(view, k, value, codec) : null;
    } catch (ValueTooLargeException e) {
      // add never replaces a value, so the one there (if any) stays
      return calls.failed(view.stats(), "add", e, false);
    }
    if (ms < 0) {
      return false;
    }
    scoped.settle(k.store(), view.stats());
    Boolean added = decoded != null
        ? calls.callObjects(view.stats(), "add", s -> s.addDecoded(k.store(), decoded, ms), null)
        : calls.call(view.stats(), "add", s -> s.add(k.store(), bytes, ms), null);
    if (Boolean.TRUE.equals(added)) {
      view.stats().inc(StatsCounter.Kind.WRITE);
      if (decoded != null) {
        scoped.written(k.store(), decoded);
      } else {
        scoped.written(k.store(), bytes);
      }
    } else {
      // a failed add replaced nothing: what the store holds is still current
      scoped.forget(k.store());
    }
    return Boolean.TRUE.equals(added);
  }

  /**
   * Records the outcome of a write: {@code ok} true for stored, {@code false} for refused (a
   * compare-and-set that lost), {@code null} for failed.
   */
  private void afterWrite(View view, Keys.StoreKey k, Boolean ok, byte[] bytes, long ms) {
    if (Boolean.TRUE.equals(ok)) {
      view.stats().inc(StatsCounter.Kind.WRITE);
      scoped.written(k.store(), bytes);
    } else if (ok == null) {
      scoped.writeFailed(k.store(), ms);
    } else {
      scoped.forget(k.store());
    }
  }

  boolean delete(View view, Keys.StoreKey k) {
    scoped.dropGathered(k.store());
    Boolean removed = calls.call(view.stats(), "delete", s -> s.delete(k.store()), null);
    if (removed == null) {
      scoped.writeFailed(k.store(), Store.NO_EXPIRY);
      return false;
    }
    scoped.written(k.store(), Scopes.MISSING);
    if (removed) {
      view.stats().inc(StatsCounter.Kind.DELETE);
    }
    return removed;
  }

  int deleteMany(View view, List<Keys.StoreKey> keys) {
    List<String> storeKeys = new ArrayList<>(keys.size());
    for (Keys.StoreKey k : keys) {
      storeKeys.add(k.store());
    }
    return deleteAll(view, storeKeys);
  }

  /** Deletes store keys in one round trip, as {@link #deleteMany} does. */
  private int deleteAll(View view, List<String> storeKeys) {
    if (storeKeys.isEmpty()) {
      return 0;
    }
    for (String k : storeKeys) {
      scoped.dropGathered(k);
    }
    Integer removed = calls.call(view.stats(), "deleteMany", s -> s.deleteMany(storeKeys), null);
    for (String k : storeKeys) {
      if (removed == null) {
        scoped.writeFailed(k, Store.NO_EXPIRY);
      } else {
        scoped.written(k, Scopes.MISSING);
      }
    }
    if (removed == null) {
      return 0;
    }
    view.stats().add(StatsCounter.Kind.DELETE, removed);
    return removed;
  }

  /** Gives a key a new TTL; a TTL that has passed already deletes it. */
  boolean touch(View view, Keys.StoreKey k, long ms) {
    if (ms < 0) {
      return delete(view, k);
    }
    scoped.settle(k.store(), view.stats());
    boolean touched = calls.call(view.stats(), "touch", s -> s.touch(k.store(), ms), false);
    if (touched) {
      view.stats().inc(StatsCounter.Kind.WRITE);
    }
    return touched;
  }

  long incr(View view, Keys.StoreKey k, long delta, long ms) {
    Long value;
    scoped.settle(k.store(), view.stats());
    try {
      value = calls.call(view.stats(), "incr", s -> s.incr(k.store(), delta, ms), null);
    } catch (CacheCodecException e) {
      scoped.forget(k.store());
      throw e;
    }
    if (value == null) {
      scoped.writeFailed(k.store(), ms);
      return 0;
    }
    view.stats().inc(StatsCounter.Kind.WRITE);
    scoped.written(k.store(), Counters.format(value));
    return value;
  }

  <T> boolean compareAndSet(View view, Versioned<T> read, T value, long ms) {
    byte[] bytes = sealOrRefuse(view, read.key, () -> seal(view, read.key, value, read.codec),
        "compareAndSet");
    if (bytes == null) {
      return false;
    }
    scoped.settle(read.key.store(), view.stats());
    Boolean ok = calls.call(view.stats(), "compareAndSet",
        s -> s.compareAndSet(read.key.store(), read.stored, bytes, ms), null);
    afterWrite(view, read.key, ok, bytes, ms);
    return Boolean.TRUE.equals(ok);
  }

  /**
   * The read-modify-write loop: read with a version, apply {@code fn}, write if unchanged,
   * back off and retry on a conflict ({@link CasLoop}).
   */
  <T> T update(View view, Keys.StoreKey k, Codec<T> codec, long ms, UnaryOperator<T> fn) {
    try {
      scoped.settle(k.store(), view.stats());
      for (int attempt = 0; attempt < CasLoop.MAX_ATTEMPTS; attempt++) {
        if (Thread.currentThread().isInterrupted()) {
          // the flag stays set for the caller
          throw new CacheException("update of key '" + k.userKey() + "' interrupted");
        }
        StoredValue stored = calls.raw(view.stats(), s -> s.getVersioned(k.store()));
        T next = fn.apply(reads.value(view, k, stored, codec));
        if (next == null) {
          return null;
        }
        byte[] bytes = sealOrRefuse(view, k, () -> seal(view, k, next, codec), "update");
        if (bytes == null) {
          return null;
        }
        if (calls.raw(view.stats(), s -> s.compareAndSet(k.store(), stored, bytes, ms))) {
          afterWrite(view, k, true, bytes, ms);
          return next;
        }
        CasLoop.backoff(attempt);
      }
    } catch (CacheCodecException e) {
      throw e;
    } catch (CacheException e) {
      scoped.writeFailed(k.store(), ms);
      return calls.failed(view.stats(), "update", e, null);
    }
    scoped.forget(k.store());
    throw new CacheException("update of key '" + k.userKey() + "' gave up after "
        + CasLoop.MAX_ATTEMPTS + " conflicting writes");
  }

  /** Removes every key of a view's namespace (of the whole store for a root without prefix). */
  void clear(View view) {
    Boolean ok = calls.call(view.stats(), "clear", s -> {
      s.clear(view.prefix());
      return Boolean.TRUE;
    }, null);
    if (ok != null) {
      scoped.cleared(view.prefix());
    }
  }
}
