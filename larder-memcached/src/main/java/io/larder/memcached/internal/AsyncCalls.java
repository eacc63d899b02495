package io.larder.memcached.internal;

import io.larder.spi.AsyncBulkStore.Pending;
import io.larder.spi.KeyLayout;
import io.larder.spi.StoredValue;
import io.netty.buffer.ByteBuf;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The asynchronous calls of {@link DefaultMemcachedStore} ({@link io.larder.spi.AsyncStore}):
 * the same meta commands as the blocking calls, sent on the same pipelined connection, each
 * future completed on the connection's event loop when its reply comes, or failed there when
 * the store's timeout, counted from the call, passes. Namespace generations the store has not
 * cached are read first, asynchronously too.
 *
 * <p>The rare paths that take several dependent round trips — a write the server refused
 * (the old value is then deleted), a value over the item size limit, a counter below zero or
 * not a number, an increment that overflowed — run the blocking method on the common
 * fork-join pool, never on the event loop, whose thread the blocking call would wait for.
 */
final class AsyncCalls {
  /** Where the rare multi-round-trip paths run their blocking form. */
  private static final Executor BLOCKING_PATHS = ForkJoinPool.commonPool();

  private final DefaultMemcachedStore store;
  private final Connection connection;

  AsyncCalls(DefaultMemcachedStore store) {
    this.store = store;
    this.connection = store.connection;
  }

  // ---- keys --------------------------------------------------------------------------------

  /** The generations of these prefixes: cached, or the missing ones read in one request. */
  private CompletableFuture<Map<String, Long>> generations(Collection<String> prefixes) {
    Map<String, Long> known = new HashMap<>();
    List<String> missing = store.cachedGenerations(prefixes, known);
    if (missing.isEmpty()) {
      return CompletableFuture.completedFuture(known);
    }
    return connection.call(DefaultMemcachedStore.generationsRequest(missing))
        .thenApply(replies -> {
          store.learnGenerations(missing, replies, known);
          return known;
        });
  }

  /** Runs a call on a key's wire form, once its namespace generations are known. */
  private <T> CompletableFuture<T> onWire(String key,
      Function<WireKey, CompletableFuture<T>> call) {
    List<String> prefixes = KeyLayout.namespacePrefixes(key);
    if (prefixes.isEmpty()) {
      return call.apply(WireKey.of(key));
    }
    return generations(prefixes).thenCompose(gens ->
        call.apply(new WireKey(DefaultMemcachedStore.fold(key, prefixes, gens), false)));
  }

  /**
   * Runs a bulk call once the namespace generations of all its keys are known; its answer is
   * made on the event loop when {@code answersAtOnce} says the replies need no further round
   * trip, else on {@link #BLOCKING_PATHS}.
   */
  private <T> CompletableFuture<T> bulk(Collection<String> keys,
      Function<Map<String, Long>, Pending<T>> start, Predicate<List<Reply>> answersAtOnce) {
    LinkedHashSet<String> prefixes = new LinkedHashSet<>();
    for (String key : keys) {
      prefixes.addAll(KeyLayout.namespacePrefixes(key));
    }
    return generations(prefixes).thenCompose(gens -> {
      Pending<T> pending = start.apply(gens);
      if (!(pending instanceof DefaultMemcachedStore.Started<T> started)) {
        return CompletableFuture.completedFuture(pending.await()); // nothing was sent
      }
      return connection.timed(started.request()).thenCompose(replies ->
          answersAtOnce.test(replies)
              ? CompletableFuture.completedFuture(started.answer().apply(replies))
              : blocking(() -> started.answer().apply(replies)));
    });
  }

  /** Sends one command and returns its one reply. */
  private CompletableFuture<Reply> one(String what, ByteBuf buf) {
    return connection.call(Request.counted(what, buf, 1)).thenApply(replies -> replies.get(0));
  }

  private static <T> CompletableFuture<T> blocking(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call, BLOCKING_PATHS);
  }

  // ---- reads -------------------------------------------------------------------------------

  CompletableFuture<byte[]> get(String key) {
    return onWire(key, k -> {
      ByteBuf buf = DefaultMemcachedStore.buffer(k, 0);
      MetaCommands.start(buf, "mg", k);
      MetaCommands.flag(buf, 'v');
      MetaCommands.end(buf);
      return one("get", buf).thenApply(r -> switch (r.code) {
        case Reply.VA -> r.isVivifiedStub() ? null : r.value;
        case Reply.EN -> null;
        default -> throw store.unexpected(r, "get", key);
      });
    });
  }

  CompletableFuture<Map<String, byte[]>> getMany(Collection<String> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(new HashMap<>());
    }
    return bulk(keys, gens -> store.startGetMany(keys, gens),
        DefaultMemcachedStore::answeredAtOnce);
  }

  CompletableFuture<Boolean> exists(String key) {
    return onWire(key, k -> {
      ByteBuf buf = DefaultMemcachedStore.buffer(k, 0);
      MetaCommands.start(buf, "mg", k);
      MetaCommands.flag(buf, 's');
      MetaCommands.end(buf);
      return one("exists", buf).thenApply(r -> switch (r.code) {
        case Reply.HD -> !r.isVivifiedStub();
        case Reply.EN -> false;
        default -> throw store.unexpected(r, "exists", key);
      });
    });
  }

  CompletableFuture<StoredValue> getVersioned(String key) {
    return onWire(key, k -> {
      ByteBuf buf = DefaultMemcachedStore.buffer(k, 0);
      MetaCommands.start(buf, "mg", k);
      MetaCommands.flag(buf, 'v');
      MetaCommands.flag(buf, 'c');
      MetaCommands.end(buf);
      return one("getVersioned", buf).thenApply(r -> switch (r.code) {
        case Reply.VA -> r.isVivifiedStub() ? null : new StoredValue(r.value, r.cas);
        case Reply.EN -> null;
        default -> throw store.unexpected(r, "getVersioned", key);
      });
    });
  }

  // ---- writes ------------------------------------------------------------------------------

  CompletableFuture<Void> set(String key, byte[] value, long ttlMillis) {
    return onWire(key, k -> {
      if (!store.fits(k, value)) {
        return blocking(() -> {
          store.set(key, value, ttlMillis); // deletes the old value, then throws
          return null;
        });
      }
      ByteBuf buf = DefaultMemcachedStore.buffer(k, value.length);
      DefaultMemcachedStore.set(buf, k, value, store.exptime(ttlMillis));
      MetaCommands.end(buf);
      MetaCommands.data(buf, value);
      return one("set", buf).thenCompose(r -> r.code == Reply.HD
          ? CompletableFuture.<Void>completedFuture(null)
          // refused: delete the old value and fail, as the blocking set does (off the loop)
          : blocking(() -> {
            store.refusedSet(k, key, value, r);
            return null;
          }));
    });
  }

  CompletableFuture<Void> setMany(Map<String, byte[]> entries, long ttlMillis) {
    if (entries.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    // a refused entry makes the answer delete the batch's keys: a blocking round trip
    return bulk(entries.keySet(), gens -> store.startSetMany(entries, ttlMillis, gens),
        replies -> replies.stream().allMatch(r -> r.code == Reply.NF));
  }

  CompletableFuture<Boolean> add(String key, byte[] value, long ttlMillis) {
    return onWire(key, k -> {
      if (!store.fits(k, value)) {
        // add never replaces a value, so nothing stale can remain: just refuse
        return CompletableFuture.failedFuture(store.tooLarge(key, value, false));
      }
      ByteBuf buf = DefaultMemcachedStore.buffer(k, value.length);
      DefaultMemcachedStore.set(buf, k, value, store.exptime(ttlMillis));
      MetaCommands.flag(buf, 'M');
      buf.writeByte('E');
      MetaCommands.end(buf);
      MetaCommands.data(buf, value);
      return one("add", buf).thenApply(r -> switch (r.code) {
        case Reply.HD -> true;
        case Reply.NS -> false;
        default -> throw DefaultMemcachedStore.isTooLargeError(r)
            ? store.tooLarge(key, value, false) : store.unexpected(r, "add", key);
      });
    });
  }

  CompletableFuture<Boolean> compareAndSet(String key, StoredValue expected, byte[] value,
      long ttlMillis) {
    if (expected == null) {
      return add(key, value, ttlMillis);
    }
    return onWire(key, k -> {
      if (!store.fits(k, value)) {
        // deletes the value read if still unchanged, then throws
        return blocking(() -> store.compareAndSet(key, expected, value, ttlMillis));
      }
      ByteBuf buf = DefaultMemcachedStore.buffer(k, value.length);
      DefaultMemcachedStore.set(buf, k, value, store.exptime(ttlMillis));
      MetaCommands.unsignedFlag(buf, 'C', expected.version());
      MetaCommands.end(buf);
      MetaCommands.data(buf, value);
      return one("compareAndSet", buf).thenApply(r -> switch (r.code) {
        case Reply.HD -> true;
        case Reply.EX, Reply.NF, Reply.NS -> false;
        default -> throw DefaultMemcachedStore.isTooLargeError(r)
            ? store.tooLarge(key, value, false) : store.unexpected(r, "compareAndSet", key);
      });
    });
  }

  CompletableFuture<Boolean> delete(String key) {
    return onWire(key, k -> {
      ByteBuf buf = DefaultMemcachedStore.buffer(k, 0);
      MetaCommands.start(buf, "md", k);
      MetaCommands.end(buf);
      return one("delete", buf).thenApply(r -> switch (r.code) {
        case Reply.HD -> true;
        case Reply.NF -> false;
        default -> throw store.unexpected(r, "delete", key);
      });
    });
  }

  CompletableFuture<Integer> deleteMany(Collection<String> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    return bulk(keys, gens -> store.startDeleteMany(keys, gens), replies -> true);
  }

  CompletableFuture<Boolean> touch(String key, long ttlMillis) {
    return onWire(key, k -> {
      ByteBuf buf = DefaultMemcachedStore.buffer(k, 0);
      MetaCommands.start(buf, "mg", k);
      MetaCommands.flag(buf, 'T', store.exptime(ttlMillis));
      MetaCommands.end(buf);
      return one("touch", buf).thenApply(r -> switch (r.code) {
        case Reply.HD -> true;
        case Reply.EN -> false;
        default -> throw store.unexpected(r, "touch", key);
      });
    });
  }

  /**
   * The common case of {@link DefaultMemcachedStore#incr} — one {@code ma} whose signed result
   * is in range and not below zero — without a thread; the others as the blocking call does
   * them, on {@link #BLOCKING_PATHS}.
   */
  CompletableFuture<Long> incr(String key, long delta, long ttlMillis) {
    return onWire(key, k -> {
      ByteBuf buf = DefaultMemcachedStore.buffer(k, 64);
      DefaultMemcachedStore.counterCommand(buf, k, delta, store.exptime(ttlMillis));
      return one("incr", buf).thenCompose(r -> {
        if (r.code != Reply.VA) {
          // created or deleted meanwhile, below zero, or no number: nothing was changed
          return blocking(() -> store.incr(key, delta, ttlMillis));
        }
        long result = store.parseCounterReply(r, key);
        if (SignedCounters.overflowed(delta, result) || result < 0) {
          return blocking(() -> store.settleIncrement(k, key, delta, r, result));
        }
        return CompletableFuture.completedFuture(result);
      });
    });
  }}
