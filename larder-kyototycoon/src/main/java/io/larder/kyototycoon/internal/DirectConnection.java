package io.larder.kyototycoon.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.spi.Backoff;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A second, blocking binary-protocol connection to the server, for one blocking call at a
 * time: the calling thread writes its request and reads the reply itself, with no hand-over to
 * the event loop and back (two thread wake-ups per call, most of a lone call's time on a busy
 * machine). {@link KtStore} uses it only for a blocking call made while the shared pipelined
 * connection ({@link BinaryConnection}) is idle and only if no other thread holds it; otherwise
 * the call goes the pipelined way, so no caller ever waits for another here.
 *
 * <p>It is opened by the first caller that finds it closed. A call that fails on it (its
 * timeout passes, the server hangs up, a reply that is not Kyoto Tycoon's) closes it, so a late
 * reply can never answer the next call; the next caller opens it again, unless opening failed
 * last time and the shared jittered backoff ({@link Backoff#defaults()}) is not over, in which
 * case calls go the pipelined way meanwhile.
 */
final class DirectConnection implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DirectConnection.class.getName());
  /** Larger requests go the pipelined way: a blocking write has no timeout. */
  static final int MAX_REQUEST = 64 * 1024;
  /** A read buffer grown past this by a large reply is not kept. */
  private static final int RETAINED = 256 * 1024;
  private static final int INITIAL = 16 * 1024;

  private final String host;
  private final int port;
  private final String server;
  private final long timeoutNanos;
  /** Taken by the caller using the connection. */
  private final AtomicBoolean busy = new AtomicBoolean();
  private final AtomicLong calls = new AtomicLong();
  // the fields below are used only by the thread holding the connection
  private final ByteBuf output = Unpooled.buffer(4096);
  private ByteBuf input = Unpooled.buffer(INITIAL);
  private ReplyDecoder decoder;
  private Socket socket;
  private OutputStream out;
  private InputStream in;
  private int failures;
  private long retryAtNanos;
  private volatile boolean closed;

  /**
   * Prepares the connection; nothing is opened until the first call.
   *
   * @param config the store's settings: the server and the timeout of each call
   */
  DirectConnection(KtConfig config) {
    this.host = config.host();
    this.port = config.port();
    this.server = config.server();
    this.timeoutNanos = config.timeout().toNanos();
  }

  /**
   * Takes the connection for one call if no other thread holds it.
   *
   * @return {@code true} if the caller now holds it and must pass a request to {@link #call},
   *     which gives it back
   */
  boolean tryAcquire() {
    return !closed && busy.compareAndSet(false, true);
  }

  /**
   * Writes a request and reads its reply on the calling thread, which took the connection with
   * {@link #tryAcquire()}; gives the connection back, closed if the call failed.
   *
   * @param what the request, for messages, such as {@code "get_bulk of 3 keys"}
   * @param size the request's size in bytes
   * @param writer writes the request into the buffer it is given
   * @param startNanos when the call was made ({@link System#nanoTime()}): the reply must come
   *     within the store's timeout from then
   * @return the reply ({@link Reply.Error} is returned, not thrown), or {@code null} if the
   *     connection cannot be opened now: nothing was sent, the caller goes the pipelined way
   * @throws CacheTimeoutException if the reply does not come in time
   * @throws CacheConnectionException if the connection breaks
   * @throws CacheException if the server sends bytes that are not a binary-protocol reply
   */
  Reply call(String what, int size, Consumer<ByteBuf> writer, long startNanos) {
    boolean healthy = false;
    try {
      if (socket == null && !open()) {
        healthy = true;
        return null;
      }
      output.clear().ensureWritable(size);
      writer.accept(output);
      calls.incrementAndGet();
      out.write(output.array(), output.arrayOffset(), output.writerIndex());
      Reply reply = read(startNanos + timeoutNanos);
      healthy = true;
      return reply;
    } catch (SocketTimeoutException e) {
      throw new CacheTimeoutException(what + " on Kyoto Tycoon " + server + " timed out after "
          + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", e);
    } catch (IOException e) {
      throw new CacheConnectionException("the connection to Kyoto Tycoon " + server
          + " failed: " + e, e);
    } finally {
      if (!healthy) {
        closeSocket();
      }
      busy.set(false);
      if (closed && busy.compareAndSet(false, true)) {
        closeSocket(); // closed while this caller held it
      }
    }
  }

  /**
   * Returns how many requests were written on this connection, for tests.
   *
   * @return the count
   */
  long calls() {
    return calls.get();
  }

  private Reply read(long deadlineNanos) throws IOException {
    Reply reply;
    while ((reply = decoder.next(input)) == null) {
      fill(deadlineNanos);
    }
    if (input.isReadable()) {
      throw new CacheException("Kyoto Tycoon " + server + " sent more than the reply to one"
          + " request; the connection is out of step");
    }
    if (input.capacity() > RETAINED) {
      input = Unpooled.buffer(INITIAL);
    } else {
      input.clear();
    }
    return reply;
  }

  /** Reads what has arrived, waiting until the deadline at most. */
  private void fill(long deadlineNanos) throws IOException {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE,
        Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999))));
    input.discardReadBytes();
    input.ensureWritable(8192);
    int n = in.read(input.array(), input.arrayOffset() + input.writerIndex(),
        input.writableBytes());
    if (n < 0) {
      throw new EOFException("Kyoto Tycoon closed the connection");
    }
    input.writerIndex(input.writerIndex() + n);
  }

  /** Opens the socket unless the backoff after a failed attempt is still under way. */
  private boolean open() {
    if (failures > 0 && System.nanoTime() - retryAtNanos < 0) {
      return false;
    }
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setKeepAlive(true);
      s.connect(new InetSocketAddress(host, port),
          (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(
              timeoutNanos))));
      out = s.getOutputStream();
      in = s.getInputStream();
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, () -> "direct connection to Kyoto Tycoon " + server + ": " + e);
      try {
        s.close();
      } catch (IOException ignored) {
        // it never opened
      }
      failures++;
      retryAtNanos = System.nanoTime() + Backoff.defaults().delay(Math.min(failures, 30))
          .toNanos();
      return false;
    }
    failures = 0;
    socket = s;
    decoder = new ReplyDecoder();
    input.clear();
    return true;
  }

  private void closeSocket() {
    Socket s = socket;
    socket = null;
    out = null;
    in = null;
    decoder = null;
    input.clear();
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing after a failure or for good: nothing more to do
      }
    }
  }

  /** Closes the connection for good; a caller holding it closes it when done. Idempotent. */
  @Override
  public void close() {
    closed = true;
    if (busy.compareAndSet(false, true)) {
      closeSocket();
    }
  }

  @Override
  public String toString() {
    return "direct connection to Kyoto Tycoon " + server;
  }
}
