package io.larder.kyototycoon.internal;

import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Kyoto Tycoon's HTTP RPC over a small pool of keep-alive connections: each call takes a
 * connection, sends {@code POST /rpc/<name>} with a TSV body, reads the reply on the calling
 * thread and gives the connection back. HTTP/1.1 requests are not pipelined, so calls in
 * flight at once need connections of their own; up to {@link #MAX_CONNECTIONS} are opened,
 * and a call finding all of them busy waits for one within its timeout.
 *
 * <p>Every call is bounded by the timeout, from taking a connection to the last byte of the
 * reply. A connection that fails or times out is closed, never reused. One idle for
 * {@link #MAX_IDLE_NANOS} is closed before the server's own idle timeout (30 s by default)
 * would. A kept-alive connection that ends or is reset before the first byte of the reply is
 * taken as one the server had closed meanwhile (after a restart, say): the idle connections
 * are dropped and the call is sent once more on a fresh one; a call on a fresh connection is
 * never repeated.
 */
final class RpcClient implements AutoCloseable {
  /** The most connections opened at once. */
  static final int MAX_CONNECTIONS = 16;
  /** How long an idle connection is kept: 20 s. */
  static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(20);
  private static final int MAX_HEADER_LINE = 8192;

  private final String host;
  private final int port;
  private final String server;
  private final long timeoutNanos;
  private final Semaphore permits = new Semaphore(MAX_CONNECTIONS);
  private final ArrayDeque<Conn> idle = new ArrayDeque<>();
  private boolean closed;

  /**
   * Prepares the pool; connections open on demand.
   *
   * @param config the store's settings
   */
  RpcClient(KtConfig config) {
    this.host = config.host();
    this.port = config.port();
    this.server = config.server();
    this.timeoutNanos = config.timeout().toNanos();
  }

  /**
   * A reply: its HTTP status and its TSV rows.
   *
   * @param status 200 for success, 450 when the call did its work but its condition failed
   *     (for example an {@code add} on a present key)
   * @param rows the name and value pairs of the body
   */
  record Response(int status, List<byte[][]> rows) {
    /**
     * Returns the value of the first row with a name.
     *
     * @param name the name
     * @return the value, or {@code null} if no row has it
     */
    byte[] value(String name) {
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      for (byte[][] row : rows) {
        if (Arrays.equals(row[0], n)) {
          return row[1];
        }
      }
      return null;
    }

    /**
     * Returns the value of the first row with a name as text.
     *
     * @param name the name
     * @return the value in UTF-8, or {@code null}
     */
    String text(String name) {
      byte[] v = value(name);
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }
  }

  /**
   * Calls a procedure.
   *
   * @param procedure the name after {@code /rpc/}, such as {@code "cas"}
   * @param params the input rows; a row with a {@code null} value is left out
   * @return the reply if its status is 200 or 450
   * @throws CacheTimeoutException if the call does not complete in time, or the server
   *     answers 503
   * @throws CacheConnectionException if the server cannot be reached or the connection breaks
   * @throws CacheException if the server answers another status (its {@code ERROR} is in
   *     the message) or something that is not TSV-RPC
   */
  Response call(String procedure, List<byte[][]> params) {
    long deadline = System.nanoTime() + timeoutNanos;
    byte[] request = request(procedure, params);
    String what = "/rpc/" + procedure;
    acquire(what, deadline);
    try {
      for (int attempt = 0; ; attempt++) {
        Conn conn = idleConnection();
        boolean reused = conn != null;
        if (conn == null) {
          conn = connect(what, deadline);
        }
        Raw r;
        try {
          r = conn.exchange(request, deadline);
        } catch (StaleConnection e) {
          conn.close();
          closeIdle(); // kept alive alongside it, they are most likely closed as well
          if (!reused || attempt > 0) {
            throw new CacheConnectionException("Kyoto Tycoon " + server
                + " closed the connection before answering " + what, e.getCause());
          }
          continue;
        } catch (SocketTimeoutException e) {
          conn.close();
          throw new CacheTimeoutException(what + " on Kyoto Tycoon " + server + " timed out after "
              + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", e);
        } catch (IOException e) {
          conn.close();
          throw new CacheConnectionException(
              what + " on Kyoto Tycoon " + server + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
          conn.close();
          throw e;
        }
        if (r.reusable()) {
          release(conn);
        } else {
          conn.close();
        }
        return check(what, r.status(), r.contentType(), r.body());
      }
    } finally {
      permits.release();
    }
  }

  private Response check(String what, int status, String contentType, byte[] body) {
    List<byte[][]> rows;
    try {
      rows = Tsv.decode(body, Tsv.encoding(contentType, body.length));
    } catch (CacheException e) {
      if (status == 200 || status == 450) {
        throw new CacheException(what + ": " + e.getMessage(), e);
      }
      rows = List.of(); // an error with an odd body: report the status alone
    }
    Response response = new Response(status, rows);
    if (status == 200 || status == 450) {
      return response;
    }
    byte[] error = response.value("ERROR");
    String message = what + " on Kyoto Tycoon " + server + " answered " + status
        + (error == null ? "" : ": " + Tsv.printable(error));
    if (status == 503) {
      throw new CacheTimeoutException(message);
    }
    throw new CacheException(message);
  }

  private byte[] request(String procedure, List<byte[][]> params) {
    List<byte[][]> rows = params.stream().filter(r -> r[1] != null).toList();
    byte[] body = Tsv.encode(rows);
    String head = "POST /rpc/" + procedure + " HTTP/1.1\r\n"
        + "Host: " + server + "\r\n"
        + "Content-Type: " + Tsv.REQUEST_CONTENT_TYPE + "\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[h.length + body.length];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(body, 0, out, h.length, body.length);
    return out;
  }

  private void acquire(String what, long deadline) {
    try {
      if (!permits.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new CacheTimeoutException(what + " on Kyoto Tycoon " + server + " waited "
            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms for one of "
            + MAX_CONNECTIONS + " busy connections");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheException(what + " on Kyoto Tycoon " + server + " interrupted", e);
    }
  }

  private Conn idleConnection() {
    long now = System.nanoTime();
    while (true) {
      Conn c;
      synchronized (idle) {
        c = idle.pollLast();
      }
      if (c == null) {
        return null;
      }
      if (now - c.idleSince < MAX_IDLE_NANOS) {
        return c;
      }
      c.close();
    }
  }

  private void closeIdle() {
    List<Conn> stale;
    synchronized (idle) {
      stale = List.copyOf(idle);
      idle.clear();
    }
    stale.forEach(Conn::close);
  }

  private void release(Conn c) {
    c.idleSince = System.nanoTime();
    synchronized (idle) {
      if (!closed) {
        idle.addLast(c);
        return;
      }
    }
    c.close();
  }

  private Conn connect(String what, long deadline) {
    synchronized (idle) {
      if (closed) {
        throw new CacheConnectionException("the Kyoto Tycoon store for " + server + " is closed");
      }
    }
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      socket.connect(new InetSocketAddress(host, port), remainingMillis(deadline));
      return new Conn(socket);
    } catch (SocketTimeoutException e) {
      closeQuietly(socket);
      throw new CacheTimeoutException("connecting to Kyoto Tycoon " + server + " for " + what
          + " timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", e);
    } catch (IOException | IllegalArgumentException e) {
      closeQuietly(socket);
      throw new CacheConnectionException(
          "cannot connect to Kyoto Tycoon " + server + " for " + what + ": " + e.getMessage(), e);
    }
  }

  private static int remainingMillis(long deadline) throws SocketTimeoutException {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (left <= 0) {
      throw new SocketTimeoutException("no time left");
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing more to release
    }
  }

  /** Closes every idle connection; calls under way finish and close theirs. Idempotent. */
  @Override
  public void close() {
    synchronized (idle) {
      closed = true;
      for (Conn c : idle) {
        c.close();
      }
      idle.clear();
    }
  }

  /** The server closed a kept-alive connection before answering: the request was not read. */
  private static final class StaleConnection extends IOException {
    private static final long serialVersionUID = 1L;

    StaleConnection(IOException cause) {
      super(cause);
    }
  }

  /** What {@link Conn#exchange} read. */
  private record Raw(int status, String contentType, byte[] body, boolean reusable) {}

  /** One keep-alive connection. */
  private static final class Conn {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    long idleSince;

    Conn(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      this.out = socket.getOutputStream();
    }

    Raw exchange(byte[] request, long deadline) throws IOException {
      int first;
      try {
        socket.setSoTimeout(remainingMillis(deadline));
        out.write(request);
        out.flush();
        socket.setSoTimeout(remainingMillis(deadline));
        first = in.read();
      } catch (SocketTimeoutException e) {
        throw e;
      } catch (IOException e) {
        throw new StaleConnection(e); // reset before a byte of the reply: not read either
      }
      if (first < 0) {
        throw new StaleConnection(new EOFException("closed before the reply"));
      }
      String statusLine = line(first);
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new CacheException("Kyoto Tycoon answered '" + statusLine + "', not HTTP");
      }
      int status;
      try {
        status = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new CacheException("Kyoto Tycoon answered '" + statusLine + "', not HTTP", e);
      }
      boolean reusable = parts[0].equals("HTTP/1.1");
      long length = -1;
      String contentType = null;
      while (true) {
        socket.setSoTimeout(remainingMillis(deadline));
        String header = line(in.read());
        if (header.isEmpty()) {
          break;
        }
        int colon = header.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = header.substring(colon + 1).trim();
        switch (name) {
          case "content-length":
            try {
              length = Long.parseLong(value);
            } catch (NumberFormatException e) {
              throw new CacheException("Kyoto Tycoon answered Content-Length '" + value + "'", e);
            }
            break;
          case "content-type":
            contentType = value;
            break;
          case "connection":
            if (value.equalsIgnoreCase("close")) {
              reusable = false;
            } else if (value.equalsIgnoreCase("keep-alive")) {
              reusable = true;
            }
            break;
          case "transfer-encoding":
            throw new CacheException("Kyoto Tycoon answered with Transfer-Encoding '" + value
                + "'; only Content-Length is supported");
          default:
            break;
        }
      }
      if (length < 0 || length > Integer.MAX_VALUE - 8) {
        throw new CacheException("Kyoto Tycoon answered without a usable Content-Length ("
            + length + ")");
      }
      byte[] body = new byte[(int) length];
      int read = 0;
      while (read < body.length) {
        socket.setSoTimeout(remainingMillis(deadline));
        int n = in.read(body, read, body.length - read);
        if (n < 0) {
          throw new EOFException("the reply ended after " + read + " of " + length + " bytes");
        }
        read += n;
      }
      return new Raw(status, contentType, body, reusable);
    }

    /** Reads a header line that starts with {@code first}, without its CRLF. */
    private String line(int first) throws IOException {
      StringBuilder sb = new StringBuilder();
      int c = first;
      while (true) {
        if (c < 0) {
          throw new EOFException("the reply ended inside its headers");
        }
        if (c == '\n') {
          int len = sb.length();
          if (len > 0 && sb.charAt(len - 1) == '\r') {
            sb.setLength(len - 1);
          }
          return sb.toString();
        }
        if (sb.length() >= MAX_HEADER_LINE) {
          throw new CacheException("Kyoto Tycoon sent a header line over " + MAX_HEADER_LINE
              + " bytes");
        }
        sb.append((char) c);
        c = in.read();
      }
    }

    void close() {
      closeQuietly(socket);
    }
  }
}
