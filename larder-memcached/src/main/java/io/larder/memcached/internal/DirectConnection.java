package io.larder.memcached.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.spi.Backoff;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A second, blocking connection to one memcached server, on which callers' threads write their
 * requests and read the replies themselves, with no hand-over to the event loop and back (two
 * thread wake-ups per call, most of a lone call's time on a busy machine).
 *
 * <p>Concurrent calls combine: the thread that finds the connection free writes its
 * request and every request other threads queued meanwhile in one write, reads the replies in
 * order (memcached answers a connection's commands in order, so each request takes the replies
 * it expects and no more), hands each caller its own and wakes it; the others park until then.
 * When it is done it wakes the first thread still queued, which sends the next batch. So under
 * load a batch holds what arrived during one round trip, no event loop takes part, and a
 * waiting caller costs one park and one wake-up. A lone call goes out at once. Bulk requests
 * ({@code getMany}, {@code setMany}, {@code deleteMany}) combine too, with single-key calls and
 * with each other, their replies ending at their {@code MN} (a {@code getMany} of text keys
 * only: at its last {@code get} line's {@code END}); a batch holds at most {@value #MAX_BATCH}
 * calls and {@value #MAX_PAYLOAD} bytes of requests. A batch sends its single-key calls first,
 * so that their callers are woken before the leader reads the bulk replies (which may be
 * megabytes); the leader itself returns only once the whole batch is read, whatever its own
 * call. A call {@link #send started} for a
 * later {@link #receive} (a pool's fan-out part) takes the connection only when it is free and
 * nobody is queued, and is sent alone; a thread that cannot have it so goes the pipelined way
 * ({@link Connection}).
 *
 * <p>Plain TCP only, to a server that needs no authentication: it sends nothing but the
 * callers' meta commands and reads their replies with {@link ReplyDecoder}. A batch that fails
 * on it (its deadline passes, the server hangs up, a reply that is not memcached's) fails each
 * of its callers still unanswered once and closes it, so a late reply can never answer the next
 * call; it is opened again in the background after the shared jittered backoff, while calls go
 * the pipelined way. Callers queued and not yet sent when it closes go the pipelined way too.
 * A caller whose deadline passes (or who is interrupted) while queued or in flight gives up
 * alone; a queued call whose deadline has passed is not sent; a batch waits for its replies
 * until the latest deadline among its callers, so that one nearly expired caller does not fail
 * the others (only the leader may wait past its own deadline, for the batch's replies).
 *
 * <p>Who holds it is one flag: taken by a caller, given back when its batch is answered;
 * while it is closed or reconnecting the flag stays taken, so nobody gets it.
 */
final class DirectConnection {
  private static final System.Logger LOG = System.getLogger(DirectConnection.class.getName());
  /** Larger requests go the pipelined way: a blocking write has no timeout. */
  static final int MAX_PAYLOAD = 64 * 1024;
  /** Callers' requests sent in one batch at most; more wait for the next. */
  private static final int MAX_BATCH = 256;
  /** A read buffer grown past this by a large reply is not kept. */
  private static final int RETAINED = 1024 * 1024;
  /**
   * The read buffer: a combined batch of bulk reads brings megabytes, and memcached spent
   * about a third more CPU per getMany(100) when the leader read them 64 kB at a time (its
   * sends stalling on a full socket, presumably; docs/BENCHMARKS.md, mc16). Not more: the
   * JDK's socket reads at most 128 kB per call (through a temporary direct buffer of that
   * size per thread), and 256 kB measured no better (mc16-fix).
   */
  private static final int INITIAL = 128 * 1024;
  /** Room made for each read: most of the buffer, not a sliver of it. */
  private static final int READ_ROOM = 64 * 1024;
  /** A batch's order: single-key calls, then bulk ones, each kind in the order it came. */
  private static final Comparator<Waiter> SINGLE_KEY_FIRST =
      Comparator.comparing(w -> w.request.bulk());
  private static final byte[] VERSION = "version\r\n".getBytes(StandardCharsets.US_ASCII);
  /** What memcached at {@code maxconns} writes before it hangs up. */
  private static final String TOO_MANY = "ERROR Too many open connections";
  /**
   * Opens the direct connections again, off the common pool (a connect blocks up to the
   * connect timeout): daemon threads made when needed, gone after a minute idle.
   */
  private static final ExecutorService CONNECTS = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
      60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "larder-memcached-connect");
        t.setDaemon(true);
        return t;
      });

  private final String host;
  private final int port;
  private final String server;
  private final Duration timeout;
  private final Duration connectTimeout;
  private final Backoff backoff = Backoff.defaults();
  /** Taken by a caller, or by the connection itself while it is not open. */
  private final AtomicBoolean busy = new AtomicBoolean(true);
  private final AtomicBoolean started = new AtomicBoolean();
  /** Callers waiting for a leader to send their requests. */
  private final ConcurrentLinkedQueue<Waiter> queue = new ConcurrentLinkedQueue<>();
  /** Whether a socket is open, for callers deciding whether to queue. */
  private volatile boolean up;
  /**
   * Set by {@link #reopen()} when it finds the connection held (by a caller, or by a connect
   * under way): the holder then drops the socket when it gives the connection back.
   */
  private volatile boolean stale;
  /** Requests sent in batches of two or more, for tests; written by the holder only. */
  private volatile long combined;
  /** Calls {@link #send started} alone so far, for tests; written by the holder only. */
  private volatile long startedCalls;
  /** Whether the holder is a call {@link #send started} alone, not a batch's leader. */
  private volatile boolean startedAlone;
  /**
   * For tests: run by a batch's leader with each queued request it looked at, before it takes
   * it from the queue; set before the connection is used.
   */
  Consumer<Request> peeked;
  private final byte[] line = new byte[ReplyDecoder.MAX_LINE];
  private ByteBuf input = Unpooled.buffer(INITIAL);
  private byte[] output = new byte[4096];
  private Socket socket;
  /** The open socket, for {@link #close()} to break a caller's read; {@code null} if none. */
  private volatile Socket open;
  private OutputStream out;
  private InputStream in;
  private int failures;
  private volatile boolean closed;

  DirectConnection(String host, int port, Duration timeout, Duration connectTimeout) {
    this.host = host;
    this.port = port;
    this.server = host + ":" + port;
    this.timeout = timeout;
    this.connectTimeout = connectTimeout;
  }

  /** Opens the connection in the background, the first time only. */
  void start() {
    if (started.compareAndSet(false, true)) {
      reconnectAfter(0);
    }
  }

  /**
   * Takes the connection for one call sent alone, if it is open, no other thread holds it and
   * nobody is queued for it.
   *
   * @return {@code true} if the caller now holds it and must pass a request to
   *     {@link #execute} or {@link #send}, which gives it back
   */
  boolean tryAcquire() {
    if (!queue.isEmpty() || !busy.compareAndSet(false, true)) {
      return false;
    }
    if (!queue.isEmpty()) { // someone queued in between: theirs is the next batch
      release();
      return false;
    }
    return true;
  }

  /**
   * Runs one caller's request (single-key, or bulk closed by {@code mn}) on this connection,
   * combined with those of the threads that call at the same time: a thread that finds the
   * connection free sends what is queued with its own request in one write, reads the
   * replies, hands each caller its own and wakes it; a thread that finds it held by another
   * batch queues its request and parks until its replies are in or its deadline passes, or
   * until it is woken to send the next batch itself.
   *
   * @param request the request, not yet written, its deadline set
   * @return its replies, in order; or {@code null} if the connection is down, held by a call
   *     started alone, or went down while the request was queued (never after it was sent),
   *     so that the caller goes the pipelined way instead
   * @throws CacheTimeoutException if the replies are not in before the request's deadline
   * @throws CacheConnectionException if the connection fails while the request is in flight
   *     or the server sends bytes that are not memcached replies
   * @throws CacheException if the thread is interrupted while waiting (the flag stays set)
   */
  List<Reply> run(Request request) {
    if (!up) {
      return null;
    }
    if (busy.compareAndSet(false, true)) {
      Waiter own = new Waiter(request, Waiter.SENT);
      lead(own);
      return own.outcome();
    }
    if (startedAlone || !up) {
      return null;
    }
    Waiter call = new Waiter(request, Waiter.WAITING);
    queue.add(call);
    while (true) {
      int state = call.state();
      if (state == Waiter.DONE) {
        return call.outcome();
      }
      if (state == Waiter.WAITING && (closed || !up || startedAlone)
          && giveUp(call, state)) {
        return null; // gone down (or taken by a call started alone) while queued: not sent
      }
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        if (giveUp(call, state)) {
          throw unsent(request, state,
              new CacheException(request + " on memcached " + server + " interrupted"));
        }
        continue;
      }
      long left = request.deadlineNanos - System.nanoTime();
      if (left <= 0) {
        if (giveUp(call, state)) {
          throw unsent(request, state, timedOut(call, null));
        }
        continue;
      }
      if (state == Waiter.WAITING && busy.compareAndSet(false, true)) {
        lead(null);
        continue;
      }
      LockSupport.parkNanos(this, left);
    }
  }

  /**
   * Writes a request and reads its replies on the calling thread, which took the connection
   * with {@link #tryAcquire()}; gives the connection back, or closes it if the call failed.
   *
   * @param request the request, not yet written, its deadline set
   * @return its replies, in order
   * @throws CacheTimeoutException if they do not come before the request's deadline
   * @throws CacheConnectionException if the connection fails or the server sends bytes that
   *     are not memcached replies
   */
  List<Reply> execute(Request request) {
    Waiter own = new Waiter(request, Waiter.SENT);
    lead(own, false);
    return own.outcome();
  }

  /**
   * Writes a request on the calling thread, which took the connection with
   * {@link #tryAcquire()} and keeps it until {@link #receive} reads the replies; callers that
   * queued meanwhile are woken and go the pipelined way. If the write fails, the connection is
   * closed (and no longer held) and this throws.
   *
   * @param request the request, not yet written
   * @throws CacheConnectionException if the write fails
   */
  void send(Request request) {
    startedAlone = true;
    startedCalls++;
    if (!queue.isEmpty()) {
      // callers that queued after tryAcquire took the connection, before the flag was set:
      // they would park until receive(), which a fan-out may reach only a timeout later
      wakeAll();
    }
    try {
      write(List.of(new Waiter(request, Waiter.SENT)));
    } catch (IOException e) {
      startedAlone = false;
      dropped();
      throw new CacheConnectionException("the connection to memcached " + server
          + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Reads the replies of a request {@link #send} wrote, on the same thread; gives the
   * connection back, or closes it if the read failed.
   *
   * @param request the request written, its deadline set
   * @return its replies, in order
   * @throws CacheTimeoutException if they do not come before the request's deadline
   * @throws CacheConnectionException if the connection fails or the server sends bytes that
   *     are not memcached replies
   */
  List<Reply> receive(Request request) {
    startedAlone = false;
    Waiter own = new Waiter(request, Waiter.SENT);
    if (exchange(List.of(own), request.deadlineNanos, false)) {
      release();
    }
    return own.outcome();
  }

  /**
   * Holding the connection: sends {@code own} (if any) and the queued requests as one batch,
   * reads the replies, completes each caller, and gives the connection back (or closes it).
   */
  private void lead(Waiter own) {
    lead(own, true);
  }

  private void lead(Waiter own, boolean withQueued) {
    List<Waiter> batch = own != null && (!withQueued || queue.peek() == null)
        ? List.of(own) : collect(own);
    if (batch.isEmpty()) {
      release();
      return;
    }
    long deadline = batch.get(0).request.deadlineNanos;
    for (int i = 1; i < batch.size(); i++) {
      long d = batch.get(i).request.deadlineNanos;
      deadline = d - deadline > 0 ? d : deadline;
    }
    if (batch.size() > 1) {
      combined += batch.size();
    }
    // a leader that sent the next batches itself, instead of waking a queued caller to, was
    // measured no faster and spent more CPU per call (smaller batches): it gives the
    // connection back at once
    if (exchange(batch, deadline, true)) {
      release();
    }
  }

  /** Holding the connection: {@code own} (if any) and the queued requests that fit a batch. */
  private List<Waiter> collect(Waiter own) {
    List<Waiter> batch = new ArrayList<>();
    try {
      int bytes = 0;
      boolean bulk = false;
      if (own != null) {
        batch.add(own);
        bytes = own.request.payloadBytes();
        bulk = own.request.bulk();
      }
      long now = System.nanoTime();
      for (Waiter q; batch.size() < MAX_BATCH && (q = queue.peek()) != null; ) {
        int size = q.request.payloadBytes();
        if (!batch.isEmpty() && bytes + size > MAX_PAYLOAD) {
          break; // the next batch's
        }
        Consumer<Request> hook = peeked;
        if (hook != null) {
          hook.accept(q.request);
        }
        // by identity, not poll(): q's own thread may have given it up and removed it since
        // the peek, and poll() would then take the next caller, never to be sent or woken
        if (!queue.remove(q) || !q.compareAndSet(Waiter.WAITING, Waiter.SENT)) {
          continue; // gave up
        }
        if (q.request.deadlineNanos - now <= 0) { // its caller has not noticed yet: not sent
          q.fail(timedOut(q, null));
        } else {
          batch.add(q);
          bytes += size;
          bulk |= q.request.bulk();
        }
      }
      if (bulk) {
        // single-key callers first: each is woken as soon as its reply is read, not after the
        // megabytes of a getMany(100) written before it (every waiter is another thread's call,
        // so no thread's calls change order); List.sort is stable, bulk calls keep theirs
        batch.sort(SINGLE_KEY_FIRST);
      }
      return batch;
    } catch (Throwable e) {
      release();
      for (Waiter w : batch) {
        w.fail(new CacheException("the batch failed: " + e, e));
      }
      throw e;
    }
  }

  /**
   * Holding the connection: writes the batch's requests in one write unless {@code sent}
   * already, reads the replies until each request has its own, completes each caller as its
   * replies are in; on a failure fails each caller still unanswered with its own exception and
   * closes the connection.
   *
   * @return {@code true} if the batch was answered and the caller still holds the connection
   */
  private boolean exchange(List<Waiter> batch, long deadline, boolean write) {
    boolean healthy = false;
    try {
      if (write) {
        write(batch);
      }
      read(batch, deadline);
      healthy = true;
      failures = 0; // only a call answered resets the backoff, not a connect
    } catch (SocketTimeoutException e) {
      for (Waiter w : batch) {
        w.fail(timedOut(w, e));
      }
    } catch (IOException | DecoderException e) {
      for (Waiter w : batch) {
        w.fail(new CacheConnectionException(closed
            ? "the client of memcached " + server + " is closed"
            : "the connection to memcached " + server + " failed: " + e.getMessage(), e));
      }
    } catch (Throwable e) { // even an Error leaves the socket mid-reply: never read it again
      for (Waiter w : batch) {
        w.fail(new CacheException("the batch on memcached " + server + " failed: " + e, e));
      }
      throw e;
    } finally {
      if (!healthy) {
        dropped();
      }
    }
    return healthy;
  }

  /**
   * The failure of a call given up in {@code state}: one given up while still queued was never
   * written, so its request is failed here, which releases its pooled bytes.
   */
  private static CacheException unsent(Request request, int state, CacheException e) {
    if (state == Waiter.WAITING) {
      request.fail(e);
    }
    return e;
  }

  /**
   * The failure of a call whose time ran out, saying how long its caller waited and which limit
   * ended the wait, as {@link #timeoutMessage(Request, String, long, Duration)} words it.
   */
  private CacheTimeoutException timedOut(Waiter call, Exception cause) {
    return new CacheTimeoutException(timeoutMessage(call.request, server, System.nanoTime(),
        timeout), cause);
  }

  /**
   * Says that a request timed out at {@code nowNanos}, how long its caller had waited since
   * the call began, and the limit its request recorded with its deadline: the store's
   * timeout, or the caller's own deadline (a request that continues a call has only what is
   * left of the call's time), as Redis names the timeout the call had rather than the store's
   * default. The direct and the pipelined connection both word it so.
   *
   * @param request the request whose deadline passed
   * @param server the server, for example {@code "127.0.0.1:11211"}
   * @param nowNanos the time, in {@link System#nanoTime()}
   * @param timeout the store's timeout
   * @return the message
   */
  static String timeoutMessage(Request request, String server, long nowNanos,
      Duration timeout) {
    long beganNanos = request.deadlineNanos - request.budgetNanos;
    return timeoutMessage(request + " on memcached " + server, nowNanos - beganNanos,
        request.budgetNanos, request.ownDeadline, timeout);
  }

  /**
   * Says that a call timed out after waiting {@code waitedNanos}, and which limit ran out: the
   * store's {@code timeout}, or the caller's own deadline, which gave it {@code budgetNanos}.
   *
   * @param call what timed out, for example {@code "mg a on memcached 127.0.0.1:11211"}
   * @param waitedNanos how long the caller waited since the call began
   * @param budgetNanos how long the limit gave the call from when it began
   * @param ownDeadline whether the limit is the caller's own deadline, not the store's timeout
   * @param timeout the store's timeout
   * @return the message
   */
  static String timeoutMessage(String call, long waitedNanos, long budgetNanos,
      boolean ownDeadline, Duration timeout) {
    String waited = call + " timed out after " + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
        + " ms";
    if (ownDeadline) {
      return waited + ", its own deadline (" + TimeUnit.NANOSECONDS.toMillis(
          Math.max(0, budgetNanos)) + " ms left when it reached the connection; the store's"
          + " timeout is " + timeout.toMillis() + " ms)";
    }
    return waited + ", the store's timeout (" + timeout.toMillis() + " ms)";
  }

  /**
   * Gives a queued or sent call up (its leader then skips it or drops its replies) and passes
   * on a wake-up that may have been meant for it; tells whether it did.
   */
  private boolean giveUp(Waiter call, int state) {
    if (!call.compareAndSet(state, Waiter.GAVE_UP)) {
      return false;
    }
    if (state == Waiter.WAITING) {
      queue.remove(call);
      wakeNext();
    }
    return true;
  }

  /** One caller's request and, once its batch is answered, its outcome. */
  private static final class Waiter {
    static final int WAITING = 0;
    static final int SENT = 1;
    static final int DONE = 2;
    static final int GAVE_UP = 3;

    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final Request request;
    final Thread thread = Thread.currentThread();
    private volatile int state;
    /** Why the call failed, or {@code null}; written before {@link #DONE}. */
    CacheException failure;

    Waiter(Request request, int state) {
      this.request = request;
      this.state = state;
    }

    /** Completes the call with its replies, in its request, and wakes its thread. */
    void answered() {
      finish();
    }

    /** Fails the call unless it is answered already, and wakes its thread. */
    void fail(CacheException e) {
      if (request.isDone()) {
        return;
      }
      request.fail(e);
      failure = e;
      finish();
    }

    private void finish() {
      if (compareAndSet(SENT, DONE) && thread != Thread.currentThread()) {
        LockSupport.unpark(thread);
      }
    }

    int state() {
      return state;
    }

    boolean compareAndSet(int expected, int next) {
      return STATE.compareAndSet(this, expected, next);
    }

    /** The replies, or the failure thrown. */
    List<Reply> outcome() {
      if (failure != null) {
        throw failure;
      }
      List<Reply> replies = request.result().getNow(null);
      if (replies == null) {
        throw new IllegalStateException(request + " has no outcome");
      }
      return replies;
    }
  }

  /** Writes the requests of a batch in one write. */
  private void write(List<Waiter> batch) throws IOException {
    int length = 0;
    for (int i = 0; i < batch.size(); i++) { // indexed: no iterator for a lone call's list
      Request request = batch.get(i).request;
      ByteBuf payload = request.takePayload();
      if (payload == null) {
        throw new IllegalStateException(request + " was already sent");
      }
      try {
        int n = payload.readableBytes();
        if (output.length < length + n) {
          output = Arrays.copyOf(output, Math.max(length + n, 2 * output.length));
        }
        payload.getBytes(payload.readerIndex(), output, length, n);
        length += n;
      } finally {
        payload.release();
      }
    }
    out.write(output, 0, length);
  }

  /** Reads the replies of a batch in order, completing each caller as its own are in. */
  private void read(List<Waiter> batch, long deadlineNanos) throws IOException {
    int next = 0;
    while (next < batch.size()) {
      Reply reply = input.isReadable() ? ReplyDecoder.decode(input, line) : null;
      if (reply == null) {
        fill(deadlineNanos);
      } else if (reply.text != null && reply.text.startsWith(TOO_MANY)) {
        throw new IOException("memcached refused the connection: " + reply.text);
      } else if (BulkReplies.isGetAbort(reply) && classicDue(batch, next)) {
        // it may answer a later request's classic get, memcached having dropped the replies
        // before it (see BulkReplies): no reply of this batch can be matched any more
        throw new IOException("memcached stopped a classic get with '" + reply
            + "' and may have dropped the replies of earlier requests");
      } else if (batch.get(next).request.accept(reply)) {
        batch.get(next++).answered();
      }
    }
    if (input.isReadable()) {
      throw new IOException("memcached sent more than the replies asked for");
    }
    if (input.capacity() > RETAINED) {
      input = Unpooled.buffer(INITIAL);
    } else {
      input.clear();
    }
  }

  /** Tells whether a request of the batch from {@code from} on awaits a classic get's answer. */
  private static boolean classicDue(List<Waiter> batch, int from) {
    for (int i = from; i < batch.size(); i++) {
      if (batch.get(i).request.classicDue()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads what has arrived, waiting until the deadline at most. Past the deadline it still
   * takes what is already there without waiting: a caller that waited for another server first
   * (the parts of a fan-out are read one after another) gets this server's answer if it came
   * in time, and a timeout only if it did not.
   */
  private void fill(long deadlineNanos) throws IOException {
    long left = deadlineNanos - System.nanoTime();
    int waiting = left <= 0 ? in.available() : 0;
    if (left <= 0 && waiting <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    if (left > 0) {
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE,
          Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999))));
    }
    if (input.readerIndex() > 0) {
      input.discardReadBytes();
    }
    input.ensureWritable(READ_ROOM);
    int n = in.read(input.array(), input.arrayOffset() + input.writerIndex(),
        left > 0 ? input.writableBytes() : Math.min(waiting, input.writableBytes()));
    if (n < 0) {
      throw new EOFException("memcached closed the connection");
    }
    input.writerIndex(input.writerIndex() + n);
  }

  /** Gives the connection back and wakes the first queued caller to send the next batch. */
  private void release() {
    busy.set(false);
    // closed, or the pipelined connection lost, while this caller held it (each flag is set
    // before its setter tries to take the connection, so one of the two sees the other)
    if ((closed || stale) && busy.compareAndSet(false, true)) {
      dropped(); // closes the socket, wakes the queued callers, reconnects unless closed
      return;
    }
    wakeNext();
  }

  /** Wakes the first queued caller still waiting to be sent. */
  private void wakeNext() {
    if (queue.isEmpty()) {
      return; // a lone call's release: no iterator
    }
    for (Waiter q : queue) {
      if (q.state() == Waiter.WAITING) {
        LockSupport.unpark(q.thread);
        return;
      }
    }
  }

  /** Wakes every queued caller, each to see that the connection is down or closed. */
  private void wakeAll() {
    for (Waiter q : queue) {
      LockSupport.unpark(q.thread);
    }
  }

  /** After a failure: closes the socket (keeping it taken) and reopens it later. */
  private void dropped() {
    closeSocket();
    wakeAll(); // queued callers go the pipelined way
    if (!closed) {
      reconnectAfter(backoff.delay(Math.min(++failures, 30)).toNanos());
    }
  }

  private void reconnectAfter(long delayNanos) {
    CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS, CONNECTS).execute(() -> {
      if (closed) {
        return;
      }
      try {
        open();
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.DEBUG, () -> "direct connection to memcached " + server + ": " + e);
        dropped();
        return;
      }
      release();
    });
  }

  private void open() throws IOException {
    stale = false; // a reopen() from now on is about this socket
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setKeepAlive(true);
      // a request of MAX_PAYLOAD fits the send buffer, so its write does not wait for the server
      s.setSendBufferSize(2 * MAX_PAYLOAD);
      s.connect(new InetSocketAddress(host, port),
          (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
      out = s.getOutputStream();
      in = s.getInputStream();
      input.clear();
      socket = s;
      open = s;
      handshake();
      up = true;
    } catch (IOException | RuntimeException e) {
      closeSocket();
      s.close();
      throw e;
    }
  }

  /**
   * Asks the server for its {@code VERSION} before the connection counts as up: a server that accepts
   * but does not answer (stopped, or its backlog full) or that refuses the connection (at
   * {@code maxconns} memcached writes {@code ERROR Too many open connections} and hangs up)
   * stays down and is tried again after a longer backoff.
   */
  private void handshake() throws IOException {
    out.write(VERSION);
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    Reply reply;
    while ((reply = input.isReadable() ? ReplyDecoder.decode(input, line) : null) == null) {
      fill(deadline);
    }
    if (reply.text == null || !reply.text.startsWith("VERSION ") || input.isReadable()) {
      throw new IOException("memcached answered the handshake with '" + reply + "'");
    }
    input.clear();
  }

  private void closeSocket() {
    Socket s = socket;
    up = false;
    socket = null;
    open = null;
    out = null;
    in = null;
    input.clear();
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing after a failure or for good: nothing more to do
      }
    }
  }

  /**
   * Closes the connection and opens it again in the background (after its handshake, so only
   * once the server answers): for when the pipelined connection to the same server was lost,
   * since an idle blocking socket does not notice a hang-up until a caller uses it. If a caller
   * holds it, or a connect is under way (whose socket may have reached the server just before
   * it went down), the holder does so when it gives the connection back.
   */
  void reopen() {
    stale = true;
    if (!closed && busy.compareAndSet(false, true)) {
      dropped();
    }
  }

  /**
   * Closes the connection for good; a call in progress on it fails at once, as a pipelined
   * call does, and its caller finishes closing it. Idempotent.
   */
  void close() {
    closed = true;
    wakeAll(); // queued callers go the pipelined way, which fails at once
    if (busy.compareAndSet(false, true)) {
      closeSocket();
      return;
    }
    Socket s = open;
    if (s != null) {
      try {
        s.close(); // the holder's read or write throws now
      } catch (IOException ignored) {
        // closed already
      }
    }
  }

  /** For tests: tells whether the connection is open and free now. */
  boolean isFree() {
    return !busy.get();
  }

  /** For tests: how many callers are queued for the next batch. */
  int queued() {
    return queue.size();
  }

  /** For tests: how many requests were sent in batches of two or more so far. */
  long combined() {
    return combined;
  }

  /** For tests: how many calls were started alone so far. */
  long startedCalls() {
    return startedCalls;
  }

  /** For tests: the bytes that have arrived on the socket and are not read yet. */
  int unreadBytes() {
    InputStream s = in;
    try {
      return s == null ? 0 : s.available();
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  public String toString() {
    return "direct connection to memcached " + server;
  }
}
