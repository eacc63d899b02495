package io.larder.memcached.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.spi.Backoff;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one connection to one memcached server: connects, says hello ({@code version},
 * {@code stats settings}, {@code stats}, after authenticating when asked), pipelines requests
 * and reconnects with backoff when the connection breaks.
 *
 * <h2>States</h2>
 * <ul>
 *   <li>{@code CONNECTING}: an attempt is under way; requests wait for it (up to their
 *       timeout) and are written when it succeeds.</li>
 *   <li>{@code READY}: requests are written at once, from the calling thread.</li>
 *   <li>{@code BACKOFF}: the last attempt failed or the connection broke; requests fail at once
 *       with {@link CacheConnectionException} until the next attempt, so a dead server costs
 *       callers nothing but an exception (which a fail-open cache turns into a miss). The
 *       first retry after a working connection breaks is immediate, then the delays follow
 *       {@link Backoff#defaults()}: full jitter below 10 ms doubling up to 1 s.</li>
 *   <li>{@code CLOSED}: for good.</li>
 * </ul>
 */
final class Connection implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Connection.class.getName());
  /** Requests that may wait for a connection attempt; more fail at once. */
  static final int MAX_WAITING = 65_536;

  private enum State { CONNECTING, READY, BACKOFF, CLOSED }

  private final String server;
  private final String host;
  private final int port;
  private final ClientOptions options;
  private final Bootstrap bootstrap;
  private final long timeoutNanos;

  private final Object lock = new Object();
  private volatile State state = State.CONNECTING;
  private volatile Channel channel; // the READY channel
  private volatile ClientHandler handler; // the READY channel's
  private volatile ServerInfo info;
  private List<Request> waiting = new ArrayList<>();
  /** Requests on their way to the event loop; see {@link #enqueue}. */
  private final Queue<Request> outbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private CacheException lastFailure;
  private int failedAttempts;
  private boolean everConnected;
  private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
  /** The blocking connection a lone caller uses, or {@code null} (TLS, authentication). */
  private final DirectConnection direct;
  /** Requests sent pipelined and not yet answered, failed or dropped; the direct gate's view. */
  private final AtomicInteger outstanding = new AtomicInteger();

  Connection(String host, int port, ClientOptions options, EventLoopGroup group) {
    this.host = host;
    this.port = port;
    this.server = host + ":" + port;
    this.options = options;
    this.timeoutNanos = options.timeout().toNanos();
    this.direct = options.direct()
        ? new DirectConnection(host, port, options.timeout(), options.connectTimeout()) : null;
    this.bootstrap = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ChannelPipeline p = ch.pipeline();
            if (options.ssl() != null) {
              SslHandler tls = options.ssl().newHandler(ch.alloc(), host, port);
              tls.setHandshakeTimeoutMillis(options.connectTimeout().toMillis());
              p.addLast("tls", tls);
            }
            ReplyDecoder decoder = new ReplyDecoder();
            p.addLast("decoder", decoder);
            p.addLast("client", new ClientHandler(server, decoder));
            p.addLast("hello", new HelloHandler());
          }
        });
  }

  /** Returns {@code host:port} as given. */
  String server() {
    return server;
  }

  /** Starts the first connection attempt. */
  void start() {
    connect();
  }

  /**
   * Waits for the first connection attempt to end.
   *
   * @return {@code null} if connected, else why not
   */
  CacheException awaitFirstAttempt() {
    try {
      firstAttempt.get(options.connectTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new CacheConnectionException("interrupted while connecting to memcached " + server, e);
    } catch (ExecutionException | TimeoutException e) {
      return new CacheConnectionException("could not connect to memcached " + server, e);
    }
    synchronized (lock) {
      return state == State.READY ? null : lastFailure;
    }
  }

  /** Returns what the server said when the connection opened, or {@code null} before that. */
  ServerInfo info() {
    return info;
  }

  /** For tests: tells whether the direct connection is open and free. */
  boolean directIsFree() {
    return direct != null && direct.isFree();
  }

  /** For tests: how many callers are queued on the direct connection for its next batch. */
  int directQueued() {
    return direct == null ? 0 : direct.queued();
  }

  /** For tests: how many requests the direct connection sent in batches of two or more. */
  long directCombined() {
    return direct == null ? 0 : direct.combined();
  }

  /**
   * For tests: tells whether no request of this client is still counted as unanswered on the
   * pipelined connection (a caller can return a moment before its request is uncounted).
   */
  boolean pipelinedIdle() {
    return outstanding.get() == 0;
  }

  /** For tests: how many calls were started alone on the direct connection (fan-out parts). */
  long directStarted() {
    return direct == null ? 0 : direct.startedCalls();
  }

  /** For tests: the bytes that have arrived on the direct socket and are not read yet. */
  int directUnreadBytes() {
    return direct == null ? 0 : direct.unreadBytes();
  }

  /** Tells whether requests are written at once (the connection is up). */
  boolean isReady() {
    return state == State.READY;
  }

  /**
   * Sends a request and waits for its replies: on the caller's threads over the direct
   * connection (combined with other threads' calls into one write there, single-key and bulk
   * alike; {@code stats} alone if the connection is free), else pipelined through the event
   * loop.
   *
   * @param request the request
   * @return its replies, in order
   * @throws CacheTimeoutException if they do not come within the timeout
   * @throws CacheConnectionException if the connection is down or breaks meanwhile
   * @throws CacheException if the thread is interrupted (the flag stays set)
   */
  List<Reply> execute(Request request) {
    storeTimeout(request);
    return run(request);
  }

  /**
   * Sends a request and waits for its replies as {@link #execute(Request)} does, until a
   * deadline given by the caller rather than a timeout counted from now: for a request that
   * continues a call whose time is already running.
   *
   * @param request the request
   * @param deadlineNanos when to stop waiting, in {@link System#nanoTime()}
   * @return its replies, in order
   * @throws CacheTimeoutException if they do not come before the deadline
   * @throws CacheConnectionException if the connection is down or breaks meanwhile
   * @throws CacheException if the thread is interrupted (the flag stays set)
   */
  List<Reply> execute(Request request, long deadlineNanos) {
    limit(request, deadlineNanos, deadlineNanos - System.nanoTime(), true);
    return run(request);
  }

  /** Sends a request whose limit is set and waits for its replies, as {@link #execute} says. */
  private List<Reply> run(Request request) {
    if (mayGoDirect(request)) {
      if (request.mergeable()) { // combined with other threads' calls on the direct connection
        List<Reply> replies = direct.run(request);
        if (replies != null) {
          return replies;
        }
      } else if (direct.tryAcquire()) {
        return direct.execute(request);
      }
    }
    send(request);
    return await(request);
  }

  /** Gives a request the store's timeout, counted from now, as its limit. */
  private void storeTimeout(Request request) {
    limit(request, System.nanoTime() + timeoutNanos, timeoutNanos, false);
  }

  /**
   * Sets when a request's caller stops waiting, and the limit that says so, which a timeout's
   * message names: {@code budgetNanos} from when the call began, the store's timeout or the
   * caller's own deadline.
   */
  private static void limit(Request request, long deadlineNanos, long budgetNanos,
      boolean ownDeadline) {
    request.deadlineNanos = deadlineNanos;
    request.budgetNanos = budgetNanos;
    request.ownDeadline = ownDeadline;
  }

  /**
   * Sends a request whose replies the calling thread will wait for with {@link #await}: on the
   * direct connection if it is free (the thread then holds it until {@link #await}, which it
   * must call), else pipelined as {@link #start} does.
   *
   * @param request the request
   * @return the request
   * @throws CacheConnectionException if writing it on the direct connection fails
   */
  Request startBlocking(Request request) {
    storeTimeout(request);
    if (!takeDirect(request)) {
      send(request);
      return request;
    }
    request.direct = true;
    direct.send(request);
    return request;
  }

  /**
   * Takes the direct connection for a request sent alone if it is small, the pipelined
   * connection idle and the direct connection free with nobody queued for it.
   */
  private boolean takeDirect(Request request) {
    return mayGoDirect(request) && direct.tryAcquire();
  }

  /** Tells whether a request may go on the direct connection, if that is free or combining. */
  private boolean mayGoDirect(Request request) {
    // nothing of this client is still to be answered pipelined, so the call cannot overtake
    // one (a thread's own earlier async call above all, also one parked while reconnecting);
    // an interrupted thread goes the pipelined way, which throws at once as it always did
    return direct != null && state == State.READY && outstanding.get() == 0
        && !Thread.currentThread().isInterrupted()
        && request.payloadBytes() <= DirectConnection.MAX_PAYLOAD;
  }

  /**
   * Sends a request without waiting for its replies; {@link #await} waits for them, until the
   * timeout counted from now.
   *
   * @param request the request
   * @return the request
   */
  Request start(Request request) {
    storeTimeout(request);
    send(request);
    return request;
  }

  /**
   * Waits for the replies of a request sent by {@link #start} or {@link #startBlocking}.
   *
   * @param request the request
   * @return its replies, in order
   * @throws CacheTimeoutException if they do not come within the timeout of its start
   * @throws CacheConnectionException if the connection is down or breaks meanwhile
   * @throws CacheException if the thread is interrupted (the flag stays set)
   */
  List<Reply> await(Request request) {
    if (request.direct && !request.isDone()) { // awaited again: its stored outcome, below
      return direct.receive(request);
    }
    if (Thread.currentThread().isInterrupted()) {
      // decided here, not by the wait: a reply already in (the event loop may answer before
      // the caller gets here) would otherwise return past the interrupt
      request.abandoned = true;
      throw new CacheException(request + " on memcached " + server + " interrupted");
    }
    try {
      return request.result().get(request.deadlineNanos - System.nanoTime(),
          TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw abandon(request);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String message = cause.getMessage();
      if (cause instanceof CacheTimeoutException) {
        throw new CacheTimeoutException(message, cause);
      }
      if (cause instanceof CacheConnectionException) {
        throw new CacheConnectionException(message, cause);
      }
      throw new CacheException(message, cause);
    } catch (InterruptedException e) {
      request.abandoned = true;
      Thread.currentThread().interrupt();
      throw new CacheException(request + " on memcached " + server + " interrupted", e);
    }
  }

  /**
   * Sends a request without waiting: its future completes with the replies on the event loop,
   * or fails as {@link #await} would throw, with {@link CacheTimeoutException} once the timeout
   * counted from now has passed.
   *
   * @param request the request
   * @return its replies, in order, when they come
   */
  CompletableFuture<List<Reply>> call(Request request) {
    return timed(start(request));
  }

  /**
   * Bounds a request sent by {@link #start} by its deadline without a waiting thread: the
   * event loop fails it when the deadline passes.
   *
   * @param request the started request
   * @return its replies, when they come
   */
  CompletableFuture<List<Reply>> timed(Request request) {
    CompletableFuture<List<Reply>> result = request.result();
    if (!result.isDone()) {
      ScheduledFuture<?> timer = bootstrap.config().group().next().schedule(() -> {
        if (!result.isDone()) {
          request.fail(abandon(request));
        }
      }, request.deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
      result.whenComplete((replies, failure) -> timer.cancel(false));
    }
    return result;
  }

  /**
   * Gives up a request whose deadline passed: it is not written if it has not been yet, and
   * the connection is closed if the server has sent nothing for a whole timeout.
   *
   * @return the timeout to fail the caller with
   */
  private CacheTimeoutException abandon(Request request) {
    request.abandoned = true;
    Channel ch = channel;
    if (ch != null) {
      ch.eventLoop().execute(() -> {
        ChannelHandlerContext ctx = ch.pipeline().context(ClientHandler.class);
        if (ctx != null) {
          ((ClientHandler) ctx.handler()).checkStuck(ctx, request, timeoutNanos);
        }
      });
    }
    return new CacheTimeoutException(DirectConnection.timeoutMessage(request, server,
        System.nanoTime(), options.timeout()));
  }

  private void send(Request request) {
    request.countIn(outstanding);
    if (state == State.READY) {
      Channel ch = channel;
      if (ch != null) {
        enqueue(ch, request);
        return;
      }
    }
    synchronized (lock) {
      switch (state) {
        case READY -> { } // written below, outside the lock
        case CONNECTING -> {
          if (waiting.size() < MAX_WAITING) {
            waiting.add(request);
          } else {
            request.fail(new CacheConnectionException("memcached " + server
                + " is still connecting and " + MAX_WAITING + " requests already wait"));
          }
          return;
        }
        case BACKOFF -> {
          request.fail(new CacheConnectionException("not connected to memcached " + server
              + (lastFailure == null ? "" : " (" + lastFailure.getMessage() + ")")
              + "; reconnecting", lastFailure));
          return;
        }
        case CLOSED -> {
          request.fail(new CacheConnectionException("the client of memcached " + server
              + " is closed"));
          return;
        }
        default -> throw new AssertionError(state);
      }
    }
    Channel ch = channel;
    if (ch != null) {
      enqueue(ch, request);
    } else {
      request.fail(new CacheConnectionException("the connection to memcached " + server
          + " closed"));
    }
  }

  /**
   * Queues a request for the event loop, which writes everything queued and flushes once: one
   * task and one system call for a burst of requests from many threads, and no added delay
   * for a lone request.
   */
  private void enqueue(Channel ch, Request request) {
    outbox.add(request);
    if (drainScheduled.compareAndSet(false, true)) {
      ch.eventLoop().execute(this::drain);
    }
  }

  /**
   * Writes everything queued as one message and one flush: the requests of all the threads
   * that called meanwhile go out in one system call, their replies matched by order.
   */
  private void drain() {
    drainScheduled.set(false);
    Channel ch = channel; // the current one: a reconnection may have replaced the caller's
    boolean active = ch != null && ch.isActive();
    Request first = outbox.poll();
    if (first == null) {
      return;
    }
    Request next = outbox.poll();
    if (!active) {
      for (Request r = first; r != null; r = next, next = outbox.poll()) {
        r.fail(new CacheConnectionException("the connection to memcached " + server
            + " closed"));
      }
      return;
    }
    if (next == null) {
      write(ch, first);
    } else {
      List<Request> batch = new ArrayList<>();
      batch.add(first);
      for (; next != null; next = outbox.poll()) {
        batch.add(next);
      }
      ch.write(new ClientHandler.Batch(batch), ch.voidPromise());
    }
    ch.flush();
  }

  private static void write(Channel ch, Request request) {
    ch.write(request).addListener(done -> {
      if (!done.isSuccess()) {
        request.fail(new CacheConnectionException("could not write to memcached: "
            + done.cause(), done.cause()));
      }
    });
  }

  private void connect() {
    ChannelFuture f = bootstrap.connect(host, port);
    f.addListener(done -> {
      if (!done.isSuccess()) {
        attemptFailed(null, connectionFailure(done.cause()));
      }
    });
  }

  private CacheException connectionFailure(Throwable cause) {
    if (cause instanceof CacheException ce) {
      return ce;
    }
    String why = cause == null ? "closed" : cause.getMessage() != null ? cause.getMessage()
        : cause.getClass().getSimpleName();
    return new CacheConnectionException("cannot connect to memcached " + server + ": " + why, cause);
  }

  /** Says hello on a new channel, then hands it to the connection or fails the attempt. */
  private final class HelloHandler extends ChannelInboundHandlerAdapter {
    private boolean done;

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      super.channelActive(ctx);
      Channel ch = ctx.channel();
      ch.eventLoop().schedule(() -> {
        if (!done) {
          closeWith(ch, new CacheTimeoutException("memcached " + server
              + " did not answer within " + options.connectTimeout().toMillis()
              + " ms of connecting"));
        }
      }, options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
      Hello.start(ch, server, options.credentials()).whenComplete((serverInfo, failure) ->
          ch.eventLoop().execute(() -> {
            if (done) {
              return;
            }
            done = true;
            if (failure != null) {
              Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                  ? failure.getCause() : failure;
              CacheException e = cause instanceof CacheException ce ? ce
                  : connectionFailure(cause);
              closeWith(ch, e);
              attemptFailed(ch, e);
            } else {
              ready(ch, serverInfo);
            }
          }));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      ClientHandler client = ctx.pipeline().get(ClientHandler.class);
      CacheException cause = client == null ? null : client.closeCause();
      Channel ch = ctx.channel();
      if (!done) {
        done = true;
        attemptFailed(ch, cause != null ? cause : connectionFailure(null));
      } else {
        closed(ch, cause);
      }
      super.channelInactive(ctx);
    }
  }

  /** Closes a channel, recording why for the requests it fails. */
  private static void closeWith(Channel ch, CacheException cause) {
    ChannelHandlerContext ctx = ch.pipeline().context(ClientHandler.class);
    if (ctx != null) {
      ((ClientHandler) ctx.handler()).closeWith(ctx, cause);
    } else {
      ch.close();
    }
  }

  private void ready(Channel ch, ServerInfo serverInfo) {
    List<Request> drain;
    boolean recovered;
    synchronized (lock) {
      if (state == State.CLOSED) {
        ch.close();
        return;
      }
      info = serverInfo;
      channel = ch;
      handler = ch.pipeline().get(ClientHandler.class);
      state = State.READY;
      recovered = failedAttempts > 0 || everConnected;
      failedAttempts = 0;
      everConnected = true;
      lastFailure = null;
      drain = waiting;
      waiting = new ArrayList<>();
    }
    for (Request r : drain) {
      write(ch, r);
    }
    ch.flush();
    firstAttempt.complete(null);
    if (direct != null) {
      direct.start();
    }
    if (recovered) {
      LOG.log(Level.INFO, () -> "reconnected to memcached " + server);
    }
  }

  private void attemptFailed(Channel ch, CacheException cause) {
    List<Request> drain;
    long delay;
    synchronized (lock) {
      if (state == State.CLOSED || (ch != null && channel != null && channel != ch)) {
        return;
      }
      lastFailure = cause;
      state = State.BACKOFF;
      delay = backoffMillis(failedAttempts++);
      drain = waiting;
      waiting = new ArrayList<>();
    }
    for (Request r : drain) {
      r.fail(cause);
    }
    firstAttempt.complete(null);
    if (failedAttempts == 1) {
      LOG.log(Level.WARNING, () -> cause.getMessage() + "; retrying with backoff");
    } else {
      LOG.log(Level.DEBUG, () -> cause.getMessage() + "; retrying in " + delay + " ms");
    }
    scheduleReconnect(delay);
  }

  private void closed(Channel ch, CacheException cause) {
    synchronized (lock) {
      if (state == State.CLOSED || channel != ch) {
        return;
      }
      channel = null;
      lastFailure = cause != null ? cause : new CacheConnectionException(
          "connection to memcached " + server + " closed");
      state = State.BACKOFF;
    }
    LOG.log(Level.WARNING, () -> "lost the connection to memcached " + server
        + (cause == null ? "" : ": " + cause.getMessage()) + "; reconnecting");
    if (direct != null) {
      direct.reopen(); // most likely dead too (a restart, a crash), though idle and unaware
    }
    scheduleReconnect(0);
  }

  /** 0 after a working connection broke, then the shared backoff. */
  static long backoffMillis(int failedAttempts) {
    return failedAttempts == 0 ? 0 : Backoff.defaults().delay(failedAttempts).toMillis();
  }

  private void scheduleReconnect(long delayMillis) {
    Runnable attempt = () -> {
      synchronized (lock) {
        if (state != State.BACKOFF) {
          return;
        }
        state = State.CONNECTING;
      }
      connect();
    };
    try {
      bootstrap.config().group().schedule(attempt, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // the event loops are shutting down: the client is closing
      LOG.log(Level.DEBUG, () -> "not reconnecting to memcached " + server, e);
    }
  }

  /** Fails waiting requests, closes the channel and stops reconnecting. Idempotent. */
  @Override
  public void close() {
    List<Request> drain;
    Channel ch;
    synchronized (lock) {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      ch = channel;
      channel = null;
      drain = waiting;
      waiting = new ArrayList<>();
    }
    CacheConnectionException closed =
        new CacheConnectionException("the client of memcached " + server + " is closed");
    for (Request r : drain) {
      r.fail(closed);
    }
    if (ch != null) {
      ch.close().syncUninterruptibly();
    }
    if (direct != null) {
      direct.close();
    }
    firstAttempt.complete(null);
  }

  /** Allocates a buffer for a request's bytes. */
  static ByteBuf buffer(int initialCapacity) {
    return PooledByteBufAllocator.DEFAULT.buffer(initialCapacity);
  }

  @Override
  public String toString() {
    return "memcached " + server + " (" + state + ")";
  }
}
