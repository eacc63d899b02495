package io.larder.kyototycoon.internal;

import io.larder.CacheCodecException;
import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.spi.Counters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Decimal counters on a server that can only compare-and-set: read the counter, add, write
 * the sum expecting exactly what was read, and start again if another writer got in between.
 *
 * <p>Increments that threads of this process make to one key at the same time are combined:
 * each caller queues its increment and tries the lock of the key's stripe; the one that gets
 * it drains the queue and applies every queued increment of a key in one read and one write,
 * one after the other in queue order, and hands each caller the value after its own
 * increment; the others wait for that, and the combiner wakes one of them if increments were
 * queued meanwhile, to combine those next. The write is one compare-and-set, so the batch lands on the server as if its
 * increments had run one by one with nobody in between. A hot counter incremented by many
 * threads thus costs two round trips per batch instead of two per increment, and the threads
 * of a process never make each other retry.
 *
 * <p>Within a batch each increment is judged alone: one that would overflow fails with
 * {@link CacheCodecException} and is left out, the others count. A stored value that is not a
 * decimal counter fails every increment of the batch and is left as it is. A missing counter
 * is created by the first increment of the batch, with its TTL.
 */
final class CounterCombiner {
  /** What the combiner needs from a store. */
  interface Backend {
    /**
     * Reads a counter.
     *
     * @param key the store key
     * @return its value and whatever {@link #replace} needs, or {@code null} if missing
     */
    Current read(String key);

    /**
     * Stores a value only if the key is missing.
     *
     * @param key the store key
     * @param value the decimal text
     * @param ttlMillis the TTL of the new counter
     * @return {@code true} if stored
     */
    boolean create(String key, byte[] value, long ttlMillis);

    /**
     * Replaces what {@link #read} returned, keeping its expiry.
     *
     * @param key the store key
     * @param expected what was read
     * @param value the decimal text
     * @return {@code true} if the key still held what was read and now holds {@code value}
     */
    boolean replace(String key, Current expected, byte[] value);
  }

  /**
   * A counter as read.
   *
   * @param value the value's bytes
   * @param token what the backend needs to replace it, such as the raw record
   */
  record Current(byte[] value, Object token) {}

  /** One caller's increment; its combiner completes it and wakes its owner. */
  private static final class Op {
    final String key;
    final long delta;
    final long ttlMillis;
    final Thread owner = Thread.currentThread();
    long result;
    RuntimeException failure;
    volatile boolean done; // written last, so result and failure are seen with it

    Op(String key, long delta, long ttlMillis) {
      this.key = key;
      this.delta = delta;
      this.ttlMillis = ttlMillis;
    }

    void complete(long value) {
      result = value;
      done = true;
      LockSupport.unpark(owner);
    }

    void fail(RuntimeException e) {
      failure = e;
      done = true;
      LockSupport.unpark(owner);
    }
  }

  private final Backend backend;
  private final int maxAttempts;
  private final ReentrantLock[] locks;
  private final List<ConcurrentLinkedQueue<Op>> queues;

  /**
   * Creates a combiner.
   *
   * @param backend the store's reads and writes
   * @param stripes how many locks keys are spread over
   * @param maxAttempts how many read-and-write rounds a batch may take before giving up
   */
  CounterCombiner(Backend backend, int stripes, int maxAttempts) {
    this.backend = backend;
    this.maxAttempts = maxAttempts;
    this.locks = new ReentrantLock[stripes];
    this.queues = new ArrayList<>(stripes);
    for (int i = 0; i < stripes; i++) {
      locks[i] = new ReentrantLock();
      queues.add(new ConcurrentLinkedQueue<>());
    }
  }

  /**
   * Adds to a counter, as {@link io.larder.spi.Store#incr} does.
   *
   * @param key the store key
   * @param delta the amount to add
   * @param ttlMillis the TTL if the counter is created
   * @return the value after this increment
   * @throws CacheCodecException if the value is not a decimal counter or the sum overflows
   * @throws CacheException if the store fails, the rounds run out, or the thread is
   *     interrupted before its increment was taken (the flag stays set)
   */
  long incr(String key, long delta, long ttlMillis) {
    int stripe = Math.floorMod(key.hashCode(), locks.length);
    ReentrantLock lock = locks[stripe];
    ConcurrentLinkedQueue<Op> queue = queues.get(stripe);
    Op op = new Op(key, delta, ttlMillis);
    queue.add(op);
    boolean interrupted = false;
    while (!op.done) {
      if (lock.tryLock()) {
        try {
          if (!op.done) {
            List<Op> batch = new ArrayList<>();
            for (Op o; (o = queue.poll()) != null; ) {
              batch.add(o);
            }
            run(batch);
          }
        } finally {
          lock.unlock();
        }
        // an increment queued while this thread combined may have found the lock taken:
        // wake its owner to combine it (and whatever queues behind it)
        Op next = queue.peek();
        if (next != null) {
          LockSupport.unpark(next.owner);
        }
      } else {
        LockSupport.park(this);
        if (Thread.interrupted()) {
          if (queue.remove(op)) {
            Thread.currentThread().interrupt();
            throw new CacheException("incr of key '" + key + "' interrupted");
          }
          interrupted = true; // a combiner has taken it: wait for its outcome
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (op.failure != null) {
      throw copy(op.failure);
    }
    return op.result;
  }

  /** Applies a drained batch, key by key; every operation is completed, whatever happens. */
  private void run(List<Op> batch) {
    Map<String, List<Op>> byKey = new LinkedHashMap<>();
    for (Op o : batch) {
      byKey.computeIfAbsent(o.key, k -> new ArrayList<>()).add(o);
    }
    for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
      try {
        apply(e.getKey(), e.getValue());
      } catch (RuntimeException failure) {
        for (Op o : e.getValue()) {
          if (!o.done) {
            o.fail(failure);
          }
        }
      } catch (Error error) {
        for (Op o : batch) {
          if (!o.done) {
            o.fail(new CacheException("incr of key '" + o.key + "' failed", error));
          }
        }
        throw error;
      }
    }
  }

  private void apply(String key, List<Op> ops) {
    int n = ops.size();
    for (int attempt = 0; attempt < maxAttempts; attempt++) {
      Current current = backend.read(key);
      Long running = null;
      if (current != null) {
        running = Counters.parse(key, current.value()); // throws for the whole batch
      }
      long[] results = new long[n];
      RuntimeException[] failures = new RuntimeException[n];
      long createTtl = 0;
      boolean anyApplied = false;
      for (int i = 0; i < n; i++) {
        Op o = ops.get(i);
        if (running == null) {
          running = o.delta;
          createTtl = o.ttlMillis;
          results[i] = running;
          anyApplied = true;
        } else {
          try {
            running = Counters.add(key, running, o.delta);
            results[i] = running;
            anyApplied = true;
          } catch (CacheCodecException overflow) {
            failures[i] = overflow;
          }
        }
      }
      boolean written = !anyApplied || (current == null
          ? backend.create(key, Counters.format(running), createTtl)
          : backend.replace(key, current, Counters.format(running)));
      if (written) {
        for (int i = 0; i < n; i++) {
          if (failures[i] != null) {
            ops.get(i).fail(failures[i]);
          } else {
            ops.get(i).complete(results[i]);
          }
        }
        return;
      }
    }
    throw new CacheException("incr of key '" + key + "' gave up after " + maxAttempts
        + " conflicting writes");
  }

  /** The same failure for the calling thread, with its own stack, caused by the original. */
  private static RuntimeException copy(RuntimeException e) {
    if (e instanceof CacheCodecException) {
      return new CacheCodecException(e.getMessage(), e);
    }
    if (e instanceof CacheTimeoutException) {
      return new CacheTimeoutException(e.getMessage(), e);
    }
    if (e instanceof CacheConnectionException) {
      return new CacheConnectionException(e.getMessage(), e);
    }
    if (e instanceof CacheException) {
      return new CacheException(e.getMessage(), e);
    }
    return e;
  }
}
