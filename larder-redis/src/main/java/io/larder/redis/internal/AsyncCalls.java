package io.larder.redis.internal;

import io.larder.spi.Counters;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.BooleanOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.CommandType;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The asynchronous calls of the Redis store ({@link io.larder.spi.AsyncStore}): the same
 * commands and scripts as the blocking calls, sent through Lettuce's non-blocking dispatch,
 * and no thread waits for them. Single-key {@code get}, {@code set} and {@code delete} go
 * through the store's {@link Merger}, so concurrent calls become one pipelined batch as they
 * do for blocking callers; the others are sent at once (several as one pipeline).
 *
 * <p>Each call's timeout ({@code timeout} for reads, {@code writeTimeout} for writes) runs
 * from the call, on Lettuce's timer: when it passes, the future fails with
 * {@link io.larder.CacheTimeoutException} and what is still pending is cancelled. Failures
 * are translated as the blocking calls translate them ({@link Errors}). Futures complete on
 * Lettuce's I/O threads (or its timer thread, for a timeout).
 */
final class AsyncCalls {
  private static final ByteArrayCodec CODEC = ByteArrayCodec.INSTANCE;

  private final RedisStore store;
  private final RedisConfig config;
  private final Transport transport;
  private final RedisKeys keys;
  private final Merger merger;
  private final Timer timer;

  /**
   * Creates the asynchronous calls of a store.
   *
   * @param store the store, for its key groups
   * @param config its URL
   * @param transport where commands go
   * @param keys its key encoding
   * @param merger its merger of single-key calls
   * @param timer the timer that ends calls at their timeout
   */
  AsyncCalls(RedisStore store, RedisConfig config, Transport transport, RedisKeys keys,
      Merger merger, Timer timer) {
    this.store = store;
    this.config = config;
    this.transport = transport;
    this.keys = keys;
    this.merger = merger;
    this.timer = timer;
  }

  // ---- reads -------------------------------------------------------------------------------

  CompletableFuture<byte[]> get(String key) {
    Call<byte[]> call = new Call<>("GET", key, config.readTimeout());
    call.forward(merger.get(keys.key(key)), Versions::value);
    return call.result;
  }

  CompletableFuture<Map<String, byte[]>> getMany(Collection<String> keyList) {
    Map<String, byte[]> encoded = new LinkedHashMap<>();
    for (String key : keyList) {
      encoded.computeIfAbsent(key, keys::key);
    }
    if (encoded.isEmpty()) {
      return CompletableFuture.completedFuture(new HashMap<>());
    }
    List<List<String>> groups = store.groups(encoded);
    List<Op<?>> ops = RedisStore.mgets(groups, encoded);
    Call<Map<String, byte[]>> call = new Call<>("MGET of " + encoded.size() + " keys", null,
        config.readTimeout());
    call.all(ops, replies -> RedisStore.found(groups, replies));
    return call.result;
  }

  CompletableFuture<Boolean> exists(String key) {
    byte[] k = keys.key(key);
    Call<Boolean> call = new Call<>("EXISTS", key, config.readTimeout());
    call.one(new Op<>(CommandType.EXISTS, Op.newArgs().addKey(k), () -> new IntegerOutput<>(CODEC),
        k), n -> n > 0);
    return call.result;
  }

  CompletableFuture<StoredValue> getVersioned(String key) {
    Call<StoredValue> call = new Call<>(Script.GET_VERSIONED.name(), key, config.readTimeout());
    call.one(script(Script.GET_VERSIONED, key, () -> new NestedMultiOutput<>(CODEC),
        Versions.header(ThreadLocalRandom.current().nextLong())), RedisStore::versioned);
    return call.result;
  }

  // ---- writes ------------------------------------------------------------------------------

  CompletableFuture<Void> set(String key, byte[] value, long ttlMillis) {
    Call<Void> call = new Call<>("SET", key, config.writeTimeout());
    call.forward(merger.set(keys.key(key), Versions.plain(value), ttlMillis), ok -> null);
    return call.result;
  }

  CompletableFuture<Void> setMany(Map<String, byte[]> entries, long ttlMillis) {
    return setEach(entries, key -> ttlMillis);
  }

  /** Every entry a {@code SET} with its own TTL, all in one pipeline. */
  CompletableFuture<Void> setEach(Map<String, byte[]> entries, ToLongFunction<String> ttlMillis) {
    if (entries.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<Op<?>> ops = new ArrayList<>(entries.size());
    entries.forEach((key, value) -> ops.add(RedisStore.setOp(keys.key(key),
        Versions.plain(value), ttlMillis.applyAsLong(key), false)));
    Call<Void> call = new Call<>("SET of " + ops.size() + " keys", null, config.writeTimeout());
    call.all(ops, replies -> null);
    return call.result;
  }

  CompletableFuture<Boolean> add(String key, byte[] value, long ttlMillis) {
    return setIfAbsent(key, Versions.plain(value), ttlMillis);
  }

  private CompletableFuture<Boolean> setIfAbsent(String key, byte[] stored, long ttlMillis) {
    Call<Boolean> call = new Call<>("SET NX", key, config.writeTimeout());
    call.one(RedisStore.setOp(keys.key(key), stored, ttlMillis, true), ok -> ok != null);
    return call.result;
  }

  CompletableFuture<Boolean> delete(String key) {
    Call<Boolean> call = new Call<>("UNLINK", key, config.writeTimeout());
    call.forward(merger.delete(keys.key(key)), n -> n > 0);
    return call.result;
  }

  CompletableFuture<Integer> deleteMany(Collection<String> keyList) {
    Map<String, byte[]> encoded = new LinkedHashMap<>();
    for (String key : keyList) {
      encoded.computeIfAbsent(key, keys::key);
    }
    if (encoded.isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    List<Op<?>> ops = new ArrayList<>();
    for (List<String> group : store.groups(encoded)) {
      List<byte[]> ks = new ArrayList<>(group.size());
      for (String key : group) {
        ks.add(encoded.get(key));
      }
      ops.add(RedisStore.unlink(ks));
    }
    Call<Integer> call = new Call<>("UNLINK of " + encoded.size() + " keys", null,
        config.writeTimeout());
    call.all(ops, replies -> {
      long removed = 0;
      for (Object n : replies) {
        removed += (Long) n;
      }
      return (int) removed;
    });
    return call.result;
  }

  CompletableFuture<Boolean> touch(String key, long ttlMillis) {
    if (ttlMillis == Store.NO_EXPIRY) {
      Call<Boolean> call = new Call<>(Script.PERSIST.name(), key, config.writeTimeout());
      call.one(script(Script.PERSIST, key, () -> new IntegerOutput<>(CODEC)), n -> n == 1L);
      return call.result;
    }
    byte[] k = keys.key(key);
    Call<Boolean> call = new Call<>("PEXPIRE", key, config.writeTimeout());
    call.one(new Op<>(CommandType.PEXPIRE, Op.newArgs().addKey(k).add(ttlMillis),
        () -> new BooleanOutput<>(CODEC), k), ok -> ok);
    return call.result;
  }

  CompletableFuture<Long> incr(String key, long delta, long ttlMillis) {
    Call<Long> call = new Call<>(Script.INCR.name(), key, config.writeTimeout());
    call.one(script(Script.INCR, key, () -> new ValueOutput<>(CODEC),
        RedisStore.decimal(delta), RedisStore.decimal(ttlMillis)),
        value -> Counters.parse(key, value));
    return call.result;
  }

  /** As {@link RedisStore#compareAndSet}: {@code SET NX}, or the script comparing frames. */
  CompletableFuture<Boolean> compareAndSet(String key, StoredValue expected, byte[] value,
      long ttlMillis) {
    if (expected == null) {
      return setIfAbsent(key, Versions.frameNew(value), ttlMillis);
    }
    Call<Boolean> call = new Call<>(Script.COMPARE_AND_SET.name(), key, config.writeTimeout());
    call.one(script(Script.COMPARE_AND_SET, key, () -> new IntegerOutput<>(CODEC),
        Versions.header(expected.version()), Versions.frameNew(value),
        RedisStore.decimal(ttlMillis)), n -> n == 1L);
    return call.result;
  }

  private <T> Op<T> script(Script script, String key,
      java.util.function.Supplier<io.lettuce.core.output.CommandOutput<byte[], byte[], T>> output,
      byte[]... args) {
    return Op.script(script, List.of(keys.key(key)), List.of(args), output);
  }

  // ---- one call in flight ------------------------------------------------------------------

  /**
   * One asynchronous call: the caller's future, the timer that ends it at its timeout, and the
   * commands it sent, cancelled if it ends first. Whichever of answer, failure and timeout
   * comes first completes the future; the others find it done.
   *
   * @param <R> what the caller gets
   */
  private final class Call<R> implements TimerTask {
    final CompletableFuture<R> result = new CompletableFuture<>();
    private final String command;
    private final String key;
    private final Duration timeout;
    private final Timeout deadline;
    private volatile List<CompletableFuture<?>> sent = List.of();

    /**
     * Starts a call's clock.
     *
     * @param command the command, or the whole description when {@code key} is null
     * @param key the key, for messages, or {@code null}
     * @param timeout the call's timeout
     */
    Call(String command, String key, Duration timeout) {
      this.command = command;
      this.key = key;
      this.timeout = timeout;
      this.deadline = timer.newTimeout(this, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Answers with a reply already on its way (a merged call), mapped. */
    <T> void forward(CompletableFuture<T> reply, Function<T, R> map) {
      sent = List.of(reply);
      reply.whenComplete((value, failure) -> {
        if (failure != null) {
          fail(failure);
        } else {
          succeed(value, map);
        }
      });
    }

    /** Sends one command; a script the server lost is sent again with its source. */
    <T> void one(Op<T> op, Function<T, R> map) {
      forward(withSource(op, transport.send(op)), map);
    }

    /** Sends commands as one pipeline and answers when every reply is in. */
    void all(List<Op<?>> ops, Function<List<Object>, R> map) {
      List<CompletableFuture<?>> replies = transport.sendAll(ops);
      sent = replies;
      Object[] values = new Object[replies.size()];
      AtomicInteger left = new AtomicInteger(replies.size());
      for (int i = 0; i < replies.size(); i++) {
        int index = i;
        replies.get(i).whenComplete((value, failure) -> {
          if (failure != null) {
            fail(failure);
          } else {
            values[index] = value;
            if (left.decrementAndGet() == 0) {
              succeed(Arrays.asList(values), map);
            }
          }
        });
      }
    }

    private <T> CompletableFuture<T> withSource(Op<T> op, CompletableFuture<T> first) {
      if (op.onNoScript() == null) {
        return first;
      }
      return first.exceptionallyCompose(e -> Errors.noScript(e)
          ? transport.send(op.onNoScript()) : CompletableFuture.failedFuture(e));
    }

    private <T> void succeed(T value, Function<T, R> map) {
      deadline.cancel();
      R mapped;
      try {
        mapped = map.apply(value);
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      result.complete(mapped);
    }

    private void fail(Throwable failure) {
      deadline.cancel();
      if (result.completeExceptionally(Errors.translate(failure, what(), config.toString(),
          timeout))) {
        cancelSent();
      }
    }

    /** The timeout passed: fails the call and cancels what it still waits for. */
    @Override
    public void run(Timeout ignored) {
      fail(new TimeoutException());
    }

    private void cancelSent() {
      for (CompletableFuture<?> f : sent) {
        f.cancel(false);
      }
    }

    private String what() {
      return key == null ? command : command + " of " + RedisStore.describe(key);
    }
  }
}
