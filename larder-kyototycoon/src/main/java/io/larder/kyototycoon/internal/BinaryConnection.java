package io.larder.kyototycoon.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.spi.Backoff;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;

/**
 * The one connection for the binary protocol to one server, shared by every thread: requests
 * are written as they come and replies matched to them in order (the server answers a
 * connection's requests one after the other), so many calls are in flight at once.
 *
 * <p>When the connection breaks, the calls waiting on it fail with
 * {@link CacheConnectionException} and the next call reconnects. If connecting fails, calls
 * fail at once until a retry is due, as {@link Backoff#defaults()} spaces them: below 10 ms,
 * doubling up to 1 s, with full jitter.
 *
 * <p>Writes sent with the no-reply flag get no answer, so {@link #awaitNoReplyWrites} lets a
 * caller wait until the server has taken every one written before: it sends an empty
 * {@code get_bulk}, unless a reply to a later request has already come.
 */
final class BinaryConnection implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(BinaryConnection.class.getName());
  /** Set on a channel closed because the server sent nothing for a whole timeout. */
  private static final AttributeKey<CacheTimeoutException> STUCK =
      AttributeKey.valueOf(BinaryConnection.class, "stuck");

  private final String server;
  private final String host;
  private final int port;
  private final long timeoutNanos;
  private final Bootstrap bootstrap;
  private final EventLoopGroup group;

  private final Object lock = new Object();
  private volatile Channel channel;
  private boolean closed;
  private CacheException lastFailure;
  private int failedAttempts;
  private long retryAtNanos;

  // written on the event loop only: positions on the wire, counted over every connection
  private volatile long wireSeq;
  private volatile long lastNoReplyWire;
  private volatile long confirmedWire;
  private volatile long lastReadNanos = System.nanoTime();
  /**
   * Requests handed to the connection and not yet answered (or failed), no-reply writes until
   * written; counted before the hand-over, so a thread sees its own earlier requests here.
   */
  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * Prepares a connection; nothing is opened until the first call.
   *
   * @param config the store's settings
   * @param group the event loop to run on
   */
  BinaryConnection(KtConfig config, EventLoopGroup group) {
    this.server = config.server();
    this.host = config.host();
    this.port = config.port();
    this.timeoutNanos = config.timeout().toNanos();
    this.group = group;
    this.bootstrap = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.timeout().toMillis())))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            // many callers flushing one by one: flush once per batch of queued writes
            ch.pipeline().addLast("flushes", new FlushConsolidationHandler(256, true));
            ch.pipeline().addLast("decoder", new ReplyDecoder());
            ch.pipeline().addLast("client", new Handler());
          }
        });
  }

  /**
   * Connects now, if not connected, rather than on the first call.
   *
   * @throws CacheException as {@link #call} does
   */
  void connect() {
    channel();
  }

  /** A request on its way: its bytes and, unless no reply is expected, who waits for it. */
  private static final class Outgoing {
    final ByteBuf bytes;
    final Pending pending; // null for a no-reply write

    Outgoing(ByteBuf bytes, Pending pending) {
      this.bytes = bytes;
      this.pending = pending;
    }
  }

  /** A call waiting for its reply. */
  private final class Pending {
    private static final AtomicIntegerFieldUpdater<Pending> SETTLED =
        AtomicIntegerFieldUpdater.newUpdater(Pending.class, "settled");
    final String what;
    final CompletableFuture<Reply> result = new CompletableFuture<>();
    long wire;
    private volatile int settled;

    Pending(String what) {
      this.what = what;
    }

    /** Leaves {@link #inFlight}, once: its reply came, or it failed on the connection. */
    void settle() {
      if (SETTLED.compareAndSet(this, 0, 1)) {
        inFlight.decrementAndGet();
      }
    }
  }

  /**
   * Sends a request and waits for its reply.
   *
   * @param what the request, for messages, such as {@code "get_bulk of 3 keys"}
   * @param size the request's size in bytes
   * @param writer writes the request into the buffer it is given
   * @return the reply; {@link Reply.Error} is returned, not thrown
   * @throws CacheTimeoutException if no reply comes within the timeout
   * @throws CacheConnectionException if the server cannot be reached or the connection breaks
   * @throws CacheException if the thread is interrupted (the flag stays set)
   */
  Reply call(String what, int size, Consumer<ByteBuf> writer) {
    long sentAt = System.nanoTime();
    return await(start(what, size, writer), what, sentAt, sentAt + timeoutNanos);
  }

  /**
   * Sends a request and returns at once; may be called on the event loop while the connection
   * is open.
   *
   * @param what the request, for messages
   * @param size the request's size in bytes
   * @param writer writes the request into the buffer it is given
   * @return the reply when it comes, or the connection's failure
   * @throws CacheConnectionException if the server cannot be reached
   */
  CompletableFuture<Reply> start(String what, int size, Consumer<ByteBuf> writer) {
    Channel ch = channel();
    Pending pending = new Pending(what);
    Outgoing outgoing = new Outgoing(encode(ch, size, writer), pending);
    inFlight.incrementAndGet();
    ChannelFuture written = ch.writeAndFlush(outgoing);
    written.addListener(f -> {
      if (!f.isSuccess()) {
        pending.settle();
        pending.result.completeExceptionally(sendFailure(ch, what, f.cause()));
      }
    });
    return pending.result;
  }

  /**
   * Bounds a started request by the store's timeout, counted from {@code sentAtNanos}, without
   * a waiting thread: the event loop fails the future with {@link CacheTimeoutException} when
   * the timeout passes, and closes the connection as stuck if the server has sent nothing since
   * the request was made. A queued call that timed out is not sent (see {@link Merger}).
   *
   * @param result the answer to come; failed in place when the timeout passes
   * @param what the request, for messages
   * @param sentAtNanos when the request was made ({@link System#nanoTime()})
   * @param <T> the answer's type
   * @return {@code result}
   */
  <T> CompletableFuture<T> timed(CompletableFuture<T> result, String what, long sentAtNanos) {
    return deadline(result, what, sentAtNanos, () -> closeIfStuck(sentAtNanos));
  }

  /**
   * Bounds any answer by the store's timeout, counted from {@code startNanos}, without a
   * waiting thread: when the timeout passes, the event loop fails the future with
   * {@link CacheTimeoutException} (unless it is done) and then runs {@code onTimeout}.
   *
   * @param result the answer to come; failed in place when the timeout passes
   * @param what the call, for messages
   * @param startNanos when the call was made ({@link System#nanoTime()})
   * @param onTimeout what to do once the future was failed by the timeout
   * @param <T> the answer's type
   * @return {@code result}
   */
  <T> CompletableFuture<T> deadline(CompletableFuture<T> result, String what, long startNanos,
      Runnable onTimeout) {
    if (result.isDone()) {
      return result;
    }
    ScheduledFuture<?> timer = group.next().schedule(() -> {
      if (result.completeExceptionally(timeout(what))) {
        onTimeout.run();
      }
    }, startNanos + timeoutNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    result.whenComplete((answer, failure) -> timer.cancel(false));
    return result;
  }

  private CacheTimeoutException timeout(String what) {
    return new CacheTimeoutException(what + " on Kyoto Tycoon " + server + " timed out after "
        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
  }

  /**
   * Closes the connection if not a byte came since {@code sentAtNanos}: the server or the path
   * to it is stuck. The calls still waiting on it fail with a timeout, as the one that noticed.
   */
  private void closeIfStuck(long sentAtNanos) {
    Channel ch = channel;
    if (ch != null && lastReadNanos - sentAtNanos < 0) {
      ch.attr(STUCK).setIfAbsent(new CacheTimeoutException("Kyoto Tycoon " + server
          + " sent nothing for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms; the"
          + " connection was closed as stuck"));
      ch.close();
    }
  }

  /**
   * Waits for the answer to a request until a deadline. If it does not come and the server has
   * sent nothing since the request was made, the connection is closed as stuck (its calls fail
   * and the next call reconnects).
   *
   * @param result the answer to come
   * @param what the request, for messages
   * @param sentAtNanos when the request was made ({@link System#nanoTime()})
   * @param deadlineNanos when to give up ({@link System#nanoTime()})
   * @param <T> the answer's type
   * @return the answer
   * @throws CacheTimeoutException if it does not come by the deadline
   * @throws CacheConnectionException if the connection breaks
   * @throws CacheException if the request failed otherwise, or the thread is interrupted (the
   *     flag stays set)
   */
  <T> T await(CompletableFuture<T> result, String what, long sentAtNanos, long deadlineNanos) {
    try {
      return result.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      result.cancel(false);
      closeIfStuck(sentAtNanos);
      throw timeout(what);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result.cancel(false);
      throw new CacheException(what + " on Kyoto Tycoon " + server + " interrupted", e);
    }
  }

  /**
   * Runs a task on the event loop after the tasks already handed to it, such as writes other
   * threads started.
   *
   * @param task what to run
   */
  void later(Runnable task) {
    group.next().execute(task);
  }

  /** Closes the connection as a break would, for tests; the next call reconnects. */
  void disconnect() {
    Channel ch = channel;
    if (ch != null) {
      ch.close().syncUninterruptibly();
    }
  }

  /**
   * Tells whether the connection is open, so that a request may be started from the event
   * loop (which must never wait for a connection).
   *
   * @return {@code true} if connected
   */
  boolean isOpen() {
    Channel ch = channel;
    return ch != null && ch.isActive();
  }

  /**
   * Tells whether nothing this connection was handed is still unanswered: no request waits
   * for its reply or to be written, and the server has confirmed every no-reply write (by
   * answering a request written after it). A request made on another connection now cannot
   * overtake one made here before, as far as the calling thread can know.
   *
   * @return {@code true} if idle
   */
  boolean idle() {
    return inFlight.get() == 0 && confirmedWire >= lastNoReplyWire;
  }

  /**
   * Returns how long a call waits for its reply.
   *
   * @return the timeout in nanoseconds
   */
  long timeoutNanos() {
    return timeoutNanos;
  }

  /**
   * Sends a request with the no-reply flag without waiting: the future completes when it is
   * written to the connection, or fails with {@link CacheTimeoutException} if it cannot be
   * written within the timeout, with {@link CacheConnectionException} if the connection breaks.
   *
   * @param what the request, for messages
   * @param size the request's size in bytes
   * @param writer writes the request into the buffer it is given
   * @return completes once written
   * @throws CacheConnectionException if the server cannot be reached
   */
  CompletableFuture<Void> sendAsync(String what, int size, Consumer<ByteBuf> writer) {
    long sentAt = System.nanoTime();
    Channel ch = channel();
    CompletableFuture<Void> result = new CompletableFuture<>();
    Outgoing outgoing = new Outgoing(encode(ch, size, writer), null);
    inFlight.incrementAndGet();
    ch.writeAndFlush(outgoing).addListener(f -> {
      inFlight.decrementAndGet();
      if (f.isSuccess()) {
        result.complete(null);
      } else {
        result.completeExceptionally(sendFailure(ch, what, f.cause()));
      }
    });
    return timed(result, "writing " + what, sentAt);
  }

  /**
   * Waits until the server has taken every no-reply write already written: at once if a
   * reply to a later request has come, else by one empty {@code get_bulk}.
   *
   * @throws CacheException as {@link #call} does
   */
  void awaitNoReplyWrites() {
    if (confirmedWire >= lastNoReplyWire) {
      return;
    }
    Reply reply = call("a wait for no-reply writes", BinaryProtocol.keyRequestSize(
        List.of()), out -> BinaryProtocol.getBulk(out, 0, List.of()));
    if (reply instanceof Reply.Error) {
      throw new CacheException("Kyoto Tycoon " + server + " answered an empty get_bulk with an"
          + " error");
    }
  }

  /** Why a request could not be written: the connection was closed as stuck, or broke. */
  private CacheException sendFailure(Channel ch, String what, Throwable cause) {
    CacheException stuck = ch.attr(STUCK).get();
    return stuck != null ? stuck : new CacheConnectionException(
        "sending " + what + " to Kyoto Tycoon " + server + " failed", cause);
  }

  private static ByteBuf encode(Channel ch, int size, Consumer<ByteBuf> writer) {
    ByteBuf buf = ch.alloc().buffer(size);
    try {
      writer.accept(buf);
      return buf;
    } catch (RuntimeException e) {
      buf.release();
      throw e;
    }
  }

  private CacheException rethrow(Throwable cause) {
    if (cause instanceof CacheTimeoutException) {
      return new CacheTimeoutException(cause.getMessage(), cause);
    }
    if (cause instanceof CacheConnectionException) {
      return new CacheConnectionException(cause.getMessage(), cause);
    }
    return new CacheException(cause.getMessage(), cause);
  }

  /** Returns the open channel, connecting if there is none and no backoff is under way. */
  private Channel channel() {
    Channel ch = channel;
    if (ch != null && ch.isActive()) {
      return ch;
    }
    synchronized (lock) {
      if (closed) {
        throw new CacheConnectionException("the Kyoto Tycoon store for " + server + " is closed");
      }
      ch = channel;
      if (ch != null && ch.isActive()) {
        return ch;
      }
      long now = System.nanoTime();
      if (lastFailure != null && now - retryAtNanos < 0) {
        throw new CacheConnectionException("Kyoto Tycoon " + server + " is unreachable (next try"
            + " in " + TimeUnit.NANOSECONDS.toMillis(retryAtNanos - now) + " ms): "
            + lastFailure.getMessage(), lastFailure);
      }
      ChannelFuture connecting = bootstrap.connect(host, port);
      try {
        if (!connecting.await(timeoutNanos, TimeUnit.NANOSECONDS)) {
          connecting.cancel(false);
          connecting.channel().close();
          throw failed(new CacheTimeoutException("connecting to Kyoto Tycoon " + server
              + " timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        connecting.channel().close();
        throw new CacheException("connecting to Kyoto Tycoon " + server + " interrupted", e);
      }
      if (!connecting.isSuccess()) {
        throw failed(new CacheConnectionException(
            "cannot connect to Kyoto Tycoon " + server, connecting.cause()));
      }
      if (failedAttempts > 0) {
        LOG.log(Level.INFO, "reconnected to Kyoto Tycoon {0}", server);
      }
      lastFailure = null;
      failedAttempts = 0;
      channel = connecting.channel();
      return channel;
    }
  }

  private CacheException failed(CacheException e) {
    failedAttempts++;
    retryAtNanos = System.nanoTime() + Backoff.defaults().delay(failedAttempts).toNanos();
    lastFailure = e;
    return e;
  }

  /**
   * Closes the connection; calls waiting fail, later calls fail at once. Idempotent.
   */
  @Override
  public void close() {
    Channel ch;
    synchronized (lock) {
      closed = true;
      ch = channel;
      channel = null;
    }
    if (ch != null) {
      ch.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
  }

  /** Matches replies to the calls waiting for them; runs on the event loop. */
  private final class Handler extends ChannelDuplexHandler {
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      Outgoing out = (Outgoing) msg;
      long seq = wireSeq + 1;
      wireSeq = seq;
      if (out.pending == null) {
        lastNoReplyWire = seq;
      } else {
        out.pending.wire = seq;
        waiting.add(out.pending);
      }
      ctx.write(out.bytes, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      lastReadNanos = System.nanoTime();
      Pending pending = waiting.poll();
      if (pending == null) {
        LOG.log(Level.WARNING, "Kyoto Tycoon {0} sent a reply nobody asked for; reconnecting",
            server);
        ctx.close();
        return;
      }
      if (pending.wire > confirmedWire) {
        confirmedWire = pending.wire;
      }
      pending.settle();
      pending.result.complete((Reply) msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      CacheException stuck = ctx.channel().attr(STUCK).get();
      failAll(stuck != null ? stuck : new CacheConnectionException(
          "the connection to Kyoto Tycoon " + server + " closed"));
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable thrown) {
      Throwable cause = thrown instanceof DecoderException && thrown.getCause() != null
          ? thrown.getCause() : thrown;
      LOG.log(Level.WARNING, "closing the connection to Kyoto Tycoon " + server, cause);
      failAll(cause instanceof CacheException ce ? ce : new CacheConnectionException(
          "the connection to Kyoto Tycoon " + server + " failed", cause));
      ctx.close();
    }

    private void failAll(CacheException e) {
      Pending p;
      while ((p = waiting.poll()) != null) {
        p.settle();
        p.result.completeExceptionally(e);
      }
    }
  }
}
