package io.larder;

import io.larder.spi.KeyLayout;
import io.larder.spi.KeyRules;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Computes what the cache lacks: {@code getOrCompute} and memoized functions. One computation
 * per key in this JVM at a time (single flight), optionally one in the whole fleet (a lease
 * taken in the store), early recomputation and stale-while-revalidate, as {@link LoadDecision}
 * decides; and the bulk form that computes only the missing keys in one call.
 */
final class Loader {
  private static final System.Logger LOG = System.getLogger(Cache.class.getName());
  private static final byte[] LEASE_TOKEN = "lease".getBytes(StandardCharsets.US_ASCII);

  private final Reads reads;
  private final Writes writes;
  private final ScopedReads scoped;
  private final StoreCalls calls;
  private final KeyRules rules;
  private final InstantSource clock;
  private final Admitter admitter;
  /** One computation per key in this JVM, shared with the other API's loader. */
  private final SingleFlight flight;
  private volatile ExecutorService background;

  Loader(Reads reads, Writes writes, ScopedReads scoped, StoreCalls calls, KeyRules rules,
      InstantSource clock, Admitter admitter, SingleFlight flight) {
    this.flight = flight;
    this.reads = reads;
    this.writes = writes;
    this.scoped = scoped;
    this.calls = calls;
    this.rules = rules;
    this.clock = clock;
    this.admitter = admitter;
  }

  /** As the other {@code compute}, storing every computed value (no admission). */
  <T> Entry<T> compute(View view, Keys.StoreKey k, Codec<T> codec, Freshness f,
      Supplier<? extends T> loader, boolean cacheNulls) {
    return compute(view, k, codec, f, loader, cacheNulls, false);
  }

  /**
   * A fresh value from the cache, or one computation per key in this JVM (and, with a lease,
   * in the fleet), with early recomputation and stale-while-revalidate.
   *
   * @param admit whether a value computed on a miss is stored only if {@link Admitter} admits
   *     it (a refresh of a stored value is always stored)
   * @return the entry; absent only if the loader returned {@code null} and nulls are not
   *     cached
   */
  <T> Entry<T> compute(View view, Keys.StoreKey k, Codec<T> codec, Freshness f,
      Supplier<? extends T> loader, boolean cacheNulls, boolean admit) {
    long stamp = flight.stamp();
    Entry<T> cached = reads.entry(view, k, codec);
    LoadDecision decision = LoadDecision.decide(cached.present(), cached.meta().freshUntil(),
        cached.meta().computeMillis(), clock.millis(), f.beta(), !f.staleTime().isZero(),
        1.0 - ThreadLocalRandom.current().nextDouble());
    Load<T> load = new Load<>(view, k, codec, f, loader, cacheNulls, admit);
    switch (decision) {
      case SERVE:
        return cached;
      case REFRESH_EARLY: {
        CompletableFuture<Entry<?>> mine = new CompletableFuture<>();
        if (flight.register(k.store(), mine) != null) {
          return cached;
        }
        return flight.raced(k.store(), stamp, mine, cached) ? cached : lead(load, mine, cached);
      }
      case SERVE_STALE:
        refreshInBackground(load, cached, stamp);
        return cached;
      default: {
        CompletableFuture<Entry<?>> mine = new CompletableFuture<>();
        CompletableFuture<Entry<?>> running = flight.register(k.store(), mine);
        if (running != null) {
          return await(running);
        }
        if (flight.since(k.store(), stamp)) {
          // a computation finished after our read: its value is in the store now, unless it
          // was not stored (null, not admitted), and then this caller computes its own
          Entry<T> stored;
          try {
            stored = readStored(load);
          } catch (RuntimeException | Error e) {
            flight.remove(k.store(), mine);
            mine.completeExceptionally(e);
            throw e;
          }
          if (stored.present()) {
            flight.unregister(k.store(), mine, stored);
            return stored;
          }
        }
        return lead(load, mine, null);
      }
    }
  }

  /** One call's computation: what to compute, for whom, how fresh. */
  private record Load<T>(View view, Keys.StoreKey k, Codec<T> codec, Freshness f,
      Supplier<? extends T> loader, boolean cacheNulls, boolean admit) {}

  /** Waits for another caller's computation of the same key. */
  @SuppressWarnings("unchecked")
  private static <T> Entry<T> await(CompletableFuture<Entry<?>> running) {
    try {
      return (Entry<T>) running.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException("interrupted while waiting for another caller's computation", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new CacheException("computation failed", cause);
    }
  }

  private <T> void refreshInBackground(Load<T> load, Entry<T> stale, long stamp) {
    CompletableFuture<Entry<?>> mine = new CompletableFuture<>();
    if (flight.register(load.k().store(), mine) != null
        || flight.raced(load.k().store(), stamp, mine, stale)) {
      return; // somebody is refreshing it already, or has just refreshed it
    }
    try {
      background().execute(() -> {
        try {
          lead(load, mine, stale);
        } catch (RuntimeException | Error e) {
          LOG.log(Level.WARNING, () -> "background refresh of " + load.k().full() + " failed", e);
        }
      });
    } catch (RejectedExecutionException closing) {
      flight.remove(load.k().store(), mine);
      mine.complete(stale);
    }
  }

  /**
   * Computes as the one caller in this JVM; publishes the outcome to the callers waiting on
   * {@code mine}.
   *
   * @param current a value to fall back on (early or background refresh): with a lease held
   *     elsewhere, this caller does not wait but returns it; {@code null} for a miss
   */
  private <T> Entry<T> lead(Load<T> load, CompletableFuture<Entry<?>> mine, Entry<T> current) {
    try {
      Entry<T> result = computeAndStore(load, current);
      mine.complete(result);
      return result;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      flight.finished(load.k().store(), mine);
    }
  }

  private <T> Entry<T> computeAndStore(Load<T> load, Entry<T> current) {
    StatsCounter stats = load.view().stats();
    if (current == null && load.admit() && !admitter.admit(load.k().store())) {
      // Not worth a write: compute for this caller (and those waiting in this JVM) only. No
      // lease either: it exists to share a stored value, and this one will not be stored.
      T value = load.loader().get();
      return value == null && !load.cacheNulls() ? Entry.absent()
          : new Entry<>(true, value, Envelope.Meta.NONE);
    }
    Keys.StoreKey lease = null;
    if (!load.f().leaseTime().isZero()) {
      Keys.StoreKey leaseKey = Keys.resolve(KeyLayout.internalPrefix(load.view().prefix(), "lease"),
          load.k().full(), rules);
      long leaseMillis = Ttls.millis(load.f().leaseTime());
      Boolean won = calls.call(stats, "lease",
          s -> s.add(leaseKey.store(), LEASE_TOKEN, leaseMillis), null);
      if (Boolean.TRUE.equals(won)) {
        lease = leaseKey;
        if (current == null) {
          // The previous holder may have stored its value and released the lease between our
          // miss and our add: its value is there now, and computing again would be a second
          // computation for one miss. The holder stores before it releases, so this read sees it.
          Entry<T> stored = readStored(load);
          if (stored.present()) {
            calls.call(stats, "lease", s -> s.delete(leaseKey.store()), null);
            return stored;
          }
        }
      } else if (Boolean.FALSE.equals(won)) {
        if (current != null) {
          return current; // another process is refreshing it; keep serving what we have
        }
        Entry<T> theirs = awaitLeaseHolder(load);
        if (theirs != null) {
          return theirs;
        }
        // the holder is slow or died: compute here rather than wait any longer
      }
      // won == null: the store failed (fail-open); compute without a lease
    }
    try {
      long started = System.nanoTime();
      T value = load.loader().get();
      long computeMillis = Math.max(1, (System.nanoTime() - started) / 1_000_000);
      if (value == null && !load.cacheNulls()) {
        return Entry.absent();
      }
      return writes.storeComputed(load.view(), load.k(), value, load.codec(), computeMillis,
          Ttls.freshUntil(load.f(), clock.millis()), Ttls.storeMillis(load.f()));
    } finally {
      if (lease != null) {
        // the holder's value must be in the store before the lease goes, not in a scope
        scoped.settle(load.k().store(), stats);
        Keys.StoreKey held = lease;
        calls.call(stats, "lease", s -> s.delete(held.store()), null);
      }
    }
  }

  /** Reads the key from the store itself, past any scope: what a lease holder stored. */
  private <T> Entry<T> readStored(Load<T> load) {
    byte[] raw = calls.call(load.view().stats(), "get", s -> s.get(load.k().store()), null);
    return raw == null ? Entry.absent()
        : reads.open(load.view(), load.k(), raw, load.codec(), Map.of(), scoped.ownedReads());
  }

  /**
   * Waits, with backoff, up to the lease time for the lease holder's value; {@code null} if
   * none came.
   */
  private <T> Entry<T> awaitLeaseHolder(Load<T> load) {
    long deadline = System.nanoTime() + load.f().leaseTime().toNanos();
    long sleepNanos = 2_000_000;
    while (System.nanoTime() < deadline) {
      LockSupport.parkNanos(Math.min(sleepNanos, Math.max(0, deadline - System.nanoTime())));
      if (Thread.currentThread().isInterrupted()) {
        throw new CacheException("interrupted while waiting for a lease holder's value");
      }
      byte[] raw = calls.call(load.view().stats(), "get", s -> s.get(load.k().store()), null);
      if (raw != null) {
        Entry<T> e = reads.open(load.view(), load.k(), raw, load.codec(), Map.of(),
            scoped.ownedReads());
        if (e.present()) {
          return e;
        }
      }
      sleepNanos = Math.min(sleepNanos * 2, 100_000_000);
    }
    return null;
  }

  /** As the other {@code computeAll}, storing every computed value (no admission). */
  <K, V> Map<K, V> computeAll(View view, Map<K, Keys.StoreKey> keys, Codec<V> codec,
      Freshness f, boolean cacheNulls,
      Function<? super Set<K>, ? extends Map<K, ? extends V>> fn) {
    return computeAll(view, keys, codec, f, cacheNulls, false, fn);
  }

  /**
   * Reads memoized results in one round trip, computes the missing ones with one call, and
   * stores them in one round trip; with {@code admit}, only those {@link Admitter} admits.
   */
  <K, V> Map<K, V> computeAll(View view, Map<K, Keys.StoreKey> keys, Codec<V> codec,
      Freshness f, boolean cacheNulls, boolean admit,
      Function<? super Set<K>, ? extends Map<K, ? extends V>> fn) {
    List<String> storeKeys = new ArrayList<>(keys.size());
    keys.values().forEach(k -> storeKeys.add(k.store()));
    ScopedReads.Raw raw = scoped.read(storeKeys, view.stats(), true);
    Map<K, V> result = new LinkedHashMap<>();
    Set<K> missing = new LinkedHashSet<>();
    long now = clock.millis();
    for (Map.Entry<K, Keys.StoreKey> e : keys.entrySet()) {
      Entry<V> entry = reads.open(view, e.getValue(), raw.bytes().get(e.getValue().store()),
          codec, raw.bytes(), raw.owned());
      if (LoadDecision.mustCompute(entry.present(), entry.meta().freshUntil(), now)) {
        missing.add(e.getKey());
      } else if (entry.value() != null) {
        result.put(e.getKey(), entry.value());
      }
    }
    if (missing.isEmpty()) {
      return result;
    }
    long started = System.nanoTime();
    Map<K, ? extends V> computed = fn.apply(Collections.unmodifiableSet(missing));
    long computeMillis = Math.max(1, (System.nanoTime() - started) / 1_000_000);
    if (computed == null) {
      throw new IllegalStateException("the bulk function of a memoizeAll returned null");
    }
    Map<Keys.StoreKey, V> toStore = new LinkedHashMap<>();
    for (K key : missing) {
      V value = computed.get(key);
      if (value != null) {
        result.put(key, value);
      }
      if (value == null && !cacheNulls || admit && !admitter.admit(keys.get(key).store())) {
        continue;
      }
      toStore.put(keys.get(key), value);
    }
    if (!toStore.isEmpty()) {
      writes.storeAllComputed(view, toStore, codec, computeMillis,
          Ttls.freshUntil(f, clock.millis()), Ttls.storeMillis(f));
    }
    return result;
  }

  /** Returns the executor for background refreshes, started on first use. */
  private ExecutorService background() {
    ExecutorService e = background;
    if (e == null) {
      synchronized (this) {
        e = background;
        if (e == null) {
          AtomicLong n = new AtomicLong();
          e = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "larder-refresh-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
          background = e;
        }
      }
    }
    return e;
  }

  /** Stops background refreshes; called when the cache closes. */
  synchronized void close() {
    if (background != null) {
      background.shutdownNow();
    }
  }
}
