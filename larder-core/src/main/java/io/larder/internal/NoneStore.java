package io.larder.internal;

import io.larder.spi.Store;
import io.larder.spi.StoreSize;
import io.larder.spi.StoredValue;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * The store behind {@code none:}: a cache that evicts every entry the instant it is written.
 * Not public API; open it with {@code Larder.open("none:")}.
 *
 * <p>It turns storage off without changing code: nothing is stored, but the facade above it
 * still runs (single flight, preload scopes), so it is not a baseline for "no Larder".
 * Every operation answers as a store would whose entry was written and then
 * evicted at once, so the facade above it behaves as it does on a cold cache, never as on a
 * failing one:
 * <ul>
 *   <li>reads ({@code get}, {@code getMany}, {@code exists}, {@code getVersioned}) always
 *       miss;</li>
 *   <li>{@code set} and {@code setMany} succeed and keep nothing;</li>
 *   <li>{@code add} returns {@code true}: the key was missing, so the value was stored, then
 *       evicted. A lease taken by {@code getOrCompute} is therefore always won, and no caller
 *       waits on another's computation across processes (in one JVM, concurrent callers of one
 *       key still share one computation);</li>
 *   <li>{@code compareAndSet} with an expected value of {@code null} ("absent") returns
 *       {@code true}, as {@code add}; with any other expected value it returns {@code false},
 *       since no key ever holds a live value. So {@code Cache.update} applies its function
 *       to {@code null} once and succeeds;</li>
 *   <li>{@code incr} returns {@code delta}: the missing counter was created holding it, then
 *       evicted, so every increment starts again from zero;</li>
 *   <li>{@code delete}, {@code deleteMany} and {@code touch} report that nothing was there;
 *       {@code clear} and {@code close} do nothing.</li>
 * </ul>
 * It never fails, holds no state and is safe for use by any number of threads.
 */
public final class NoneStore implements Store {

  /** Creates the store. */
  public NoneStore() {}

  @Override
  public byte[] get(String key) {
    Objects.requireNonNull(key, "key");
    return null;
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    return Map.of();
  }

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    Objects.requireNonNull(entries, "entries");
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    set(key, value, ttlMillis);
    return true;
  }

  @Override
  public boolean delete(String key) {
    Objects.requireNonNull(key, "key");
    return false;
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    Objects.requireNonNull(keys, "keys");
    return 0;
  }

  @Override
  public boolean exists(String key) {
    Objects.requireNonNull(key, "key");
    return false;
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    Objects.requireNonNull(key, "key");
    return false;
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    Objects.requireNonNull(key, "key");
    return delta;
  }

  @Override
  public StoredValue getVersioned(String key) {
    Objects.requireNonNull(key, "key");
    return null;
  }

  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    set(key, value, ttlMillis);
    return expected == null;
  }

  @Override
  public void clear(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
  }

  /** Holds nothing: no entries, no bytes. */
  @Override
  public StoreSize size(String prefix) {
    return StoreSize.ofPrefix(0, 0);
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "NoneStore";
  }
}
