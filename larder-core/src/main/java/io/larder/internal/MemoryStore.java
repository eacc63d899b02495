package io.larder.internal;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.larder.Codec;
import io.larder.spi.Counters;
import io.larder.spi.Decoded;
import io.larder.spi.DecodedValues;
import io.larder.spi.KeyLayout;
import io.larder.spi.Store;
import io.larder.spi.StoreSize;
import io.larder.spi.StoreTraits;
import io.larder.spi.StoredValue;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process store: a Caffeine cache bounded by the total bytes of keys and values,
 * with a per-entry expiry. An expired entry is never returned; it is removed when a read finds
 * it, and otherwise keeps its room until Caffeine evicts it for weight (it is read no more, so
 * it is among the first to go). Not public API; obtain it from {@code io.larder.Stores.memory()}
 * or the {@code mem:} URL.
 *
 * <p>Its object tier ({@link DecodedValues}): an entry is either bytes, or a {@link Decoded}
 * entry the facade wrote or offered, charged at the facade's estimate of its heap size
 * ({@link Decoded#weight()}) rather than by its bytes, which may never be made.
 *
 * <p>The commonest entries, bytes or a {@link Decoded} entry that never expire under a key that
 * is a user's own ({@link KeyLayout#isOwnStoreKey}: not empty, valid Unicode, not namespaced),
 * are kept bare, with no {@link Entry} around them: a read then follows one reference less, and
 * a write allocates nothing and bumps no shared counter. A bare value therefore also proves that
 * its key is a valid user key, which lets the facade skip checking the key of a read that finds
 * one ({@link #getHeld}).
 *
 * <p>A string the facade writes for the built-in UTF-8 codec ({@link Codec#utf8()}) with no
 * metadata and no expiry ({@link #putOwn}) is held barer still: the {@link String}
 * itself, with no {@link Decoded} around it, so that a hit reads the same lines a raw
 * Caffeine's does. Its bytes are its UTF-8, made afresh when a byte read asks; it weighs as the
 * facade estimates a string (40 plus 2 per char); a read of the object tier
 * ({@link #getDecodedOrBytes}) is handed a fresh {@link Decoded} of it that names the UTF-8
 * codec as its reader.
 *
 * <p>Versions are drawn only when a versioned read asks: a
 * write holds its value unversioned, {@link #getVersioned} gives the value it reads the next
 * version of a counter (holding it as an {@link Entry}), and a compare-and-set matches only an
 * entry that still carries the version it was given, so any write in between (of the same bytes,
 * or the very same array, included) makes it fail.
 */
public final class MemoryStore implements Store, DecodedValues {
  /** Bytes charged per entry beyond its key and value: object headers and map nodes. */
  static final int ENTRY_OVERHEAD = 96;

  private static final StoreTraits TRAITS = StoreTraits.DEFAULT.withNativeAdd(true);
  /** The version of a value no versioned read has asked for yet. */
  private static final long UNVERSIONED = 0;
  /** The reader of a string held bare ({@link #putOwn}). */
  private static final Codec<String> UTF8 = Codec.utf8();

  /**
   * An entry: {@code bytes}, or else {@code decoded}; {@code deadline} is in ticker
   * nanoseconds, {@link Long#MAX_VALUE} for never.
   */
  private record Entry(byte[] bytes, Decoded decoded, long deadline, long version) {
    /**
     * The stored bytes, encoding a lazily written entry first; {@code null} for one that cannot
     * be encoded (a value kept by reference), which byte reads see as absent.
     */
    byte[] value() {
      if (bytes != null) {
        return bytes;
      }
      try {
        return decoded.bytes();
      } catch (RuntimeException e) {
        return null;
      }
    }

    long weight() {
      return bytes != null ? bytes.length : decoded.weight();
    }

    Decoded asDecoded() {
      return decoded != null ? decoded : Decoded.ofBytes(bytes);
    }

    /** Whether this is the entry {@link #asDecoded} gave {@code read} for. */
    boolean holds(Decoded read) {
      return decoded != null ? decoded == read : !read.isDecoded() && read.bytes() == bytes;
    }
  }

  /**
   * Values: held bare, a {@code byte[]}, a {@link Decoded} or a {@link String} (never expiring,
   * unversioned, under a user's own key), or else an {@link Entry}.
   */
  private final com.github.benmanes.caffeine.cache.Cache<String, Object> cache;
  private final ConcurrentMap<String, Object> map;
  private final Ticker ticker;
  private final AtomicLong versions = new AtomicLong();

  /**
   * Creates a memory store.
   *
   * @param maxBytes the most bytes (keys, values and per-entry overhead) to hold
   * @param clock the time source; {@code null} for the system's monotonic clock
   */
  public MemoryStore(long maxBytes, InstantSource clock) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
    }
    this.ticker = clock == null ? Ticker.systemTicker()
        : () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    Caffeine<String, Object> builder = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String k, Object e) -> (int) Math.min(Integer.MAX_VALUE, weight(k, e)));
    if (clock != null) {
      // a store on a test's clock evicts at once, so that what it holds is known when a call
      // returns; otherwise Caffeine's own executor does that work off the caller's thread
      builder.executor(Runnable::run);
    }
    this.cache = builder.build();
    this.map = cache.asMap();
  }

  private long deadline(long ttlMillis) {
    if (ttlMillis == NO_EXPIRY) {
      return Long.MAX_VALUE;
    }
    long d = ticker.read() + TimeUnit.MILLISECONDS.toNanos(ttlMillis);
    return d < 0 ? Long.MAX_VALUE - 1 : d;
  }

  /** Whether a held value (a bare one, or an entry) is present and not expired. */
  private boolean live(Object held) {
    return held != null && (!(held instanceof Entry e) || e.deadline == Long.MAX_VALUE
        || e.deadline > ticker.read());
  }

  /**
   * Tells whether a value {@link #getHeld} returned is held bare: bytes, a {@link Decoded}
   * entry or a string kept for the UTF-8 codec that never expire, written under a key that
   * {@link KeyLayout#isOwnStoreKey} accepts.
   *
   * @param held what {@link #getHeld} returned
   * @return {@code true} if bare; {@code false} for {@code null} and for a wrapped entry
   */
  public static boolean bare(Object held) {
    return held instanceof byte[] || held instanceof Decoded || held instanceof String;
  }

  /**
   * Returns what {@link #getDecodedOrBytes} would return for a value {@link #getHeld} returned.
   *
   * @param held what {@link #getHeld} returned
   * @return a {@code byte[]}, a {@link Decoded}, or {@code null}
   */
  public static Object unwrap(Object held) {
    return held instanceof Entry e ? (e.decoded != null ? e.decoded : e.bytes)
        : held instanceof String s ? decodedString(s) : held;
  }

  /**
   * The {@link Decoded} a string held bare stands for: the string, read by the UTF-8 codec,
   * weighing as the facade estimates a string, its bytes made when asked for.
   */
  private static Decoded decodedString(String value) {
    return Decoded.lazy(value, UTF8, stringWeight(value),
        () -> value.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Estimates the heap bytes of a string: 40 plus 2 per char (an upper bound: a Latin-1 string
   * takes 1). The one place of this formula: the object tier's estimate of a kept string
   * ({@code io.larder.ObjectTier}) and the weight of a string held bare here.
   *
   * @param value the string
   * @return the estimate in bytes
   * @throws NullPointerException if {@code value} is null
   */
  public static long stringWeight(String value) {
    return 40 + 2L * value.length();
  }

  /**
   * Reads a key as {@link #getDecodedOrBytes} does, but hands back an entry with an expiry or
   * a version in a wrapper ({@link #unwrap} opens it): a value {@link #bare} then also says
   * that {@code key} is its own store key and valid, since only such keys hold values bare.
   * The key is not checked: an empty or invalid one reads as {@code null} or a wrapper.
   *
   * @param key the store key
   * @return a bare {@code byte[]}, {@link Decoded} or {@link String} (a string kept for the
   *     UTF-8 codec; see the class comment), a wrapper, or {@code null} if absent
   */
  public Object getHeld(String key) {
    return read(key);
  }

  /**
   * Returns the live value under a key (a bare array or an entry), removing an expired one:
   * expiry is checked here rather than by Caffeine's per-entry expiry, whose upkeep on every
   * read cost more than the rest of a read (see docs/BENCHMARKS.md, {@code memory}).
   */
  private Object read(String key) {
    Object held = cache.getIfPresent(key);
    if (held == null || live(held)) {
      return held;
    }
    map.remove(key, held);
    return null;
  }

  /** What to hold for written bytes, unversioned: the bare array if it may be. */
  private Object held(String key, byte[] value, long ttlMillis) {
    return hold(key, value, null, ttlMillis == NO_EXPIRY ? Long.MAX_VALUE : deadline(ttlMillis),
        UNVERSIONED);
  }

  /**
   * What to hold for an entry: bare (its bytes, or its decoded entry) when it never expires,
   * has no version and {@code key} is a user's own; else an {@link Entry}.
   */
  private static Object hold(String key, byte[] bytes, Decoded decoded, long deadline,
      long version) {
    if (heldBare(deadline, version) && KeyLayout.isOwnStoreKey(key)) {
      return bytes != null ? bytes : decoded;
    }
    return new Entry(bytes, decoded, deadline, version);
  }

  /**
   * Whether an entry with this deadline and version is held bare under a user's own key: when
   * it never expires and no versioned read has asked for its version. The one place of the
   * rule, for {@link #hold} and {@link #putOwn}.
   */
  private static boolean heldBare(long deadline, long version) {
    return deadline == Long.MAX_VALUE && version == UNVERSIONED;
  }

  /** The entry of a held value, making one (not stored) for a bare value. */
  private static Entry asEntry(Object held) {
    if (held instanceof byte[] b) {
      return new Entry(b, null, Long.MAX_VALUE, UNVERSIONED);
    }
    if (held instanceof String s) {
      return new Entry(null, decodedString(s), Long.MAX_VALUE, UNVERSIONED);
    }
    return held instanceof Decoded d ? new Entry(null, d, Long.MAX_VALUE, UNVERSIONED)
        : (Entry) held;
  }

  @Override
  public byte[] get(String key) {
    Object held = read(key);
    return held instanceof byte[] b ? b : held != null ? asEntry(held).value() : null;
  }

  @Override
  public Decoded getDecoded(String key) {
    Object held = read(key);
    return held instanceof byte[] b ? Decoded.ofBytes(b)
        : held instanceof Entry e ? e.asDecoded() : (Decoded) unwrap(held);
  }

  @Override
  public Object getDecodedOrBytes(String key) {
    return unwrap(read(key));
  }

  @Override
  public void setDecoded(String key, Decoded value, long ttlMillis) {
    map.put(key, hold(key, null, value, deadline(ttlMillis), UNVERSIONED));
  }

  @Override
  public boolean addDecoded(String key, Decoded value, long ttlMillis) {
    return add(key, hold(key, null, value, deadline(ttlMillis), UNVERSIONED));
  }

  @Override
  public void offerDecoded(String key, Decoded read, Decoded decoded) {
    map.computeIfPresent(key, (k, held) -> {
      Entry old = asEntry(held);
      return old.holds(read) && live(held)
          ? hold(k, null, decoded, old.deadline, old.version) : held;
    });
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keys) {
    // key by key into one map sized for all: getAllPresent would build a map to copy from
    Map<String, byte[]> result = new HashMap<>((int) (keys.size() / 0.75f) + 1);
    for (String k : keys) {
      Object held = cache.getIfPresent(k);
      byte[] value = held == null ? null : held instanceof byte[] b ? b
          : live(held) ? asEntry(held).value() : null;
      if (value != null) {
        result.put(k, value);
      }
    }
    return result;
  }

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    map.put(key, held(key, value, ttlMillis));
  }

  /**
   * Writes a value of the facade's write of an unprefixed cache, under a key the caller has
   * found to be a user's own store key ({@link KeyLayout#isOwnStoreKey}): the key is not
   * checked again, so that a write looks at its characters once. A caller that has not checked
   * it breaks what a bare value proves (that its key is a valid user key, see {@link #getHeld}).
   * Bytes are held as {@link #set} holds them; a {@link Decoded} entry as {@link #setDecoded}
   * with no expiry holds it; a string, never expiring, as the value the UTF-8 codec
   * ({@link Codec#utf8()}) reads, with no metadata: its bytes, for a byte read, are its UTF-8 as
   * they are, so the caller writes no string whose stored bytes would be other (compressed, or
   * with metadata) this way.
   *
   * @param key the key, a user's own store key
   * @param value the bytes (kept as they are), or a {@link String} or {@link Decoded} to hold
   *     bare, never expiring
   * @param ttlMillis for bytes, the time to live, or {@link Store#NO_EXPIRY}; for the others
   *     {@link Store#NO_EXPIRY}
   * @throws IllegalArgumentException if a string or decoded entry is given a TTL
   */
  public void putOwn(String key, Object value, long ttlMillis) {
    // free in production (assertions off), and every test through the facade runs with them on:
    // a future caller that forgets the key check fails there instead of holding a value bare
    // under a key a bare value would vouch for (getHeld)
    assert KeyLayout.isOwnStoreKey(key) : key;
    long deadline = deadline(ttlMillis);
    if (heldBare(deadline, UNVERSIONED)) {
      map.put(key, value);
    } else if (value instanceof byte[] b) {
      map.put(key, new Entry(b, null, deadline, UNVERSIONED));
    } else {
      throw new IllegalArgumentException("only bytes are held with a TTL here, not a "
          + value.getClass().getName());
    }
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    entries.forEach((k, v) -> set(k, v, ttlMillis));
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    return add(key, held(key, value, ttlMillis));
  }

  private boolean add(String key, Object entry) {
    boolean[] added = {false};
    map.compute(key, (k, old) -> {
      if (live(old)) {
        return old;
      }
      added[0] = true;
      return entry;
    });
    return added[0];
  }

  @Override
  public boolean delete(String key) {
    return live(map.remove(key));
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    int n = 0;
    for (String k : keys) {
      if (delete(k)) {
        n++;
      }
    }
    return n;
  }

  @Override
  public boolean exists(String key) {
    return read(key) != null;
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    boolean[] touched = {false};
    map.computeIfPresent(key, (k, held) -> {
      if (!live(held)) {
        return null;
      }
      touched[0] = true;
      if (bare(held) && ttlMillis == NO_EXPIRY) {
        return held;
      }
      Entry old = asEntry(held);
      return hold(k, old.bytes, old.decoded, deadline(ttlMillis), old.version);
    });
    return touched[0];
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    long[] result = new long[1];
    map.compute(key, (k, held) -> {
      if (!live(held)) {
        result[0] = delta;
        return held(k, Counters.format(delta), ttlMillis);
      }
      Entry old = asEntry(held);
      byte[] value = old.value();
      result[0] = Counters.add(key, Counters.parse(key, value == null ? new byte[0] : value),
          delta);
      return hold(k, Counters.format(result[0]), null, old.deadline, UNVERSIONED);
    });
    return result[0];
  }

  @Override
  public StoredValue getVersioned(String key) {
    Object held = read(key);
    Entry e = held instanceof Entry entry && entry.version != UNVERSIONED ? entry
        : held == null ? null : versioned(key);
    byte[] value = e == null ? null : e.value();
    if (value == null) {
      return null;
    }
    long ttl = e.deadline == Long.MAX_VALUE ? NO_EXPIRY
        : Math.max(1, TimeUnit.NANOSECONDS.toMillis(e.deadline - ticker.read() + 999_999));
    return new StoredValue(value, e.version, ttl);
  }

  /**
   * Gives the live value under a key the next version, unless it has one (a write may have
   * replaced what the caller read), and returns it as now held; {@code null} if none is live.
   */
  private Entry versioned(String key) {
    Entry[] now = {null};
    map.computeIfPresent(key, (k, held) -> {
      if (!live(held)) {
        return held; // expired: left for a read to remove
      }
      Entry e = asEntry(held);
      if (e.version == UNVERSIONED) {
        e = new Entry(e.bytes, e.decoded, e.deadline, versions.incrementAndGet());
      }
      now[0] = e;
      return e;
    });
    return now[0];
  }

  /** Any key; milliseconds; the very arrays it keeps; {@code add} and counters atomic in-process. */
  @Override
  public StoreTraits traits() {
    return TRAITS;
  }

  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    boolean[] swapped = {false};
    map.compute(key, (k, held) -> {
      boolean matches = live(held)
          ? expected != null && matches(held, expected)
          : expected == null;
      if (!matches) {
        return live(held) ? held : null;
      }
      swapped[0] = true;
      return held(k, value, ttlMillis);
    });
    return swapped[0];
  }

  /**
   * Whether a live value is the one a versioned read returned: an entry that still carries the
   * version the read gave it, with the same bytes. A value written since holds no version.
   */
  private static boolean matches(Object live, StoredValue expected) {
    return live instanceof Entry e && e.version != UNVERSIONED
        && e.version == expected.version() && Arrays.equals(e.value(), expected.bytes());
  }

  @Override
  public void clear(String prefix) {
    if (prefix.isEmpty()) {
      cache.invalidateAll();
    } else {
      map.keySet().removeIf(k -> k.startsWith(prefix));
    }
  }

  /**
   * Counts the live entries under {@code prefix} and their bytes as this store weighs them
   * against its {@code maxBytes} (key, value and a fixed overhead per entry); for the whole
   * store, from the eviction policy's own totals, else by walking the entries.
   */
  @Override
  public StoreSize size(String prefix) {
    // an expired entry stays until a read or eviction finds it, so live ones are counted
    long entries = 0;
    long bytes = 0;
    for (Map.Entry<String, Object> e : map.entrySet()) {
      if (e.getKey().startsWith(prefix) && live(e.getValue())) {
        entries++;
        bytes += weight(e.getKey(), e.getValue());
      }
    }
    return StoreSize.ofPrefix(entries, bytes);
  }

  private static long weight(String key, Object held) {
    long value = held instanceof byte[] b ? b.length
        : held instanceof Decoded d ? d.weight()
        : held instanceof String s ? stringWeight(s) : ((Entry) held).weight();
    return 2L * key.length() + value + ENTRY_OVERHEAD;
  }

  /**
   * Returns the number of entries held, including expired ones not yet removed.
   *
   * @return the entry count
   */
  public long size() {
    return cache.estimatedSize();
  }

  @Override
  public void close() {
    cache.invalidateAll();
  }

  @Override
  public String toString() {
    return "MemoryStore[" + cache.estimatedSize() + " entries]";
  }
}
