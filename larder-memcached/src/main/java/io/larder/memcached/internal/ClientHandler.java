package io.larder.memcached.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The end of one connection's pipeline: queues each written {@link Request} in the order its
 * bytes go out, hands each decoded {@link Reply} to the oldest request still waiting, and
 * fails every waiting request at once when the connection breaks.
 *
 * <p>All methods run on the channel's event loop, so the queue needs no locking, and its
 * order is exactly the order of the bytes on the wire (memcached answers in that order).
 */
final class ClientHandler extends ChannelDuplexHandler {
  private final String server;
  private final ReplyDecoder decoder;
  private final ArrayDeque<Request> pending = new ArrayDeque<>();
  /** The size of {@link #pending}, for other threads to read. */
  private volatile int inFlight;
  private CacheException closeCause;
  private boolean inactive;

  ClientHandler(String server, ReplyDecoder decoder) {
    this.server = server;
    this.decoder = decoder;
  }

  /**
   * Requests from several callers written as one message: their bytes go out as one buffer,
   * in list order, and their replies are matched in that order.
   */
  record Batch(List<Request> requests) {}

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof Request request) {
      ByteBuf payload = take(ctx, request);
      if (payload == null) {
        promise.trySuccess();
      } else {
        ctx.write(payload, promise);
      }
    } else if (msg instanceof Batch batch) {
      CompositeByteBuf out = ctx.alloc().compositeDirectBuffer(batch.requests().size());
      for (Request r : batch.requests()) {
        ByteBuf payload = take(ctx, r);
        if (payload != null) {
          out.addComponent(true, payload);
        }
      }
      if (out.numComponents() == 0) {
        out.release();
        promise.trySuccess();
      } else {
        // a failed write closes the connection, which fails every pending request
        ctx.write(out, promise);
      }
    } else {
      ctx.write(msg, promise);
    }
  }

  /**
   * Queues a request for its replies and returns its bytes to write, or {@code null} if it is
   * not to be written (failed, its caller gone, or the connection closed).
   */
  private ByteBuf take(ChannelHandlerContext ctx, Request request) {
    if (inactive || !ctx.channel().isActive()) {
      request.fail(lost());
      return null;
    }
    ByteBuf payload = request.takePayload();
    if (payload == null) {
      return null; // failed before it could be written
    }
    if (request.abandoned) {
      // its caller gave up before the bytes left: nobody wants the answer
      ReferenceCountUtil.safeRelease(payload);
      request.fail(new CacheTimeoutException(request + " on memcached " + server
          + " was given up before it was written"));
      return null;
    }
    request.writtenNanos = System.nanoTime();
    pending.add(request);
    inFlight = pending.size();
    return payload;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Reply reply)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (closeCause != null) {
      return; // closing: what was decoded after the reason to close answers nobody
    }
    Request head = pending.peek();
    if (head == null) {
      closeWith(ctx, new CacheConnectionException("memcached " + server
          + " sent a reply nobody asked for ('" + reply + "'); closing the connection"));
      return;
    }
    if (BulkReplies.isGetAbort(reply) && classicDue()) {
      // it may answer a get written after the oldest request, whose reply memcached dropped
      closeWith(ctx, new CacheConnectionException("memcached " + server + " stopped a classic"
          + " get with '" + reply + "' and may have dropped the replies of earlier requests;"
          + " closing the connection"));
      return;
    }
    boolean complete;
    try {
      complete = head.accept(reply);
    } catch (DecoderException e) {
      // replies and requests are no longer paired (see BulkReplies): fail everything waiting
      closeWith(ctx, new CacheConnectionException("memcached " + server + ": "
          + e.getMessage() + "; closing the connection", e));
      return;
    }
    if (complete) {
      pending.poll();
      inFlight = pending.size();
    }
  }

  /** Tells whether a request waiting here still expects a classic {@code get}'s answer. */
  private boolean classicDue() {
    for (Request r : pending) {
      if (r.classicDue()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable root = cause instanceof DecoderException && cause.getCause() != null
        ? cause.getCause() : cause;
    String what = root instanceof SSLException ? "TLS with memcached " + server + " failed"
        : cause instanceof DecoderException ? "memcached " + server
            + " sent bytes that are not a memcached reply"
        : "the connection to memcached " + server + " failed";
    closeWith(ctx, new CacheConnectionException(what + ": " + root.getMessage(), cause));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    inactive = true;
    CacheException cause = lost();
    Request r;
    while ((r = pending.poll()) != null) {
      r.fail(cause);
    }
    inFlight = 0;
    super.channelInactive(ctx);
  }

  /**
   * Closes the connection if {@code request} has waited a whole timeout without a single byte
   * arriving from the server: the server is hung or the network is gone, and every later
   * request on this connection would wait as long.
   */
  void checkStuck(ChannelHandlerContext ctx, Request request, long timeoutNanos) {
    if (request.isDone() || inactive || !pending.contains(request)
        || decoder.lastReadNanos() - request.writtenNanos >= 0) {
      return; // answered, gone, or the server has sent something since: it is alive
    }
    long waited = System.nanoTime() - request.writtenNanos;
    if (waited >= timeoutNanos) {
      closeWith(ctx, new CacheTimeoutException("memcached " + server + " sent nothing for "
          + TimeUnit.NANOSECONDS.toMillis(waited) + " ms; closing the connection"));
    } else {
      // the caller started waiting a little before the bytes left: look again then
      ctx.executor().schedule(() -> checkStuck(ctx, request, timeoutNanos),
          timeoutNanos - waited, TimeUnit.NANOSECONDS);
    }
  }

  /** Tells whether no request written here waits for its replies; from any thread. */
  boolean idle() {
    return inFlight == 0;
  }

  /** The reason the connection closed, once it has; for messages. */
  CacheException closeCause() {
    return closeCause;
  }

  void closeWith(ChannelHandlerContext ctx, CacheException cause) {
    if (closeCause == null) {
      closeCause = cause;
    }
    ctx.close();
  }

  private CacheException lost() {
    if (closeCause instanceof CacheTimeoutException) {
      return new CacheTimeoutException(closeCause.getMessage(), closeCause);
    }
    return new CacheConnectionException(closeCause != null ? closeCause.getMessage()
        : "connection to memcached " + server + " closed", closeCause);
  }
}
