package io.larder.example;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Holds a page's body back until the request is done, so that {@link RequestLog} can put the
 * HIT/MISS badge into it: the badge is added outside the page cache, so a page served from
 * the cache says HIT although the stored copy was rendered by a MISS. Headers and status go
 * straight through; the length is set when the body is written.
 */
final class BadgedResponse extends HttpServletResponseWrapper {
  /** Where a page wants its badge; {@code layout.peb} writes it. */
  static final String MARKER = "<!--larder-badge-->";
  private static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.US_ASCII);

  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private ServletOutputStream stream;
  private PrintWriter writer;
  private boolean passedOn;

  BadgedResponse(HttpServletResponse response) {
    super(response);
  }

  @Override
  public ServletOutputStream getOutputStream() {
    if (writer != null) {
      throw new IllegalStateException("getWriter() was called already");
    }
    if (stream == null) {
      stream = new ServletOutputStream() {
        @Override
        public void write(int b) {
          body.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          body.write(b, off, len);
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
          throw new UnsupportedOperationException("the example answers synchronously");
        }
      };
    }
    return stream;
  }

  @Override
  public PrintWriter getWriter() {
    if (stream != null) {
      throw new IllegalStateException("getOutputStream() was called already");
    }
    if (writer == null) {
      writer = new PrintWriter(new OutputStreamWriter(body, charset()), false);
    }
    return writer;
  }

  private Charset charset() {
    String name = getCharacterEncoding();
    return name == null ? StandardCharsets.ISO_8859_1 : Charset.forName(name);
  }

  // the length is the badged body's, set in finish()
  @Override
  public void setContentLength(int len) {}

  @Override
  public void setContentLengthLong(long len) {}

  @Override
  public void setHeader(String name, String value) {
    if (!"Content-Length".equalsIgnoreCase(name)) {
      super.setHeader(name, value);
    }
  }

  @Override
  public void addHeader(String name, String value) {
    if (!"Content-Length".equalsIgnoreCase(name)) {
      super.addHeader(name, value);
    }
  }

  @Override
  public void setIntHeader(String name, int value) {
    if (!"Content-Length".equalsIgnoreCase(name)) {
      super.setIntHeader(name, value);
    }
  }

  @Override
  public void flushBuffer() {
    if (writer != null) {
      writer.flush();
    }
  }

  @Override
  public void resetBuffer() {
    super.resetBuffer();
    if (writer != null) {
      writer.flush();
    }
    body.reset();
  }

  @Override
  public void reset() {
    super.reset();
    if (writer != null) {
      writer.flush();
    }
    body.reset();
  }

  @Override
  public void sendError(int sc, String msg) throws IOException {
    passedOn = true;
    super.sendError(sc, msg);
  }

  @Override
  public void sendError(int sc) throws IOException {
    passedOn = true;
    super.sendError(sc);
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    passedOn = true;
    super.sendRedirect(location);
  }

  /**
   * Writes the held body to the real response, with {@code badge} in place of the marker
   * when the body is HTML that has one.
   */
  void finish(String badge) throws IOException {
    if (passedOn || getResponse().isCommitted()) {
      return; // an error page or a redirect, written by the container
    }
    if (writer != null) {
      writer.flush();
    }
    byte[] bytes = body.toByteArray();
    String type = getContentType();
    int at = badge != null && type != null && type.startsWith("text/html") ? indexOf(bytes) : -1;
    if (at >= 0) {
      // the marker is ASCII, so its bytes are the same in UTF-8 and ISO-8859-1: no decoding
      byte[] inserted = badge.getBytes(charset());
      getResponse().setContentLength(bytes.length - MARKER_BYTES.length + inserted.length);
      ServletOutputStream out = getResponse().getOutputStream();
      out.write(bytes, 0, at);
      out.write(inserted);
      int rest = at + MARKER_BYTES.length;
      out.write(bytes, rest, bytes.length - rest);
      return;
    }
    if (bytes.length > 0) {
      getResponse().setContentLength(bytes.length);
      getResponse().getOutputStream().write(bytes);
    }
  }

  /** Where the marker starts in {@code bytes}, or -1. */
  static int indexOf(byte[] bytes) {
    byte first = MARKER_BYTES[0];
    outer:
    for (int i = 0, last = bytes.length - MARKER_BYTES.length; i <= last; i++) {
      if (bytes[i] != first) {
        continue;
      }
      for (int j = 1; j < MARKER_BYTES.length; j++) {
        if (bytes[i + j] != MARKER_BYTES[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
