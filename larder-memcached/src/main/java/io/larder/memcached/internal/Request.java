package io.larder.memcached.internal;

import io.larder.CacheException;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One unit of pipelining: the bytes of one or more commands, written together, and the
 * replies that answer them, matched by order.
 *
 * <p>How many replies a request takes depends on its {@link End}: one reply for a single
 * command; a fixed count for several non-quiet commands; everything up to {@code MN} for a
 * batch of quiet commands closed by {@code mn}; everything up to the {@code END} of the last
 * classic {@code get} line for a {@code getMany} of text keys only, which sends no {@code mn};
 * everything up to {@code END} (or an error) for {@code stats}. The handler owns {@link #payload} once written and releases it.
 */
final class Request {
  /** How a request knows it has all its replies. */
  enum End {
    /** After {@code expected} replies. */
    COUNT,
    /** At the {@code MN} reply of a closing {@code mn}, which is not kept. */
    NOOP,
    /** At an {@code END} line (not kept) or an error line (kept), as {@code stats} answers. */
    STATS_END,
    /** At the {@code END} of the last classic {@code get} line its {@link BulkReplies} knows. */
    LAST_GET_END
  }

  private final String description;
  private final End end;
  private final int expected;
  /** Checks each reply of a bulk read before it is taken; {@code null} for other requests. */
  private final BulkReplies check;
  private ByteBuf payload;
  private final List<Reply> replies;
  private final CompletableFuture<List<Reply>> result = new CompletableFuture<>();
  /** When the caller stops waiting, in {@link System#nanoTime()}; set by its thread. */
  long deadlineNanos;
  /**
   * How long the limit that set {@link #deadlineNanos} gave the call, from when it began
   * ({@code deadlineNanos - budgetNanos}); set with the deadline.
   */
  long budgetNanos;
  /**
   * Whether that limit is the caller's own deadline (a request that continues a call whose
   * time was already running) rather than the store's timeout; set with the deadline.
   */
  boolean ownDeadline;
  /** Set on the event loop when written; read by the timeout check on the event loop. */
  long writtenNanos;
  /** Sent on the direct connection by the thread that will read its replies. */
  boolean direct;
  /** Set by a caller that stopped waiting; a request not yet written is then dropped. */
  volatile boolean abandoned;
  /** The connection's count of unanswered requests, while this one is in it. */
  private AtomicInteger outstanding;

  private Request(String description, ByteBuf payload, End end, int expected,
      BulkReplies check) {
    this.description = description;
    this.payload = payload;
    this.end = end;
    this.expected = expected;
    this.check = check;
    this.replies = new ArrayList<>(end == End.COUNT ? expected : 4);
  }

  /** A request answered by {@code expected} replies, one per non-quiet command. */
  static Request counted(String description, ByteBuf payload, int expected) {
    if (expected < 1) {
      throw new IllegalArgumentException("a request needs at least one reply: " + expected);
    }
    return new Request(description, payload, End.COUNT, expected, null);
  }

  /** A request of quiet commands closed by {@code mn}; its replies are all before {@code MN}. */
  static Request batch(String description, ByteBuf payload) {
    return new Request(description, payload, End.NOOP, 0, null);
  }

  /**
   * A bulk read closed by {@code mn} whose replies are checked by {@code check} as they
   * arrive: a reply that answers no key it asked for closes the connection.
   */
  static Request bulkRead(String description, ByteBuf payload, BulkReplies check) {
    return new Request(description, payload, End.NOOP, 0, check);
  }

  /**
   * A bulk read of classic {@code get} lines only, sent without a closing {@code mn}: it is
   * complete at the {@code END} of its last line, which {@code check} counts. memcached 1.6
   * sends the answer of a {@code get} followed by {@code mn} in two writes (two wake-ups of the
   * reader), one without it in one.
   */
  static Request classicRead(String description, ByteBuf payload, BulkReplies check) {
    return new Request(description, payload, End.LAST_GET_END, 0, check);
  }

  /** A {@code stats} request, answered by {@code STAT} lines and {@code END}. */
  static Request stats(String description, ByteBuf payload) {
    return new Request(description, payload, End.STATS_END, 0, null);
  }

  /** Hands the bytes over to the writer; afterwards this request no longer owns them. */
  synchronized ByteBuf takePayload() {
    ByteBuf p = payload;
    payload = null;
    return p;
  }

  /** The size of the bytes still to write, {@code 0} once handed over. */
  synchronized int payloadBytes() {
    return payload == null ? 0 : payload.readableBytes();
  }

  /**
   * Takes one reply, on the event loop (or on the caller's thread for a direct call).
   *
   * @return {@code true} if the request is now complete
   * @throws io.netty.handler.codec.DecoderException if the reply cannot answer this request
   *     (see {@link BulkReplies}): the connection must be closed
   */
  boolean accept(Reply reply) {
    if (check != null) {
      check.check(reply);
    }
    switch (end) {
      case COUNT -> {
        replies.add(reply);
        if (replies.size() < expected) {
          return false;
        }
      }
      case NOOP -> {
        if (reply.code != Reply.MN) {
          replies.add(reply);
          return false;
        }
      }
      case STATS_END -> {
        boolean error = reply.isError();
        if (error) {
          replies.add(reply);
        } else if (!"END".equals(reply.text)) {
          replies.add(reply);
          return false;
        }
      }
      case LAST_GET_END -> {
        replies.add(reply);
        if (check.classicDue()) {
          return false;
        }
      }
      default -> throw new AssertionError(end);
    }
    if (result.complete(replies)) {
      counted();
    }
    return true;
  }

  /**
   * Tells whether this request may be combined with other callers' requests in one write on
   * the direct connection: a single-key call (answered by a fixed count of replies) or a bulk
   * call (a {@code getMany}, {@code setMany}, {@code deleteMany}), whose replies end where its
   * {@code MN} is, or at its last {@code get} line's {@code END} for a {@code getMany} of text
   * keys only; not {@code stats}, which goes alone.
   */
  boolean mergeable() {
    return end != End.STATS_END;
  }

  /**
   * Tells whether this is a bulk call (a {@code getMany}, {@code setMany}, {@code deleteMany}),
   * whose replies may run to megabytes: its replies end at an {@code MN}, or at its last
   * {@code get} line's {@code END} for a {@code getMany} of text keys only.
   */
  boolean bulk() {
    return end == End.NOOP || end == End.LAST_GET_END;
  }

  /** Tells whether a classic {@code get} line of this request is still to be answered. */
  boolean classicDue() {
    return check != null && check.classicDue();
  }

  /** Fails the request unless it has completed; releases bytes never written. */
  void fail(CacheException e) {
    ByteBuf p = takePayload();
    if (p != null) {
      ReferenceCountUtil.safeRelease(p);
    }
    if (result.completeExceptionally(e)) {
      counted();
    }
  }

  /** Counts this request in {@code outstanding} until it completes, fails or is dropped. */
  void countIn(AtomicInteger outstanding) {
    outstanding.incrementAndGet();
    this.outstanding = outstanding;
    if (result.isDone()) {
      counted();
    }
  }

  private void counted() {
    AtomicInteger o = outstanding;
    if (o != null) {
      outstanding = null;
      o.decrementAndGet();
    }
  }

  boolean isDone() {
    return result.isDone();
  }

  CompletableFuture<List<Reply>> result() {
    return result;
  }

  @Override
  public String toString() {
    return description;
  }
}
