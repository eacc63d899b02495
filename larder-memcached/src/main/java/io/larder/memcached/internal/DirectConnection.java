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
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A second, blocking connection to one memcached server, for the blocking call of a thread
 * that finds it free: the thread writes its request and reads the replies itself, with no
 * hand-over to the event loop and back (two thread wake-ups per call, most of a lone call's
 * time on a busy machine). A thread that finds it taken goes the pipelined way
 * ({@link Connection}) instead, so no caller ever waits for another here.
 *
 * <p>Plain TCP only, to a server that needs no authentication: it sends nothing but the
 * caller's meta commands and reads their replies with {@link ReplyDecoder}. A call that fails on
 * it (its timeout passes, the server hangs up, a reply that is not memcached's) closes it, so a
 * late reply can never answer the next call; it is opened again in the background after the
 * shared jittered backoff, while calls go the pipelined way.
 *
 * <p>Who holds it is one flag: taken by {@link #tryAcquire()}, given back when the call ends;
 * while it is closed or reconnecting the flag stays taken, so nobody gets it.
 */
final class DirectConnection {
  private static final System.Logger LOG = System.getLogger(DirectConnection.class.getName());
  /** Larger requests go the pipelined way: a blocking write has no timeout. */
  static final int MAX_PAYLOAD = 64 * 1024;
  /** A read buffer grown past this by a large reply is not kept. */
  private static final int RETAINED = 256 * 1024;
  private static final int INITIAL = 64 * 1024; // a bulk reply of ~60 kB in one read
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
   * Takes the connection for one call if it is open and no other thread holds it.
   *
   * @return {@code true} if the caller now holds it and must pass a request to
   *     {@link #execute}, which gives it back
   */
  boolean tryAcquire() {
    return busy.compareAndSet(false, true);
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
    send(request);
    return receive(request);
  }

  /**
   * Writes a request on the calling thread, which took the connection with
   * {@link #tryAcquire()} and keeps it until {@link #receive} reads the replies; if the write
   * fails, the connection is closed (and no longer held) and this throws.
   *
   * @param request the request, not yet written
   * @throws CacheConnectionException if the write fails
   */
  void send(Request request) {
    try {
      write(request);
    } catch (IOException e) {
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
    boolean healthy = false;
    try {
      List<Reply> replies = read(request);
      healthy = true;
      failures = 0; // only a call answered resets the backoff, not a connect
      return replies;
    } catch (SocketTimeoutException e) {
      throw failed(request, new CacheTimeoutException(request + " on memcached " + server
          + " timed out after " + timeout.toMillis() + " ms", e));
    } catch (IOException | DecoderException e) {
      throw failed(request, new CacheConnectionException(closed
          ? "the client of memcached " + server + " is closed"
          : "the connection to memcached " + server + " failed: " + e.getMessage(), e));
    } finally {
      if (healthy) {
        release();
      } else {
        dropped();
      }
    }
  }

  /** Keeps the failure in the request, so that waiting for it again throws it again. */
  private static CacheException failed(Request request, CacheException e) {
    request.fail(e);
    return e;
  }

  private void write(Request request) throws IOException {
    ByteBuf payload = request.takePayload();
    if (payload == null) {
      throw new IllegalStateException(request + " was already sent");
    }
    int length = payload.readableBytes();
    try {
      if (output.length < length) {
        output = new byte[length];
      }
      payload.getBytes(payload.readerIndex(), output, 0, length);
    } finally {
      payload.release();
    }
    out.write(output, 0, length);
  }

  private List<Reply> read(Request request) throws IOException {
    while (true) {
      Reply reply = input.isReadable() ? ReplyDecoder.decode(input, line) : null;
      if (reply == null) {
        fill(request.deadlineNanos);
      } else if (reply.text != null && reply.text.startsWith(TOO_MANY)) {
        throw new IOException("memcached refused the connection: " + reply.text);
      } else if (request.accept(reply)) {
        break;
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
    return request.result().getNow(null);
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
    input.ensureWritable(8192);
    int n = in.read(input.array(), input.arrayOffset() + input.writerIndex(),
        left > 0 ? input.writableBytes() : Math.min(waiting, input.writableBytes()));
    if (n < 0) {
      throw new EOFException("memcached closed the connection");
    }
    input.writerIndex(input.writerIndex() + n);
  }

  private void release() {
    busy.set(false);
    if (closed && busy.compareAndSet(false, true)) {
      closeSocket(); // closed while this caller held it
    }
  }

  /** After a failure: closes the socket (keeping it taken) and reopens it later. */
  private void dropped() {
    closeSocket();
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
   * Closes the connection if no caller holds it and opens it again in the background (after
   * its handshake, so only once the server answers): for when the pipelined connection to the
   * same server was lost, since an idle blocking socket does not notice a hang-up until a
   * caller writes into it. A caller that holds it finds out on its own.
   */
  void reopen() {
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
