package io.larder.kyototycoon.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Merges the single-key {@code get}s and {@code set}s that threads make at the same time on
 * one {@link BinaryConnection}: the reads of a batch go out as one {@code get_bulk}, its writes
 * as one {@code set_bulk}, written together.
 *
 * <p>No window and no sleep, as Redis's merger: a call made while no batch is in flight is
 * sent at once, alone. Calls made while a batch is in flight queue up and go out together the
 * moment that batch is answered (from the event loop, with no thread hand-off), so a batch
 * holds what arrived during one round trip: one call when a thread is alone, about one per
 * thread under load.
 *
 * <p>Each caller waits for its own answer under its own deadline: its own record (matched by
 * key in the {@code get_bulk} reply; two callers reading one key share one record of the
 * request, and each after the first gets a copy of its value), or the batch's failure, once.
 * A caller that gave up cancels its call, which is then not sent if it is still queued. A
 * {@code set_bulk} that stored fewer records than it carried (the database went away) fails
 * each of its writers. Calls queued when the connection broke fail with that failure rather
 * than reconnect from the event loop; the next call reconnects.
 *
 * <p><b>Order.</b> Every other request on the connection ({@code remove_bulk}, a bulk get or set,
 * a no-reply write) goes through {@link #inOrder}: at once when no merged call is still unsent,
 * else queued behind them, as a request of its own (so a {@code remove_bulk} answers its own
 * caller with its own count). A batch sends its {@code set_bulk}, then its {@code get_bulk}, then
 * its requests, in queue order; a call that would overtake an earlier one of the same key by that
 * (a set queued after a get of its key, a single call queued after a request) waits for the next
 * batch. So the calls one caller makes on a key reach the server in the order it made them, and a
 * {@code setAsync} followed by a {@code deleteAsync} of the same key leaves the key deleted. An
 * asynchronous call made while the connection is down is queued the same way, on the caller's
 * thread, and a thread of the store's connects and sends the queue, so the order holds across a
 * reconnect too.
 */
final class Merger {
  private final BinaryConnection binary;
  private final int db;
  private final String server;
  private final ConcurrentLinkedQueue<Queued> queue = new ConcurrentLinkedQueue<>();
  /** Calls queued and not yet handed to the connection; a request waits behind them. */
  private final AtomicLong unsent = new AtomicLong();
  /** A call taken from the queue that must wait for the next batch; read under inFlight. */
  private volatile Queued carried;
  /** Whether a batch is in flight: the next one goes out when it is answered. */
  private final AtomicBoolean inFlight = new AtomicBoolean();
  /** Why the last batch failed, for the calls queued behind it when the connection closed. */
  private volatile Throwable lastFailure;
  /** Whether a task to connect and send what is queued is waiting for a thread. */
  private final AtomicBoolean connecting = new AtomicBoolean();
  /** Calls that went out in a batch with others. */
  private final AtomicLong merged = new AtomicLong();

  /**
   * Creates the merger of one connection's calls.
   *
   * @param binary the connection
   * @param db the database the calls read and write
   * @param server the server, for messages
   */
  Merger(BinaryConnection binary, int db, String server) {
    this.binary = binary;
    this.db = db;
    this.server = server;
  }

  /** Something queued: a single-key call or a request of its own. */
  private abstract static class Queued {
    abstract CompletableFuture<?> result();
  }

  /** One caller's call and the future that answers it. */
  private static class Call extends Queued {
    final byte[] key;
    final CompletableFuture<BinaryProtocol.Found> result = new CompletableFuture<>();

    Call(byte[] key) {
      this.key = key;
    }

    @Override
    CompletableFuture<?> result() {
      return result;
    }
  }

  /** A request sent as it is, in its turn; its future completes as the request's does. */
  private static final class Request extends Queued {
    final Supplier<? extends CompletableFuture<?>> start;
    final CompletableFuture<Object> result = new CompletableFuture<>();

    Request(Supplier<? extends CompletableFuture<?>> start) {
      this.start = start;
    }

    @Override
    CompletableFuture<?> result() {
      return result;
    }
  }

  /** A write; its future completes with {@code null}. */
  private static final class Write extends Call {
    final byte[] value;
    final long xt;

    Write(byte[] key, byte[] value, long xt) {
      super(key);
      this.value = value;
      this.xt = xt;
    }
  }

  /**
   * Reads a key, merged with concurrent calls, waiting at most the connection's timeout.
   *
   * @param key the key's bytes
   * @return the record, or {@code null} if the key is missing
   * @throws io.larder.CacheTimeoutException if the answer does not come in time
   * @throws CacheException if the call fails
   */
  BinaryProtocol.Found get(byte[] key) {
    return run(new Call(key), "get_bulk of 1 key");
  }

  /**
   * Writes a key, merged with concurrent calls, waiting at most the connection's timeout.
   *
   * @param key the key's bytes
   * @param value the bytes to store
   * @param xt the binary protocol's expiration time
   * @throws io.larder.CacheTimeoutException if the answer does not come in time
   * @throws CacheException if the call fails or the server did not store the record
   */
  void set(byte[] key, byte[] value, long xt) {
    run(new Write(key, value, xt), "set_bulk of 1 record");
  }

  /**
   * Reads a key, merged with concurrent calls, without waiting: the future completes from the
   * connection's event loop, or fails with {@link io.larder.CacheTimeoutException} when the
   * connection's timeout, counted from when the caller made the call, passes.
   *
   * @param key the key's bytes
   * @param startNanos when the call was made ({@link System#nanoTime()})
   * @param connector where to connect and send if the connection is down: the caller's thread
   *     must not wait for that, and the call keeps its place in the queue meanwhile
   * @return the record, or {@code null} if the key is missing; fails as {@link #get} throws;
   *     cancelling it drops the call if it is still queued
   */
  CompletableFuture<BinaryProtocol.Found> getAsync(byte[] key, long startNanos,
      Executor connector) {
    return start(new Call(key), "get_bulk of 1 key", startNanos, connector);
  }

  /**
   * Writes a key, merged with concurrent calls, without waiting; as {@link #getAsync}.
   *
   * @param key the key's bytes
   * @param value the bytes to store
   * @param xt the binary protocol's expiration time
   * @param startNanos when the call was made ({@link System#nanoTime()})
   * @param connector as for {@link #getAsync}
   * @return completes when the server has stored the record; fails as {@link #set} throws;
   *     cancelling it drops the call if it is still queued
   */
  @SuppressWarnings("unchecked")
  CompletableFuture<Void> setAsync(byte[] key, byte[] value, long xt, long startNanos,
      Executor connector) {
    // the call's own future (a write completes it with null), not a copy: cancelling it must
    // reach the queue
    return (CompletableFuture<Void>) (CompletableFuture<?>) start(new Write(key, value, xt),
        "set_bulk of 1 record", startNanos, connector);
  }

  /**
   * Starts a request that is not merged ({@code remove_bulk}, a bulk get or set, a no-reply
   * write) after every merged call made before it: at once if none is still unsent, else in
   * the next batch, after the batch's merged calls.
   *
   * @param start starts the request on the connection and returns its answer
   * @param <T> the answer's type
   * @return the answer, or the connection's failure; not bounded by a timeout here
   * @throws CacheConnectionException if the request is started at once and the server cannot
   *     be reached
   */
  @SuppressWarnings("unchecked")
  <T> CompletableFuture<T> inOrder(Supplier<CompletableFuture<T>> start) {
    if (unsent.get() == 0) {
      return start.get();
    }
    Request request = new Request(start);
    enqueue(request);
    return (CompletableFuture<T>) request.result;
  }

  /**
   * Tells whether no call is queued here: every call made so far was handed to the connection
   * (where {@link BinaryConnection#idle()} sees it until answered), since a batch leaves this
   * count only after its requests were started.
   *
   * @return {@code true} if nothing waits to be sent
   */
  boolean idle() {
    return unsent.get() == 0;
  }

  /**
   * Starts a request as {@link #inOrder} does, for a caller that must not wait for connecting:
   * while the connection is down the request is queued in its turn and {@code connector}
   * connects and sends what is queued, so calls made meanwhile keep their order.
   *
   * @param start starts the request on the connection and returns its answer
   * @param connector where to connect and send if the connection is down
   * @param <T> the answer's type
   * @return the answer, or the connection's failure; not bounded by a timeout here
   * @throws CacheConnectionException if the request is started at once and the connection
   *     closed just then and cannot be opened again
   */
  @SuppressWarnings("unchecked")
  <T> CompletableFuture<T> inOrderAsync(Supplier<CompletableFuture<T>> start,
      Executor connector) {
    if (unsent.get() == 0 && binary.isOpen()) {
      return start.get();
    }
    Request request = new Request(start);
    offer(request, connector);
    return (CompletableFuture<T>) request.result;
  }

  /**
   * Returns how many calls (and requests) are queued and not yet handed to the connection.
   *
   * @return the count
   */
  long queued() {
    return unsent.get();
  }

  /**
   * Returns how many calls went out in a batch with others so far.
   *
   * @return the count
   */
  long merged() {
    return merged.get();
  }

  private CompletableFuture<BinaryProtocol.Found> start(Call call, String what, long start,
      Executor connector) {
    offer(call, connector);
    return binary.timed(call.result, what, start);
  }

  private BinaryProtocol.Found run(Call call, String what) {
    long start = System.nanoTime();
    enqueue(call);
    return binary.await(call.result, what, start, start + binary.timeoutNanos());
  }

  private void enqueue(Queued q) {
    unsent.incrementAndGet();
    queue.add(q);
    sendQueued(false);
  }

  /**
   * Queues a call of a thread that must not wait for connecting: sent as {@link #enqueue} does
   * while the connection is open, else left in its turn for {@code connector}, which connects
   * and sends what is queued (one such task at a time).
   */
  private void offer(Queued q, Executor connector) {
    unsent.incrementAndGet();
    queue.add(q);
    if (binary.isOpen()) {
      sendQueued(false);
    } else if (connecting.compareAndSet(false, true)) {
      try {
        connector.execute(() -> {
          connecting.set(false);
          sendQueued(false);
        });
      } catch (RejectedExecutionException e) {
        connecting.set(false);
        q.result().completeExceptionally(new CacheConnectionException("could not connect to"
            + " Kyoto Tycoon " + server + ": the store is closed or its threads are busy", e));
      }
    }
  }

  private Queued next() {
    Queued q = carried;
    if (q != null) {
      carried = null;
      return q;
    }
    return queue.poll();
  }

  /**
   * Sends what is queued as one batch unless a batch is in flight; when a batch is answered,
   * sends what queued meanwhile. Loops rather than recursing when a batch is answered at once.
   *
   * @param onEventLoop whether this runs where no connection may be awaited
   */
  private void sendQueued(boolean onEventLoop) {
    while ((carried != null || !queue.isEmpty()) && inFlight.compareAndSet(false, true)) {
      List<Call> reads = new ArrayList<>();
      Map<String, List<Call>> readsByKey = new HashMap<>();
      List<Write> writes = new ArrayList<>();
      List<Request> requests = new ArrayList<>(0);
      int taken = 0;
      int single = 0; // merged reads and writes, not the requests sent as they are
      for (Queued q; (q = next()) != null; ) {
        if (q.result().isDone()) {
          taken++;
          continue; // its caller gave up
        }
        if (q instanceof Request r) {
          requests.add(r);
        } else if (!requests.isEmpty() || q instanceof Write w && !readsByKey.isEmpty()
            && readsByKey.containsKey(latin1(w.key))) {
          carried = q; // sent in this batch, it would overtake a call made before it
          break;
        } else if (q instanceof Write w) {
          writes.add(w);
          single++;
        } else {
          Call c = (Call) q;
          List<Call> same = readsByKey.computeIfAbsent(latin1(c.key), k -> new ArrayList<>(1));
          if (same.isEmpty()) {
            reads.add(c);
          }
          same.add(c);
          single++;
        }
        taken++;
      }
      if (single > 1) {
        merged.addAndGet(single);
      }
      CompletableFuture<Void> answered;
      try {
        answered = send(writes, reads, readsByKey, requests, onEventLoop);
      } finally {
        unsent.addAndGet(-taken);
      }
      if (!answered.isDone()) {
        answered.whenComplete((ignored, failure) -> {
          inFlight.set(false);
          // from the event loop, in turn: a request another thread wrote while this batch was
          // in flight is still a task there and must go out before what queued after it
          if (carried != null || !queue.isEmpty()) {
            binary.later(() -> sendQueued(true));
          }
        });
        return;
      }
      inFlight.set(false);
    }
  }

  /**
   * Sends a batch: its writes first, so a get queued after a set of the same key sees it, then
   * its reads, then its requests. A part that cannot start fails with its callers and the parts
   * after it; the parts already sent are answered by their replies.
   *
   * @return completes when every part sent is answered
   */
  private CompletableFuture<Void> send(List<Write> writes, List<Call> reads,
      Map<String, List<Call>> readsByKey, List<Request> requests, boolean onEventLoop) {
    // from the event loop, fail as the batch in flight did (a stuck connection: a timeout)
    // rather than reconnect there
    CacheException failure = !onEventLoop || binary.isOpen() ? null
        : lastFailure instanceof CacheException e ? e : new CacheConnectionException(
            "the connection to Kyoto Tycoon " + server + " closed while the call was queued");
    List<CompletableFuture<Void>> sent = new ArrayList<>(2 + requests.size());
    for (int part = 0; part < 2 + requests.size(); part++) {
      if (failure == null) {
        try {
          sent.add(part == 0 ? write(writes) : part == 1 ? read(reads, readsByKey)
              : send(requests.get(part - 2)));
          continue;
        } catch (RuntimeException e) {
          failure = e instanceof CacheException c ? c : new CacheConnectionException(
              "a call to Kyoto Tycoon " + server + " could not be sent: " + e, e);
        }
      }
      Throwable f = failure;
      if (part == 0) {
        writes.forEach(w -> w.result.completeExceptionally(f));
      } else if (part == 1) {
        readsByKey.values().forEach(same -> same.forEach(c -> c.result.completeExceptionally(f)));
      } else {
        requests.get(part - 2).result.completeExceptionally(f);
      }
    }
    return CompletableFuture.allOf(sent.toArray(CompletableFuture<?>[]::new));
  }

  /** Sends a request in its turn and passes its answer (or failure) on to its caller. */
  private CompletableFuture<Void> send(Request r) {
    return r.start.get().handle((answer, failure) -> {
      if (failure != null) {
        lastFailure = failure;
        r.result.completeExceptionally(failure);
      } else {
        r.result.complete(answer);
      }
      return null;
    });
  }

  /** Sends the batch's reads as one {@code get_bulk} of their distinct keys. */
  private CompletableFuture<Void> read(List<Call> reads, Map<String, List<Call>> byKey) {
    if (reads.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<byte[]> keys = new ArrayList<>(reads.size());
    for (Call c : reads) {
      keys.add(c.key);
    }
    String what = "get_bulk of " + keys.size() + (keys.size() == 1 ? " key" : " keys");
    return binary.start(what, BinaryProtocol.keyRequestSize(keys),
        out -> BinaryProtocol.getBulk(out, db, keys)).handle((reply, failure) -> {
          if (failure == null && !(reply instanceof Reply.Records)) {
            failure = unexpected(reply, what);
          }
          if (failure != null) {
            lastFailure = failure;
            Throwable f = failure;
            byKey.values().forEach(same -> same.forEach(c -> c.result.completeExceptionally(f)));
            return null;
          }
          for (BinaryProtocol.Found f : ((Reply.Records) reply).records()) {
            List<Call> callers = byKey.remove(latin1(f.key()));
            if (callers != null) {
              answer(callers, f);
            }
          }
          byKey.values().forEach(callers -> callers.forEach(c -> c.result.complete(null)));
          return null;
        });
  }

  /**
   * Answers the callers of one key with its record: the first gets the record as decoded, each
   * other a copy of its value, since {@link KtStore#get} hands an unstamped value to its caller
   * as it is and the caller may change it. The first is answered last: once answered, it may
   * change the value (on its thread, or here in a stage of its future) before a copy is taken.
   * A stamped value is shared: {@link Versions#value} copies it out for each caller anyway.
   */
  private static void answer(List<Call> callers, BinaryProtocol.Found f) {
    boolean copy = !Versions.isStamped(f.value());
    for (int i = 1; i < callers.size(); i++) {
      callers.get(i).result.complete(copy
          ? new BinaryProtocol.Found(f.db(), f.key(), f.value().clone(), f.xt()) : f);
    }
    callers.get(0).result.complete(f);
  }

  /** Sends the batch's writes as one {@code set_bulk}, in the order they were made. */
  private CompletableFuture<Void> write(List<Write> writes) {
    if (writes.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<BinaryProtocol.SetRecord> records = new ArrayList<>(writes.size());
    for (Write w : writes) {
      records.add(new BinaryProtocol.SetRecord(db, w.key, w.value, w.xt));
    }
    String what = "set_bulk of " + records.size()
        + (records.size() == 1 ? " record" : " records");
    return binary.start(what, BinaryProtocol.setBulkSize(records),
        out -> BinaryProtocol.setBulk(out, false, records)).handle((reply, failure) -> {
          if (failure == null) {
            if (!(reply instanceof Reply.Count c) || c.magic() != BinaryProtocol.SET_BULK) {
              failure = unexpected(reply, what);
            } else if (c.hits() != records.size()) {
              failure = new CacheException("Kyoto Tycoon " + server + " stored " + c.hits()
                  + " of " + records.size() + " records; does database " + db
                  + " still exist?");
            }
          }
          if (failure != null) {
            lastFailure = failure;
          }
          for (Write w : writes) {
            if (failure == null) {
              w.result.complete(null);
            } else {
              w.result.completeExceptionally(failure);
            }
          }
          return null;
        });
  }

  private CacheException unexpected(Reply reply, String what) {
    return new CacheException("Kyoto Tycoon " + server + " answered " + what + " with "
        + (reply instanceof Reply.Error ? "an error (0xBF); see the server's log"
        : reply + "; the connection is out of step"));
  }

  private static String latin1(byte[] key) {
    return new String(key, StandardCharsets.ISO_8859_1);
  }
}
