package io.larder.redis.internal;

import io.larder.spi.Backoff;
import io.larder.spi.HostPort;
import io.lettuce.core.RedisCommandExecutionException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A blocking connection to one Redis server, for the single-key call of a thread that finds
 * it free: the command is written and its reply read on the caller's own thread, with no
 * hand-over to Lettuce's event loop and back (two thread wake-ups per call, which are what a
 * lone call spends most of its time on when the machine is busy). A thread that finds it taken
 * uses the merged path ({@link Merger}) instead, so it never makes a caller wait for another.
 *
 * <p>It speaks only what it needs of RESP2: commands as arrays of bulk strings, one or a
 * pipeline in one write; simple-string, error, integer, bulk and array replies. Plain TCP to a single server only (TLS and Cluster go
 * through Lettuce). A call that fails on the socket (a timeout, a reset, a reply it cannot
 * read) closes it, since a late reply would otherwise answer the next call; the connection is
 * opened again in the background after a backoff, and calls use the merged path meanwhile. An
 * error reply ({@code WRONGTYPE}) leaves it open.
 */
final class DirectConnection {
  private static final byte[] CRLF = {'\r', '\n'};

  private final HostPort server;
  private final RedisConfig config;
  private final Executor background;
  private final Backoff backoff = Backoff.defaults();
  private final ReentrantLock lock = new ReentrantLock();
  private final byte[] buffer = new byte[16384];
  private final byte[] inBuffer = new byte[16384];
  /** The next unread byte of {@link #inBuffer}, and the end of what was read into it. */
  private int inPos;
  private int inLimit;
  /** Bytes of {@link #buffer} written and not yet sent. */
  private int pending;
  private Socket socket;
  private OutputStream out;
  private InputStream in;
  private int failures;
  private boolean reconnecting;
  private volatile boolean closed;

  /**
   * Creates the connection; it connects on {@link #connect()} or in the background.
   *
   * @param config the store's settings: user, password, database, timeouts
   * @param background runs reconnection attempts (after a backoff, never on a caller's thread)
   */
  DirectConnection(RedisConfig config, Executor background) {
    this.server = config.hosts().get(0);
    this.config = config;
    this.background = background;
  }

  /**
   * Connects now, or, if that fails, later in the background.
   */
  void connect() {
    lock.lock();
    try {
      open();
    } catch (IOException | RuntimeException e) {
      dropped();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes the connection for one call if no other thread holds it and it is connected.
   *
   * @return {@code true} if the caller now holds it and must {@link #release()} it
   */
  boolean tryAcquire() {
    if (!lock.tryLock()) {
      return false;
    }
    if (socket == null || closed) {
      lock.unlock();
      return false;
    }
    return true;
  }

  /** Gives the connection back after {@link #tryAcquire()}. */
  void release() {
    lock.unlock();
  }

  /**
   * Sends one command and reads its reply, holding the connection.
   *
   * @param timeout how long to wait for the reply
   * @param args the command and its arguments
   * @return the reply: {@code String} for a simple string, {@code Long} for an integer,
   *     {@code byte[]} or {@code null} for a bulk string, a {@code List} for an array
   * @throws RedisCommandExecutionException if the server answers with an error
   * @throws IOException if the socket fails or the reply is late; the connection is then closed
   */
  Object call(Duration timeout, byte[]... args) throws IOException {
    return pipeline(timeout, List.<byte[][]>of(args)).get(0);
  }

  /**
   * Sends commands in one write and reads their replies, holding the connection.
   *
   * @param timeout how long to wait for the replies
   * @param commands each command and its arguments
   * @return the replies, in order, as {@link #call} returns them
   * @throws RedisCommandExecutionException if the server answers a command with an error (the
   *     first such error, once every reply is read)
   * @throws IOException if the socket fails or a reply is late; the connection is then closed
   */
  List<Object> pipeline(Duration timeout, List<byte[][]> commands) throws IOException {
    try {
      socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
      for (byte[][] command : commands) {
        write(command);
      }
      send();
      List<Object> replies = new ArrayList<>(commands.size());
      RedisCommandExecutionException error = null;
      for (int i = 0; i < commands.size(); i++) {
        Object reply = read();
        if (reply instanceof RedisCommandExecutionException e && error == null) {
          error = e;
        }
        replies.add(reply);
      }
      if (error != null) {
        throw error;
      }
      return replies;
    } catch (IOException | RuntimeException e) {
      if (!(e instanceof RedisCommandExecutionException)) {
        dropped();
      }
      throw e;
    }
  }

  /** Closes the socket; no reconnection follows. */
  void close() {
    closed = true;
    lock.lock();
    try {
      closeSocket();
    } finally {
      lock.unlock();
    }
  }

  // ---- connecting --------------------------------------------------------------------------

  private void open() throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setKeepAlive(true);
      s.connect(new InetSocketAddress(server.host(), server.port()),
          (int) config.connectTimeout().toMillis());
      socket = s;
      out = s.getOutputStream();
      in = s.getInputStream();
      inPos = 0;
      inLimit = 0;
      Duration handshake = config.connectTimeout();
      s.setSoTimeout((int) handshake.toMillis());
      int replies = 0;
      if (config.password() != null) {
        byte[] password = config.password().getBytes(StandardCharsets.UTF_8);
        write(config.user() == null ? new byte[][] {ascii("AUTH"), password}
            : new byte[][] {ascii("AUTH"), config.user().getBytes(StandardCharsets.UTF_8),
                password});
        replies++;
      }
      if (config.database() != 0) {
        write(ascii("SELECT"), ascii(Integer.toString(config.database())));
        replies++;
      }
      write(ascii("CLIENT"), ascii("SETNAME"), ascii("larder"));
      replies++;
      send();
      for (int i = 0; i < replies; i++) {
        if (read() instanceof RedisCommandExecutionException e) {
          throw new IOException("the handshake failed: " + e.getMessage());
        }
      }
      failures = 0;
    } catch (IOException | RuntimeException e) {
      socket = s;
      closeSocket();
      throw e;
    }
  }

  /** After a failure: closes the socket and tries again in the background after a backoff. */
  private void dropped() {
    closeSocket();
    if (closed || reconnecting) {
      return;
    }
    reconnecting = true;
    long delay = backoff.delay(Math.min(++failures, 30)).toNanos();
    Executor later = java.util.concurrent.CompletableFuture.delayedExecutor(delay,
        TimeUnit.NANOSECONDS, background);
    later.execute(() -> {
      lock.lock();
      try {
        reconnecting = false;
        if (!closed && socket == null) {
          open();
        }
      } catch (IOException | RuntimeException e) {
        dropped();
      } finally {
        lock.unlock();
      }
    });
  }

  private void closeSocket() {
    Socket s = socket;
    socket = null;
    pending = 0;
    inPos = 0;
    inLimit = 0;
    out = null;
    in = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing after a failure: nothing more to do
      }
    }
  }

  // ---- RESP2 -------------------------------------------------------------------------------

  private void write(byte[]... args) throws IOException {
    // commands gather in the buffer, sent when it is full (a large value goes out on its own)
    // and by send(): a pipeline leaves in one write
    int n = pending;
    n = put(n, '*');
    n = putDecimal(n, args.length);
    for (byte[] a : args) {
      n = put(n, '$');
      n = putDecimal(n, a.length);
      if (n + a.length + 2 > buffer.length) {
        out.write(buffer, 0, n);
        n = 0;
        out.write(a);
      } else {
        System.arraycopy(a, 0, buffer, n, a.length);
        n += a.length;
      }
      n = put(n, '\r');
      n = put(n, '\n');
    }
    pending = n;
  }

  /** Sends the commands written so far. */
  private void send() throws IOException {
    out.write(buffer, 0, pending);
    pending = 0;
    out.flush();
  }

  private int put(int n, int b) throws IOException {
    if (n == buffer.length) {
      out.write(buffer, 0, n);
      n = 0;
    }
    buffer[n] = (byte) b;
    return n + 1;
  }

  private int putDecimal(int n, long value) throws IOException {
    for (byte b : Long.toString(value).getBytes(StandardCharsets.US_ASCII)) {
      n = put(n, b);
    }
    n = put(n, '\r');
    return put(n, '\n');
  }

  /** Reads one reply; an error reply is returned (not thrown) as the exception to throw. */
  private Object read() throws IOException {
    int type = readByte();
    switch (type) {
      case '+':
        return line();
      case '-':
        return new RedisCommandExecutionException(line());
      case ':':
        return number();
      case '$': {
        long length = number();
        if (length < 0) {
          return null;
        }
        if (length > Integer.MAX_VALUE - 8) {
          throw new IOException("a reply of " + length + " bytes");
        }
        byte[] value = bulk((int) length);
        if (readByte() != '\r' || readByte() != '\n') {
          throw new IOException("a bulk reply without CR LF");
        }
        return value;
      }
      case '*': {
        long count = number();
        if (count < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>((int) Math.min(count, 1024));
        for (long i = 0; i < count; i++) {
          items.add(read());
        }
        return items;
      }
      default:
        throw new IOException("unexpected reply type '" + (char) type + "'");
    }
  }

  // Replies are parsed from our own buffer: no per-byte lock (BufferedInputStream.read() is
  // synchronized), no String per length line; a value is copied once, from the buffer or the
  // socket straight into its array.

  private int readByte() throws IOException {
    if (inPos == inLimit) {
      fill();
    }
    return inBuffer[inPos++] & 0xFF;
  }

  private void fill() throws IOException {
    int n = in.read(inBuffer, 0, inBuffer.length);
    if (n < 0) {
      throw new EOFException("the server closed the connection");
    }
    inPos = 0;
    inLimit = n;
  }

  /** A length or integer line: an optional minus sign, decimal digits, CR LF. */
  private long number() throws IOException {
    int c = readByte();
    boolean negative = c == '-';
    if (negative) {
      c = readByte();
    }
    long n = 0;
    int digits = 0;
    try {
      while (c != '\r') {
        if (c < '0' || c > '9') {
          throw new IOException("a reply length or integer that is no number");
        }
        n = Math.addExact(Math.multiplyExact(n, 10), c - '0');
        digits++;
        c = readByte();
      }
    } catch (ArithmeticException e) {
      throw new IOException("a reply integer beyond 64 bits", e);
    }
    if (digits == 0 || readByte() != '\n') {
      throw new IOException("a reply length or integer that is no number");
    }
    return negative ? -n : n;
  }

  /** The bytes of a bulk reply, from the buffer and then straight from the socket. */
  private byte[] bulk(int length) throws IOException {
    byte[] value = new byte[length];
    int have = Math.min(inLimit - inPos, length);
    System.arraycopy(inBuffer, inPos, value, 0, have);
    inPos += have;
    while (have < length) {
      int n = in.read(value, have, length - have);
      if (n < 0) {
        throw new EOFException("the connection closed in a reply");
      }
      have += n;
    }
    return value;
  }

  /** A simple-string or error line, as text. */
  private String line() throws IOException {
    int start = inPos;
    for (int i = start; i < inLimit; i++) {
      if (inBuffer[i] == '\r') {
        if (i + 1 == inLimit) {
          break; // LF not buffered yet: the slow way below
        }
        if (inBuffer[i + 1] != '\n') {
          throw new IOException("a reply line without LF");
        }
        inPos = i + 2;
        return i - start == 2 && inBuffer[start] == 'O' && inBuffer[start + 1] == 'K'
            ? "OK" : new String(inBuffer, start, i - start, StandardCharsets.UTF_8);
      }
    }
    java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
    for (int c = readByte(); c != '\r'; c = readByte()) {
      text.write(c);
    }
    if (readByte() != '\n') {
      throw new IOException("a reply line without LF");
    }
    return text.toString(StandardCharsets.UTF_8);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "DirectConnection[" + server + "]";
  }

  /** For tests: whether a socket is open now. */
  boolean connected() {
    lock.lock();
    try {
      return socket != null;
    } finally {
      lock.unlock();
    }
  }
}
