package io.larder.redis.internal;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Merges the single-key calls ({@code get}, {@code set}, {@code delete}) that threads make at
 * the same time into one pipelined batch: the reads of a batch become one {@code MGET} (one per
 * hash slot in a cluster), its writes and deletes plain {@code SET} and {@code UNLINK}
 * commands, all written together.
 *
 * <p>No window and no sleep: a call made while no batch is in flight is sent at once, alone,
 * as its own command. Calls made while a batch is in flight queue up, and go out together the
 * moment that batch's replies are in, so a batch holds what arrived during one round trip —
 * larger under load, a single call when a thread is alone.
 *
 * <p>Each caller gets its own future: its own value, its own error reply, and, when the batch
 * fails as a whole (a connection lost, Lettuce's timeout), that failure once. A caller that
 * gave up (its deadline passed) cancels its future; a queued call whose future is done is not
 * sent.
 */
final class Merger {
  private static final ByteArrayCodec CODEC = ByteArrayCodec.INSTANCE;
  private static final byte[] PX = {'P', 'X'};
  /**
   * Batches in flight at once. One: the next batch takes everything that queued during the
   * round trip. Two and four measured no better on this 2-core machine (within its noise).
   */
  private static final int MAX_IN_FLIGHT = 1;
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final Transport transport;
  private final ConcurrentLinkedQueue<Call<?>> queue = new ConcurrentLinkedQueue<>();
  /** Batches sent whose replies are not all in. */
  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * Creates the merger of a store's calls.
   *
   * @param transport where batches go
   */
  Merger(Transport transport) {
    this.transport = transport;
  }

  /** One caller's call: a command on one key, and the future that answers the caller. */
  private abstract static class Call<T> {
    final byte[] key;
    final CompletableFuture<T> result = new CompletableFuture<>();

    Call(byte[] key) {
      this.key = key;
    }

    /** The command when the call goes out on its own or is not merged with others. */
    abstract Op<T> alone();
  }

  private static final class Read extends Call<byte[]> {
    Read(byte[] key) {
      super(key);
    }

    @Override
    Op<byte[]> alone() {
      return new Op<>(CommandType.GET, Op.newArgs().addKey(key), () -> new ValueOutput<>(CODEC),
          key);
    }
  }

  private static final class Write extends Call<String> {
    final byte[] stored;
    final long ttlMillis;

    Write(byte[] key, byte[] stored, long ttlMillis) {
      super(key);
      this.stored = stored;
      this.ttlMillis = ttlMillis;
    }

    @Override
    Op<String> alone() {
      CommandArgs<byte[], byte[]> args = Op.newArgs().addKey(key).addValue(stored);
      if (ttlMillis != 0) {
        args.add(PX).add(ttlMillis);
      }
      return new Op<>(CommandType.SET, args, () -> new StatusOutput<>(CODEC), key);
    }
  }

  private static final class Remove extends Call<Long> {
    Remove(byte[] key) {
      super(key);
    }

    @Override
    Op<Long> alone() {
      return new Op<>(CommandType.UNLINK, Op.newArgs().addKey(key),
          () -> new IntegerOutput<>(CODEC), key);
    }
  }

  /**
   * Reads a key, merged with concurrent calls.
   *
   * @param key the Redis key
   * @return the stored bytes or {@code null}, when the reply comes
   */
  CompletableFuture<byte[]> get(byte[] key) {
    return submit(new Read(key));
  }

  /**
   * Writes a key, merged with concurrent calls.
   *
   * @param key the Redis key
   * @param stored the bytes to store
   * @param ttlMillis the TTL, or 0 for none
   * @return {@code "OK"}, when the reply comes
   */
  CompletableFuture<String> set(byte[] key, byte[] stored, long ttlMillis) {
    return submit(new Write(key, stored, ttlMillis));
  }

  /**
   * Removes a key, merged with concurrent calls.
   *
   * @param key the Redis key
   * @return how many keys went (0 or 1), when the reply comes
   */
  CompletableFuture<Long> delete(byte[] key) {
    return submit(new Remove(key));
  }

  private <T> CompletableFuture<T> submit(Call<T> call) {
    queue.add(call);
    sendQueued();
    return call.result;
  }

  /**
   * Sends what is queued as one batch if fewer than {@link #MAX_IN_FLIGHT} batches are in
   * flight; when a batch's replies are in, sends what queued meanwhile. Loops rather than
   * recursing when a batch is answered at once (rejected while disconnected).
   */
  private void sendQueued() {
    while (!queue.isEmpty()) {
      int n = inFlight.get();
      if (n >= MAX_IN_FLIGHT) {
        return; // the batch in flight sends the queue when it is answered
      }
      if (!inFlight.compareAndSet(n, n + 1)) {
        continue;
      }
      List<Call<?>> batch = new ArrayList<>();
      for (Call<?> c; (c = queue.poll()) != null; ) {
        if (!c.result.isDone()) {
          batch.add(c);
        }
      }
      CompletableFuture<Void> answered;
      try {
        answered = batch.isEmpty() ? DONE : send(batch);
      } catch (RuntimeException e) {
        for (Call<?> c : batch) {
          c.result.completeExceptionally(e);
        }
        answered = DONE;
      }
      if (answered.isDone()) {
        inFlight.decrementAndGet();
      } else {
        answered.whenComplete((ignored, failure) -> {
          inFlight.decrementAndGet();
          sendQueued();
        });
        return;
      }
    }
  }

  /** Sends a batch; the future completes once every caller has its answer. */
  private CompletableFuture<Void> send(List<Call<?>> batch) {
    if (batch.size() == 1) {
      return answer(batch.get(0), transport.send(batch.get(0).alone()));
    }
    List<Op<?>> ops = new ArrayList<>();
    Map<Integer, List<Read>> reads = new LinkedHashMap<>();
    for (Call<?> c : batch) {
      if (c instanceof Read g) {
        int group = transport.clustered() ? RedisKeys.slot(g.key) : 0;
        reads.computeIfAbsent(group, s -> new ArrayList<>()).add(g);
      } else {
        ops.add(c.alone());
      }
    }
    List<Call<?>> order = new ArrayList<>(batch.size());
    for (Call<?> c : batch) {
      if (!(c instanceof Read)) {
        order.add(c);
      }
    }
    List<List<Read>> mgets = new ArrayList<>();
    for (List<Read> gets : reads.values()) {
      for (int i = 0; i < gets.size(); i += RedisStore.BATCH) {
        List<Read> chunk = gets.subList(i, Math.min(gets.size(), i + RedisStore.BATCH));
        if (chunk.size() == 1) {
          ops.add(chunk.get(0).alone());
          order.add(chunk.get(0));
        } else {
          CommandArgs<byte[], byte[]> args = Op.newArgs();
          for (Read g : chunk) {
            args.addKey(g.key);
          }
          ops.add(new Op<>(CommandType.MGET, args, () -> new ValueListOutput<>(CODEC),
              chunk.get(0).key));
          mgets.add(chunk);
          order.add(null); // an MGET, answered below
        }
      }
    }
    List<CompletableFuture<?>> replies = transport.sendAll(ops);
    List<CompletableFuture<Void>> answered = new ArrayList<>(ops.size());
    int mget = 0;
    for (int i = 0; i < ops.size(); i++) {
      Call<?> c = order.get(i);
      if (c != null) {
        answered.add(answer(c, replies.get(i)));
      } else {
        answered.add(answerAll(mgets.get(mget++), replies.get(i)));
      }
    }
    return CompletableFuture.allOf(answered.toArray(CompletableFuture[]::new));
  }

  /** Passes a command's reply or failure to its caller. */
  @SuppressWarnings("unchecked")
  private static <T> CompletableFuture<Void> answer(Call<T> call, CompletableFuture<?> reply) {
    return reply.handle((value, failure) -> {
      if (failure != null) {
        call.result.completeExceptionally(failure);
      } else {
        call.result.complete((T) value);
      }
      return null;
    });
  }

  /** Passes each value of an {@code MGET} to its caller, or its failure to all of them. */
  private static CompletableFuture<Void> answerAll(List<Read> gets, CompletableFuture<?> reply) {
    return reply.handle((value, failure) -> {
      if (failure != null) {
        for (Read g : gets) {
          g.result.completeExceptionally(failure);
        }
      } else {
        @SuppressWarnings("unchecked")
        List<byte[]> values = (List<byte[]>) value;
        for (int i = 0; i < gets.size(); i++) {
          gets.get(i).result.complete(values.get(i));
        }
      }
      return null;
    });
  }
}
