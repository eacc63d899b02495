package io.larder;

import io.larder.spi.Decoded;
import io.larder.internal.MemoryStore;
import io.larder.spi.DecodedValues;
import io.larder.spi.KeyLayout;
import io.larder.spi.Store;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Every call into the store goes through here, and only here are its failures decided: the
 * round trip counted, a store's runtime failure wrapped as {@link CacheException}, and in
 * fail-open mode a failure counted, logged (at most once a second) and answered with a
 * fallback; in fail-closed mode rethrown. The log record is written by {@link ErrorLog}'s
 * thread, never the caller's, with a stack trace only when debug logging is on.
 */
final class StoreCalls {
  private static final System.Logger LOG = System.getLogger(Cache.class.getName());

  private final Store store;
  private final DecodedValues objects;
  private final MemoryStore memory;
  private final String description;
  private final boolean failOpen;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong lastErrorLog = new AtomicLong(System.nanoTime() - 2_000_000_000L);
  private final AtomicLong suppressedErrors = new AtomicLong();

  StoreCalls(Store store, String description, boolean failOpen) {
    this.store = store;
    this.description = description;
    this.failOpen = failOpen;
    // found once here, so that no call asks the store what it is
    this.objects = store instanceof DecodedValues d ? d : null;
    this.memory = store instanceof MemoryStore m ? m : null;
  }

  /** The store as Larder's own memory store, or {@code null} if it is another. */
  MemoryStore memory() {
    return memory;
  }

  /** The store's object tier, or {@code null} if it keeps bytes only. */
  DecodedValues objects() {
    return objects;
  }

  /**
   * Reads one entry from the store's object tier as {@link #call} would, written out without
   * the lambdas of {@link #call}: this is the memory store's every read. Unlike {@link #call},
   * a read answered (a failure in fail-open mode included, as {@code null}) leaves its round
   * trip to the caller, who counts it with the hit or miss in one increment
   * ({@link StatsCounter.Kind#STORE_HIT}); a read that throws counts it here.
   *
   * @return what {@link DecodedValues#getDecodedOrBytes} returns: a {@link Decoded}, the bytes
   *     of an entry of bytes only, or {@code null}
   */
  Object getDecodedOrBytes(StatsCounter stats, String storeKey) {
    requireOpen();
    return objectRead(stats, storeKey, false);
  }

  /**
   * Reads one entry from the memory store ({@link #memory()}) as {@link #getDecodedOrBytes}
   * does, as {@link MemoryStore#getHeld} answers: an entry with an expiry or a version in its
   * wrapper, so that a bare value tells the caller the key is valid.
   *
   * <p>Precondition: the caller has just found the cache open ({@link Reads#fromMemory()}, as
   * {@link Reads#memoryValue}'s caller does); unlike {@link #getDecodedOrBytes} this does not
   * check it again. A read racing a {@code close()} may answer either way, as one checked here
   * could.
   */
  Object getHeld(StatsCounter stats, String storeKey) {
    return objectRead(stats, storeKey, true);
  }

  private Object objectRead(StatsCounter stats, String storeKey, boolean wrapped) {
    Object held;
    try {
      held = wrapped ? memory.getHeld(storeKey) : objects.getDecodedOrBytes(storeKey);
    } catch (CacheCodecException e) {
      stats.inc(StatsCounter.Kind.ROUND_TRIP);
      throw e;
    } catch (CacheException e) {
      return failedRead(stats, e);
    } catch (RuntimeException e) {
      return failedRead(stats,
          new CacheException("store " + description + " failed: " + e, e));
    }
    if (wrapped || held == null || held instanceof byte[] || held instanceof Decoded) {
      return held;
    }
    // a store of another author broke the SPI's promise: a failed read, not a
    // ClassCastException in the caller's page
    return failedRead(stats, new CacheException("store " + description
        + " answered getDecodedOrBytes with a " + held.getClass().getName()
        + ", neither a Decoded nor a byte[]"));
  }

  /**
   * Writes one key's bytes as {@link #call} would, written out without the lambdas of
   * {@link #call}: the memory store's every byte write. A write that succeeds counts its round
   * trip and the write with one increment ({@link StatsCounter.Kind#STORE_WRITE}); one that
   * fails counts its round trip and is answered as {@link #call} answers it.
   *
   * @return {@code true} if written, {@code null} if the write failed and the cache fails open
   */
  Boolean set(StatsCounter stats, String op, String storeKey, byte[] bytes, long ttlMillis) {
    return write(stats, op, storeKey, bytes, ttlMillis, false);
  }

  /**
   * Writes one key's bytes to the memory store ({@link #memory()}) as {@link #set} does, under a
   * key the caller found to be a user's own store key ({@link KeyLayout#isOwnStoreKey}), which
   * the store does not check again ({@link MemoryStore#putOwn}).
   *
   * @return {@code true} if written; {@code null} if the write failed and the cache fails open
   */
  Boolean setOwn(StatsCounter stats, String key, byte[] bytes, long ttlMillis) {
    return write(stats, "set", key, bytes, ttlMillis, true);
  }

  /**
   * Writes a string to the memory store ({@link #memory()}) bare, never expiring, as
   * {@link #setOwn} writes bytes (held as {@link MemoryStore#putOwn} holds a string).
   *
   * @return as {@link #setOwn}
   */
  Boolean setOwnString(StatsCounter stats, String key, String value) {
    return write(stats, "set", key, value, Store.NO_EXPIRY, true);
  }

  /**
   * Writes a decoded entry to the memory store ({@link #memory()}) bare, never expiring, as
   * {@link #setOwn} writes bytes (held as {@link MemoryStore#putOwn} holds a decoded entry).
   *
   * @return as {@link #setOwn}
   */
  Boolean setOwnDecoded(StatsCounter stats, String key, Decoded value) {
    return write(stats, "set", key, value, Store.NO_EXPIRY, true);
  }

  /** Writes bytes, or (own, to the memory store only) a string or decoded entry held bare. */
  private Boolean write(StatsCounter stats, String op, String storeKey, Object value,
      long ttlMillis, boolean own) {
    requireOpen();
    try {
      if (own) {
        // the caller (Writes.setOwn) checked the key: one look at its characters per write
        memory.putOwn(storeKey, value, ttlMillis);
      } else {
        store.set(storeKey, (byte[]) value, ttlMillis);
      }
    } catch (CacheCodecException e) {
      stats.inc(StatsCounter.Kind.ROUND_TRIP);
      throw e;
    } catch (CacheException e) {
      stats.inc(StatsCounter.Kind.ROUND_TRIP);
      return failed(stats, op, e, null);
    } catch (RuntimeException e) {
      stats.inc(StatsCounter.Kind.ROUND_TRIP);
      return failed(stats, op, new CacheException("store " + description + " failed: " + e, e),
          null);
    }
    stats.inc(StatsCounter.Kind.STORE_WRITE);
    return Boolean.TRUE;
  }

  private Object failedRead(StatsCounter stats, CacheException e) {
    if (!failOpen) {
      stats.inc(StatsCounter.Kind.ROUND_TRIP); // thrown: the caller counts nothing
    }
    return failed(stats, "get", e, null);
  }

  /**
   * Runs a call on the store's object tier as {@link #call} runs a store call; only when
   * {@link #objects()} is not {@code null}.
   */
  <R> R callObjects(StatsCounter stats, String op, Function<DecodedValues, R> call,
      R fallback) {
    return call(stats, op, s -> call.apply(objects), fallback);
  }

  String description() {
    return description;
  }

  /** Whether store failures are answered with a fallback rather than thrown. */
  boolean failOpen() {
    return failOpen;
  }

  /** Marks the cache closed; {@code true} only for the call that closed it. */
  boolean close() {
    return closed.compareAndSet(false, true);
  }

  /** Tells whether the cache is still open. */
  boolean open() {
    return !closed.get();
  }

  void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException("cache " + description + " is closed");
    }
  }

  /** Runs a store call, counting the round trip; store failures propagate as CacheException. */
  <R> R raw(StatsCounter stats, Function<Store, R> call) {
    requireOpen();
    stats.inc(StatsCounter.Kind.ROUND_TRIP);
    try {
      return call.apply(store);
    } catch (CacheException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CacheException("store " + description + " failed: " + e, e);
    }
  }

  /**
   * Runs a store call; on failure, fail-open returns {@code fallback}, fail-closed rethrows.
   * A {@link CacheCodecException} is the caller's problem (say, incr on text), not a store
   * failure, and always propagates.
   */
  <R> R call(StatsCounter stats, String op, Function<Store, R> call, R fallback) {
    try {
      return raw(stats, call);
    } catch (CacheCodecException e) {
      throw e;
    } catch (CacheException e) {
      return failed(stats, op, e, fallback);
    }
  }

  /** Counts and logs a failed call; returns {@code fallback} when failing open, else rethrows. */
  <R> R failed(StatsCounter stats, String op, CacheException e, R fallback) {
    stats.inc(StatsCounter.Kind.STORE_ERROR);
    log(op, e);
    if (!failOpen) {
      throw e;
    }
    return fallback;
  }

  /**
   * Logs store failures at most once per second, counting the ones it holds back or the
   * logging thread could not take; the caller only queues the record.
   */
  private void log(String op, RuntimeException e) {
    long now = System.nanoTime();
    long last = lastErrorLog.get();
    if (now - last >= 1_000_000_000L && lastErrorLog.compareAndSet(last, now)) {
      long suppressed = suppressedErrors.getAndSet(0);
      boolean queued = ErrorLog.submit(() -> {
        String message = "cache store " + description + " failed in " + op + ": " + e
            + (suppressed > 0 ? " (" + suppressed + " more failures not logged)" : "")
            + (failOpen ? "; answering as a miss" : "");
        if (LOG.isLoggable(Level.DEBUG)) {
          LOG.log(Level.WARNING, message, e);
        } else {
          LOG.log(Level.WARNING, message);
        }
      });
      if (!queued) {
        suppressedErrors.addAndGet(suppressed + 1);
      }
    } else {
      suppressedErrors.incrementAndGet();
    }
  }
}
