package io.larder.kyototycoon.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The asynchronous calls of {@link KtStore} ({@link io.larder.spi.AsyncStore}).
 *
 * <p>What the blocking store sends in the binary protocol — {@code get_bulk}, {@code set_bulk},
 * {@code remove_bulk}, single gets and sets through the {@link Merger} — is sent the same way on
 * the same pipelined connection, and each future is completed on the connection's event loop
 * when its reply comes, or failed there with a timeout counted from the call. No thread waits.
 *
 * <p>What goes through HTTP RPC ({@code getVersioned}, {@code compareAndSet}, {@code add},
 * {@code exists}, {@code touch}, {@code incr}) runs its blocking form on a small executor of the
 * store's own ({@link #RPC_THREADS} threads at most, started on demand), never on the event loop.
 * So does connecting while the connection is down, which waits, and the event loop and the
 * caller's thread must not: with merging on, a binary call made then is queued in the
 * {@link Merger} on the caller's thread, in its turn, and a thread of the executor connects and
 * sends the queue; with merging off, the call waits in a line of the store's own, which a
 * thread of the executor connects for and starts in order. A call on the executor, or queued
 * for it, is bounded by the store's timeout counted from the call, time spent waiting for a
 * thread included: when it passes, the future fails with
 * {@link io.larder.CacheTimeoutException} and a call still waiting is dropped unrun. At most
 * {@link #QUEUE_LIMIT} calls wait; one more fails at once, as from an overloaded server.
 */
final class AsyncCalls implements AutoCloseable {
  /** How many blocking calls (HTTP RPC, connecting) run at once; more wait in line. */
  static final int RPC_THREADS = 4;
  /**
   * How many blocking calls may wait for a thread. Far more than can start within a timeout on
   * a healthy server (an RPC takes well under a millisecond there), so only a stalled or
   * overloaded server fills it.
   */
  static final int QUEUE_LIMIT = 4096;

  private final KtStore store;
  private final BinaryConnection binary;
  private final Merger merger; // null when merging is off
  private final ThreadPoolExecutor blocking;
  /** Binary calls waiting for the connection, merging off: they start in this order. */
  private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();
  /** Calls added to {@link #waiting} and not yet started; a later call waits behind them. */
  private final AtomicLong unstarted = new AtomicLong();
  /** Whether a thread is starting the waiting calls. */
  private final AtomicBoolean startingWaiting = new AtomicBoolean();

  AsyncCalls(KtStore store, BinaryConnection binary, Merger merger) {
    this.store = store;
    this.binary = binary;
    this.merger = merger;
    this.blocking = new ThreadPoolExecutor(RPC_THREADS, RPC_THREADS, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE_LIMIT), new DefaultThreadFactory("larder-kt-blocking",
        true));
    blocking.allowCoreThreadTimeOut(true);
  }

  /**
   * Runs a binary call now if the connection is open and no earlier call waits for it, else
   * in its turn after connecting on {@link #blocking}; a failure to start fails the future
   * rather than being thrown.
   */
  private <T> CompletableFuture<T> binary(String what, long start,
      Supplier<CompletableFuture<T>> call) {
    // the merger queues a call made while the connection is down, in its turn, and connects on
    // the executor; without it, such a call waits in line here
    if (merger != null || unstarted.get() == 0 && binary.isOpen()) {
      try {
        return call.get();
      } catch (CacheException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    unstarted.incrementAndGet();
    waiting.add(() -> {
      if (!result.isDone()) { // else it timed out or was cancelled while it waited
        pass(call, result);
      }
    });
    try {
      blocking.execute(this::startWaiting);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(refused(what, e)); // left in line, it is skipped there
    }
    return binary.deadline(result, what, start, () -> { });
  }

  /**
   * Starts the binary calls waiting for the connection, in the order they were made, one
   * thread at a time; the first connects, which may wait.
   */
  private void startWaiting() {
    do {
      if (!startingWaiting.compareAndSet(false, true)) {
        return; // another thread is at it and sees what was added
      }
      try {
        for (Runnable next; (next = waiting.poll()) != null; ) {
          try {
            next.run();
          } finally {
            unstarted.decrementAndGet();
          }
        }
      } finally {
        startingWaiting.set(false);
      }
    } while (!waiting.isEmpty());
  }

  /** Starts {@code call} and passes its answer or failure, unwrapped, on to {@code result}. */
  private static <T> void pass(Supplier<CompletableFuture<T>> call,
      CompletableFuture<T> result) {
    try {
      CompletableFuture<T> inner = call.get();
      result.whenComplete((answer, failure) -> {
        if (failure != null) {
          inner.cancel(false);
        }
      });
      inner.whenComplete((answer, failure) -> {
        if (failure == null) {
          result.complete(answer);
        } else {
          result.completeExceptionally(failure instanceof CompletionException
              && failure.getCause() != null ? failure.getCause() : failure);
        }
      });
    } catch (Throwable e) { // an Error too: the caller must not see a timeout instead
      result.completeExceptionally(e);
    }
  }

  private CacheException refused(String what, RejectedExecutionException e) {
    return blocking.isShutdown()
        ? new CacheConnectionException("the store " + store + " is closed", e)
        : new CacheException(what + " on " + store + " refused: the store is overloaded, "
            + QUEUE_LIMIT + " calls already wait for its " + RPC_THREADS + " threads", e);
  }

  /**
   * Runs a blocking call on {@link #blocking}, bounded by the timeout counted from now.
   *
   * @param what the call, for messages, such as {@code "exists"}
   * @param call the blocking call
   * @param <T> its answer's type
   * @return its answer; fails with {@link io.larder.CacheTimeoutException} when the timeout
   *     passes (waiting for a thread included), with {@link CacheException} at once when too
   *     many calls wait, with {@link CacheConnectionException} once the store is closed
   */
  <T> CompletableFuture<T> blocking(String what, Supplier<T> call) {
    return onExecutor(what, System.nanoTime(),
        () -> CompletableFuture.completedFuture(call.get()));
  }

  /**
   * Runs a call on {@link #blocking}; {@code call} must count its own timeout from
   * {@code start}. When the caller's future fails (timed out, cancelled), the call's future is
   * cancelled too, so a call still queued in the merger is dropped unsent.
   */
  private <T> CompletableFuture<T> onExecutor(String what, long start,
      Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    AtomicBoolean started = new AtomicBoolean();
    Runnable task = () -> {
      if (result.isDone() || !started.compareAndSet(false, true)) {
        return; // timed out or cancelled while it waited
      }
      pass(call, result);
    };
    try {
      blocking.execute(task);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(refused(what, e));
    }
    // a call that timed out or was cancelled while waiting leaves the queue, so a stalled
    // server or callers that gave up cannot fill it
    result.whenComplete((answer, failure) -> {
      if (failure != null && started.compareAndSet(false, true)) {
        blocking.remove(task);
      }
    });
    return binary.deadline(result, what, start, () -> { });
  }

  // ---- reads -------------------------------------------------------------------------------

  CompletableFuture<BinaryProtocol.Found> getOne(byte[] key) {
    if (merger != null) {
      long start = System.nanoTime();
      return binary("get_bulk of 1 key", start, () -> merger.getAsync(key, start, blocking));
    }
    return getBulk(List.of(key)).thenApply(found -> found.isEmpty() ? null : found.get(0));
  }

  CompletableFuture<Map<String, byte[]>> getMany(List<String> asked, List<byte[]> keys) {
    return getBulk(keys).thenApply(found -> KtStore.byKey(asked, keys, found));
  }

  private CompletableFuture<List<BinaryProtocol.Found>> getBulk(List<byte[]> keys) {
    String what = KtStore.getBulkName(keys);
    return call(what, BinaryProtocol.keyRequestSize(keys),
        out -> BinaryProtocol.getBulk(out, store.dbIndex(), keys))
        .thenApply(reply -> store.records(reply, what));
  }

  // ---- writes ------------------------------------------------------------------------------

  CompletableFuture<Void> setOne(BinaryProtocol.SetRecord record, boolean noReply) {
    if (merger != null && !noReply) {
      long start = System.nanoTime();
      return binary("set_bulk of 1 record", start,
          () -> merger.setAsync(record.key(), record.value(), record.xt(), start, blocking));
    }
    return store(List.of(record), noReply);
  }

  CompletableFuture<Void> store(List<BinaryProtocol.SetRecord> records, boolean noReply) {
    String what = KtStore.setBulkName(records);
    int size = BinaryProtocol.setBulkSize(records);
    if (noReply) {
      // timed from the call: it may wait in the merger's queue before it is written
      long start = System.nanoTime();
      return binary(what, start, () -> binary.timed(inOrder(() -> binary.sendAsync(what, size,
          out -> BinaryProtocol.setBulk(out, true, records))), "writing " + what, start));
    }
    return call(what, size, out -> BinaryProtocol.setBulk(out, false, records))
        .thenApply(reply -> {
          store.checkStored(reply, what, records.size());
          return null;
        });
  }

  CompletableFuture<Long> remove(List<byte[]> keys) {
    String what = KtStore.removeBulkName(keys);
    return call(what, BinaryProtocol.keyRequestSize(keys),
        out -> BinaryProtocol.removeBulk(out, false, store.dbIndex(), keys))
        .thenApply(reply -> store.count(reply, BinaryProtocol.REMOVE_BULK, what));
  }

  /** Sends one request and bounds it by the timeout, counted from now. */
  private CompletableFuture<Reply> call(String what, int size, Consumer<ByteBuf> writer) {
    long start = System.nanoTime();
    return binary(what, start, () -> binary.timed(
        inOrder(() -> binary.start(what, size, writer)), what, start));
  }

  /** Starts a request after the merged calls made before it, if merging is on. */
  private <T> CompletableFuture<T> inOrder(Supplier<CompletableFuture<T>> start) {
    return merger == null ? start.get() : merger.inOrderAsync(start, blocking);
  }

  /** Returns how many calls wait for a thread of the executor (approximately, while busy). */
  int waiting() {
    return blocking.getQueue().size();
  }

  /** Returns how many calls were handed to the executor so far (approximately, while busy). */
  long blockingCalls() {
    return blocking.getTaskCount();
  }

  /** Stops the executor; blocking calls already running finish. Idempotent. */
  @Override
  public void close() {
    blocking.shutdown();
  }
}
