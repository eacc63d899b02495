package io.larder;

import io.larder.spi.KeyLayout;
import io.larder.spi.KeyRules;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@link Loader} for {@link AsyncCache}: {@code getOrCompute} and memoized functions whose
 * loader returns a {@link CompletionStage}. The same rules, and the same pure decision
 * ({@link LoadDecision}): one computation per key in this JVM at a time, whose future every
 * concurrent caller shares; optionally one in the fleet (a lease taken in the store, waited
 * for by polling on a delayed executor, not a parked thread); early recomputation and
 * stale-while-revalidate. Nothing here blocks a thread while a loader or the store works.
 * The user's loader is called on the cache's executor.
 */
final class AsyncLoader {
  private static final System.Logger LOG = System.getLogger(Cache.class.getName());
  private static final byte[] LEASE_TOKEN = "lease".getBytes(StandardCharsets.US_ASCII);
  private static final long FIRST_POLL_NANOS = 2_000_000;
  private static final long LAST_POLL_NANOS = 100_000_000;

  private final AsyncCalls async;
  private final AsyncEngine engine;
  private final Reads reads;
  private final Writes writes;
  private final ScopedReads scoped;
  private final KeyRules rules;
  private final InstantSource clock;
  private final Admitter admitter;
  /** One computation per key in this JVM, shared with the other API's loader. */
  private final SingleFlight flight;

  AsyncLoader(AsyncCalls async, AsyncEngine engine, Reads reads, Writes writes,
      ScopedReads scoped, KeyRules rules, InstantSource clock, Admitter admitter,
      SingleFlight flight) {
    this.flight = flight;
    this.async = async;
    this.engine = engine;
    this.reads = reads;
    this.writes = writes;
    this.scoped = scoped;
    this.rules = rules;
    this.clock = clock;
    this.admitter = admitter;
  }

  /** One call's computation: what to compute, for whom, how fresh. */
  private record Load<T>(View view, Keys.StoreKey k, Codec<T> codec, Freshness f,
      Function<String, ? extends CompletionStage<? extends T>> loader, boolean cacheNulls,
      boolean admit) {}

  /**
   * A fresh value from the cache, or one computation per key in this JVM (and, with a lease,
   * in the fleet), with early recomputation and stale-while-revalidate, as
   * {@link Loader#compute} decides.
   *
   * @param loader computes the value from the user's key
   * @param admit whether a value computed on a miss is stored only if {@link Admitter} admits
   *     it
   * @return the entry; absent only if the loader gave {@code null} and nulls are not cached
   */
  <T> CompletableFuture<Entry<T>> compute(View view, Keys.StoreKey k, Codec<T> codec,
      Freshness f, Function<String, ? extends CompletionStage<? extends T>> loader,
      boolean cacheNulls, boolean admit) {
    return readAndDecide(new Load<>(view, k, codec, f, loader, cacheNulls, admit));
  }

  private <T> CompletableFuture<Entry<T>> readAndDecide(Load<T> load) {
    View view = load.view();
    long stamp = flight.stamp();
    CompletableFuture<Entry<T>> read = engine.handles(view)
        ? engine.entry(view, load.k(), load.codec(), e -> e)
        : async.offload(() -> reads.entry(view, load.k(), load.codec()));
    return async.compose(read, cached -> decide(load, cached, stamp, LoadDecision.decide(
        cached.present(), cached.meta().freshUntil(), cached.meta().computeMillis(),
        clock.millis(), load.f().beta(), !load.f().staleTime().isZero(),
        1.0 - ThreadLocalRandom.current().nextDouble())));
  }

  /**
   * Acts on the decision about what a read found. A caller that registers to compute after a
   * computation of its key finished since {@code stamp} (taken before its read) does not
   * repeat it: a refresh is skipped, a miss reads the store again ({@link SingleFlight}).
   */
  private <T> CompletableFuture<Entry<T>> decide(Load<T> load, Entry<T> cached, long stamp,
      LoadDecision decision) {
    String key = load.k().store();
    switch (decision) {
      case SERVE:
        return CompletableFuture.completedFuture(cached);
      case REFRESH_EARLY: {
        CompletableFuture<Entry<?>> mine = new CompletableFuture<>();
        return flight.register(key, mine) != null || flight.raced(key, stamp, mine, cached)
            ? CompletableFuture.completedFuture(cached) : lead(load, mine, cached);
      }
      case SERVE_STALE: {
        CompletableFuture<Entry<?>> mine = new CompletableFuture<>();
        if (flight.register(key, mine) == null && !flight.raced(key, stamp, mine, cached)) {
          lead(load, mine, cached).whenComplete((refreshed, failure) -> {
            if (failure != null) {
              LOG.log(Level.WARNING, () -> "background refresh of " + load.k().full()
                  + " failed", failure);
            }
          });
        }
        return CompletableFuture.completedFuture(cached);
      }
      default: {
        CompletableFuture<Entry<?>> mine = new CompletableFuture<>();
        CompletableFuture<Entry<?>> running = flight.register(key, mine);
        if (running != null) {
          return shared(running);
        }
        if (!flight.since(key, stamp)) {
          return lead(load, mine, null);
        }
        // a computation finished after our read: its value is in the store now, unless it was
        // not stored (null, not admitted), and then this caller computes its own
        CompletableFuture<Entry<T>> answer;
        try {
          answer = async.compose(readStored(load), stored -> {
            if (!stored.present()) {
              return lead(load, mine, null);
            }
            flight.unregister(key, mine, stored);
            return CompletableFuture.completedFuture(stored);
          });
        } catch (RuntimeException e) {
          answer = CompletableFuture.failedFuture(e);
        }
        // a failed re-read (fail-closed) or a closed cache fails the callers who joined too,
        // rather than leave them waiting on a registration nobody leads
        answer.whenComplete((entry, failure) -> {
          if (failure != null && flight.remove(key, mine)) {
            mine.completeExceptionally(AsyncCalls.unwrap(failure));
          }
        });
        return answer;
      }
    }
  }

  /**
   * Another caller's computation of the same key, as this caller's own future, completed on
   * the cache's executor: the leader may be a blocking caller's thread.
   */
  @SuppressWarnings("unchecked")
  private <T> CompletableFuture<Entry<T>> shared(CompletableFuture<Entry<?>> running) {
    return async.then(running, (entry, failure) -> {
      if (failure != null) {
        throw AsyncCalls.rethrow(failure);
      }
      return (Entry<T>) entry;
    });
  }

  /**
   * Computes as the one caller in this JVM; publishes the outcome to the callers sharing
   * {@code mine}.
   *
   * @param current a value to fall back on (early or background refresh): with a lease held
   *     elsewhere, this caller does not wait but returns it; {@code null} for a miss
   */
  private <T> CompletableFuture<Entry<T>> lead(Load<T> load, CompletableFuture<Entry<?>> mine,
      @Nullable Entry<T> current) {
    CompletableFuture<Entry<T>> done;
    try {
      done = computeAndStore(load, current);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete((entry, failure) -> {
      flight.finished(load.k().store(), mine);
      if (failure != null) {
        mine.completeExceptionally(AsyncCalls.unwrap(failure));
      } else {
        mine.complete(entry);
      }
    });
    return shared(mine);
  }

  private <T> CompletableFuture<Entry<T>> computeAndStore(Load<T> load,
      @Nullable Entry<T> current) {
    if (current == null && load.admit() && !admitter.admit(load.k().store())) {
      // not worth a write: computed for this caller (and those sharing its future) only
      return async.then(callLoader(load), (value, failure) -> {
        if (failure != null) {
          throw AsyncCalls.rethrow(failure);
        }
        return value == null && !load.cacheNulls() ? Entry.<T>absent()
            : new Entry<>(true, value, Envelope.Meta.NONE);
      });
    }
    if (load.f().leaseTime().isZero()) {
      return computeAndWrite(load);
    }
    StatsCounter stats = load.view().stats();
    Keys.StoreKey lease = Keys.resolve(
        KeyLayout.internalPrefix(load.view().prefix(), "lease"), load.k().full(), rules);
    long leaseMillis = Ttls.millis(load.f().leaseTime());
    CompletableFuture<Boolean> taken = async.either(stats, "lease",
        s -> s.addAsync(lease.store(), LEASE_TOKEN, leaseMillis),
        s -> s.add(lease.store(), LEASE_TOKEN, leaseMillis), null);
    return async.compose(taken, won -> {
      if (Boolean.TRUE.equals(won)) {
        if (current != null) {
          return computeUnderLease(load, lease);
        }
        // the previous holder may have stored its value and released the lease between our
        // miss and our add: then its value is there now, and is this caller's answer
        return async.compose(readStored(load), stored -> stored.present()
            ? release(stats, lease, CompletableFuture.completedFuture(stored))
            : computeUnderLease(load, lease));
      }
      if (Boolean.FALSE.equals(won)) {
        if (current != null) {
          return CompletableFuture.completedFuture(current); // refreshed elsewhere
        }
        long deadline = System.nanoTime() + load.f().leaseTime().toNanos();
        return async.compose(awaitLeaseHolder(load, deadline, FIRST_POLL_NANOS),
            theirs -> theirs != null ? CompletableFuture.completedFuture(theirs)
                : computeAndWrite(load)); // the holder is slow or died: compute here
      }
      return computeAndWrite(load); // the store failed (fail-open): compute without a lease
    });
  }

  private <T> CompletableFuture<Entry<T>> computeUnderLease(Load<T> load, Keys.StoreKey lease) {
    return release(load.view().stats(), lease, computeAndWrite(load));
  }

  /**
   * Releases a lease once {@code result} is in, failed or not, and then completes as it did:
   * the holder's value is in the store before the lease goes.
   */
  private <T> CompletableFuture<Entry<T>> release(StatsCounter stats, Keys.StoreKey lease,
      CompletableFuture<Entry<T>> result) {
    CompletableFuture<Entry<T>> released = new CompletableFuture<>();
    result.whenComplete((entry, failure) -> {
      CompletableFuture<Boolean> deleted;
      try {
        deleted = async.either(stats, "lease", s -> s.deleteAsync(lease.store()),
            s -> s.delete(lease.store()), null);
      } catch (RuntimeException e) {
        deleted = CompletableFuture.failedFuture(e); // closed meanwhile: the lease expires
      }
      deleted.whenComplete((gone, ignored) -> AsyncCalls.relay(result, released));
    });
    return released;
  }

  /** Calls the user's loader: its stage, or a failed future for what it threw or returned. */
  private <T> CompletableFuture<T> callLoader(Load<T> load) {
    try {
      CompletionStage<? extends T> stage = load.loader().apply(load.k().userKey());
      if (stage == null) {
        return CompletableFuture.failedFuture(new NullPointerException(
            "the loader of key '" + load.k().userKey() + "' returned no CompletionStage"));
      }
      CompletableFuture<T> result = new CompletableFuture<>();
      // through whenComplete, not toCompletableFuture, which a CompletionStage may refuse
      stage.whenComplete((value, failure) -> {
        if (failure != null) {
          result.completeExceptionally(AsyncCalls.unwrap(failure));
        } else {
          result.complete(value);
        }
      });
      return result;
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Computes the value and stores it with its cost and freshness. */
  private <T> CompletableFuture<Entry<T>> computeAndWrite(Load<T> load) {
    long started = System.nanoTime();
    return async.compose(callLoader(load), value -> {
      long computeMillis = Math.max(1, (System.nanoTime() - started) / 1_000_000);
      if (value == null && !load.cacheNulls()) {
        return CompletableFuture.completedFuture(Entry.<T>absent());
      }
      long freshUntil = Ttls.freshUntil(load.f(), clock.millis());
      long ms = Ttls.storeMillis(load.f());
      View view = load.view();
      return engine.handles(view)
          ? engine.storeComputed(view, load.k(), value, load.codec(), computeMillis,
              freshUntil, ms)
          : async.offload(() -> writes.storeComputed(view, load.k(), value, load.codec(),
              computeMillis, freshUntil, ms));
    });
  }

  /** Deletes a memoized result, as {@link Writes#delete} does. */
  CompletableFuture<Boolean> bust(View view, Keys.StoreKey k) {
    return engine.handles(view) ? engine.delete(view, k)
        : async.offload(() -> writes.delete(view, k));
  }

  /** Reads the key from the store itself: what a lease holder stored. */
  private <T> CompletableFuture<Entry<T>> readStored(Load<T> load) {
    String key = load.k().store();
    StatsCounter stats = load.view().stats();
    return async.then(async.either(stats, "get", s -> s.getAsync(key), s -> s.get(key), null),
        (raw, failure) -> {
          if (failure != null) {
            throw AsyncCalls.rethrow(failure);
          }
          return raw == null ? Entry.<T>absent() : reads.open(load.view(), load.k(), raw,
              load.codec(), Map.of(), scoped.ownedReads());
        });
  }

  /**
   * Polls, with backoff, until {@code deadline} for the lease holder's value; completes with
   * {@code null} if none came. No thread waits between polls.
   */
  private <T> CompletableFuture<@Nullable Entry<T>> awaitLeaseHolder(Load<T> load,
      long deadline, long pollNanos) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    // the timer thread only completes the pause; the compose below moves to the executor and
    // turns its refusal (a closed cache) into a failure instead of a pause that never ends
    CompletableFuture<Void> pause = CompletableFuture.runAsync(() -> { },
        CompletableFuture.delayedExecutor(Math.min(pollNanos, left), TimeUnit.NANOSECONDS,
            Runnable::run));
    return async.compose(pause, paused -> async.compose(readStored(load),
        stored -> stored.present() ? CompletableFuture.completedFuture(stored)
            : awaitLeaseHolder(load, deadline, Math.min(pollNanos * 2, LAST_POLL_NANOS))));
  }
}
