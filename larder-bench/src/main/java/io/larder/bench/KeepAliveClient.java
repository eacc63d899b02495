package io.larder.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A load generator for one URL: {@code GET} over HTTP/1.1 keep-alive connections on plain
 * sockets, each request on a connection of its own at the time, so {@code n} threads keep
 * {@code n} connections busy. It is much lighter than {@code java.net.http}, so on a small
 * machine the client's own cost does not decide the result.
 *
 * <p>Every response must be {@code 200}, carry the required header if one is given, and have a
 * {@code Content-Length} body that the given {@link Expect} accepts, or {@link #get()} throws:
 * an error page cannot pass for speed. It
 * speaks only what the benchmark needs: no chunked bodies, no redirects, no TLS.
 */
final class KeepAliveClient implements AutoCloseable {
  private static final int TIMEOUT_MILLIS = 30_000;

  /** What a response body must be. */
  @FunctionalInterface
  interface Expect {
    /** Tells whether the first {@code length} bytes of {@code body} are an acceptable body. */
    boolean accepts(byte[] body, int length);

    /** Accepts exactly these bytes. */
    static Expect exactly(byte[] expected) {
      byte[] copy = expected.clone();
      return (body, length) -> Arrays.equals(copy, 0, copy.length, body, 0, length);
    }
  }

  private final InetSocketAddress address;
  private final String target;
  private final byte[] request;
  private final String header; // for messages
  private final String headerName;
  private final String headerValue;
  private final Expect expect;
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
  private final Set<Connection> open = ConcurrentHashMap.newKeySet();

  /**
   * Creates a client for one URL; connections open as requests need them.
   *
   * @param url an {@code http://host:port/path} URL
   * @param header a header every response must carry, as {@code "Name: value"} (the name in
   *     any case, the value exactly), or {@code null}
   * @param expect what each response body must be
   */
  KeepAliveClient(URI url, String header, Expect expect) {
    if (!"http".equals(url.getScheme()) || url.getPort() < 0) {
      throw new IllegalArgumentException("need an http://host:port/... URL, got " + url);
    }
    this.address = new InetSocketAddress(url.getHost(), url.getPort());
    this.target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    this.request = ("GET " + target + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    this.header = header;
    int colon = header == null ? -1 : header.indexOf(':');
    if (header != null && colon < 1) {
      throw new IllegalArgumentException("a header is 'Name: value', got '" + header + "'");
    }
    this.headerName = header == null ? null : header.substring(0, colon).trim();
    this.headerValue = header == null ? null : header.substring(colon + 1).trim();
    this.expect = expect;
  }

  /**
   * Sends one request and reads and checks its response.
   *
   * @throws IOException if the connection fails
   * @throws IllegalStateException if the response is not a {@code 200} with the expected body
   */
  void get() throws IOException {
    send(request, target);
  }

  /**
   * Sends one request for another path of the same server and reads and checks its response
   * as {@link #get()} does.
   *
   * @param pathAndQuery the request target, as sent: {@code /p/12?utm_source=x}
   * @throws IOException if the connection fails
   * @throws IllegalStateException if the response is not a {@code 200} with the expected body
   */
  void get(String pathAndQuery) throws IOException {
    send(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + address.getHostString() + ":"
        + address.getPort() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), pathAndQuery);
  }

  private void send(byte[] request, String target) throws IOException {
    Connection c = idle.pollFirst();
    if (c == null) {
      c = new Connection();
    }
    boolean reusable = false;
    try {
      reusable = c.exchange(request, target);
    } finally {
      if (reusable) {
        idle.offerFirst(c);
      } else {
        c.close();
      }
    }
  }

  /** Closes every connection, idle or not. */
  @Override
  public void close() {
    for (Connection c : open) {
      c.close();
    }
    idle.clear();
  }

  /** One keep-alive connection with its read buffers. */
  private final class Connection {
    private final Socket socket = new Socket();
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buffer = new byte[16_384]; // unsynchronized, unlike BufferedInputStream
    private int position;
    private int limit;
    private byte[] body = new byte[16_384];

    Connection() throws IOException {
      open.add(this);
      try {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.connect(address, TIMEOUT_MILLIS);
        in = socket.getInputStream();
        out = socket.getOutputStream();
      } catch (IOException | RuntimeException e) {
        close();
        throw e;
      }
    }

    /** Sends the request, reads the response; returns whether the connection stays open. */
    boolean exchange(byte[] request, String target) throws IOException {
      out.write(request);
      out.flush();
      String status = readLine();
      if (!status.startsWith("HTTP/1.1 ")) {
        throw new IOException("GET " + target + ": not an HTTP/1.1 response: '" + status + "'");
      }
      int code = Integer.parseInt(status.substring(9, 12));
      long contentLength = -1;
      boolean keepAlive = true;
      boolean required = header == null;
      for (String line = readLine(); !line.isEmpty(); line = readLine()) {
        int colon = line.indexOf(':');
        String name = colon < 0 ? line : line.substring(0, colon).trim();
        String value = colon < 0 ? "" : line.substring(colon + 1).trim();
        required = required || name.equalsIgnoreCase(headerName) && value.equals(headerValue);
        if (name.equalsIgnoreCase("Content-Length")) {
          contentLength = Long.parseLong(value);
        } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
          throw new IOException("GET " + target + ": a " + value + " body; only Content-Length"
              + " bodies are read");
        } else if (name.equalsIgnoreCase("Connection")
            && value.toLowerCase(Locale.ROOT).contains("close")) {
          keepAlive = false;
        }
      }
      if (code != 200 || !required) {
        throw new IllegalStateException("GET " + target + " answered " + status.substring(9)
            + (required ? "" : " without the header '" + header + "'"));
      }
      if (contentLength < 0 || contentLength > 64 << 20) {
        throw new IOException("GET " + target + ": Content-Length " + contentLength);
      }
      int length = (int) contentLength;
      if (body.length < length) {
        body = new byte[length];
      }
      int buffered = Math.min(length, limit - position);
      System.arraycopy(buffer, position, body, 0, buffered);
      position += buffered;
      if (in.readNBytes(body, buffered, length - buffered) != length - buffered) {
        throw new IOException("GET " + target + ": the connection closed inside the body");
      }
      if (!expect.accepts(body, length)) {
        throw new IllegalStateException("GET " + target + " answered " + length
            + " bytes that are not the expected body");
      }
      return keepAlive;
    }

    /** Reads a line ending in CRLF, without it. */
    private String readLine() throws IOException {
      int start = position;
      while (true) {
        for (int i = start; i < limit; i++) {
          if (buffer[i] == '\n') {
            int end = i > position && buffer[i - 1] == '\r' ? i - 1 : i;
            String text =
                new String(buffer, position, end - position, StandardCharsets.ISO_8859_1);
            position = i + 1;
            return text;
          }
        }
        start = limit - position;
        if (position > 0) { // keep the partial line at the start of the buffer
          System.arraycopy(buffer, position, buffer, 0, start);
          limit = start;
          position = 0;
        }
        if (limit == buffer.length) {
          throw new IOException("GET " + target + ": a header line over " + buffer.length
              + " bytes");
        }
        int read = in.read(buffer, limit, buffer.length - limit);
        if (read < 0) {
          throw new IOException("GET " + target + ": the server closed the connection");
        }
        limit += read;
      }
    }

    void close() {
      open.remove(this);
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing: nothing to do about it
      }
    }
  }
}
