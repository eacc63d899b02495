package io.larder.web;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A response wrapper that holds the body back until the application is done, so the page
 * can be stored whole before it is sent. Headers and status go straight to the real
 * response (which stays uncommitted while nothing is written to it).
 *
 * <p>The body is captured whether the application writes through {@link #getOutputStream()}
 * or {@link #getWriter()}. The response switches to passing through — what was captured is
 * written out, later writes go straight to the client, and nothing is stored — when the
 * application commits it ({@link #flushBuffer()}, {@link #sendError}, {@link #sendRedirect}),
 * when the body grows past the size limit or a {@code Content-Length} announces that it will,
 * or when the filter asks (an async request). {@code flush()} on the stream or writer while
 * capturing is held back: templates flush when they finish, which must not stop the page
 * from being stored.
 */
final class CapturingResponse extends HttpServletResponseWrapper {
  private final long maxBytes;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private String passedReason;
  private boolean cookie;
  private Long declaredLength;
  private CaptureStream stream;
  private CaptureWriter captureWriter;
  private PrintWriter writer;
  private Charset writerCharset;

  CapturingResponse(HttpServletResponse response, long maxBytes) {
    super(response);
    this.maxBytes = maxBytes;
  }

  private HttpServletResponse real() {
    return (HttpServletResponse) getResponse();
  }

  /** Returns why the response was passed through, or {@code null} while it is captured. */
  String passedReason() {
    return passedReason;
  }

  /** Whether the application added a cookie through {@link #addCookie}. */
  boolean addedCookie() {
    return cookie;
  }

  /** Returns the captured body; only while capturing. */
  byte[] body() {
    if (passedReason != null) {
      throw new IllegalStateException("the response was passed through: " + passedReason);
    }
    if (captureWriter != null && captureWriter.hasPending) {
      // a high surrogate with no low half: what OutputStreamWriter would do at close
      captureWriter.hasPending = false;
      captured.writeBytes("?".getBytes(writerCharset));
    }
    return captured.toByteArray();
  }

  /** Returns the header fields set on the response so far. */
  List<Field> fields() {
    List<Field> fields = new ArrayList<>();
    for (String name : real().getHeaderNames()) {
      for (String value : real().getHeaders(name)) {
        fields.add(new Field(name, value));
      }
    }
    return fields;
  }

  /**
   * Stops capturing: writes out what was captured and lets later writes through.
   * Idempotent; the first reason is kept.
   */
  void passThrough(String reason) throws IOException {
    if (passedReason != null) {
      return;
    }
    passedReason = reason;
    if (declaredLength != null) {
      real().setContentLengthLong(declaredLength);
    }
    if (captureWriter != null) {
      // text goes on through the real writer, which an async thread may also be given
      captureWriter.passOn(captured.toString(writerCharset));
    } else if (captured.size() > 0) {
      real().getOutputStream().write(captured.toByteArray());
    }
    captured.reset();
  }

  /** Sends the captured body, with an entity tag if the application set none. */
  void sendCaptured(String etag) throws IOException {
    byte[] body = body();
    if (etag != null && real().getHeader("ETag") == null) {
      real().setHeader("ETag", etag);
    }
    real().setContentLength(body.length);
    passedReason = "sent";
    real().getOutputStream().write(body);
  }

  // ---- body ---------------------------------------------------------------------------------

  @Override
  public ServletOutputStream getOutputStream() {
    if (writer != null) {
      throw new IllegalStateException("getWriter() has already been called on this response");
    }
    if (stream == null) {
      stream = new CaptureStream();
    }
    return stream;
  }

  @Override
  public PrintWriter getWriter() throws IOException {
    if (stream != null) {
      throw new IllegalStateException("getOutputStream() has already been called on this response");
    }
    if (writer == null && passedReason != null) {
      return real().getWriter(); // not capturing any more: nothing to intercept
    }
    if (writer == null) {
      String encoding = getCharacterEncoding();
      writerCharset = charset(encoding);
      // as a real getWriter() does: the charset in use becomes part of the Content-Type
      real().setCharacterEncoding(writerCharset.name());
      captureWriter = new CaptureWriter(writerCharset);
      writer = new PrintWriter(captureWriter);
    }
    return writer;
  }

  private static Charset charset(String encoding) {
    if (encoding == null) {
      return StandardCharsets.ISO_8859_1;
    }
    try {
      return Charset.forName(encoding);
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      return StandardCharsets.ISO_8859_1;
    }
  }

  // once the writer exists its charset is fixed, as on a real response
  @Override
  public void setCharacterEncoding(String charset) {
    if (writer == null) {
      super.setCharacterEncoding(charset);
    }
  }

  @Override
  public void setContentType(String type) {
    super.setContentType(type);
    if (writer != null && type != null) {
      real().setCharacterEncoding(writerCharset.name());
    }
  }

  @Override
  public void setLocale(Locale locale) {
    super.setLocale(locale);
    if (writer != null) {
      real().setCharacterEncoding(writerCharset.name());
    }
  }

  @Override
  public void setContentLength(int len) {
    setContentLengthLong(len);
  }

  @Override
  public void setContentLengthLong(long len) {
    if (passedReason != null) {
      super.setContentLengthLong(len);
      return;
    }
    declaredLength = len < 0 ? null : len;
    if (len > maxBytes) {
      pass("Content-Length over the size limit");
    }
  }

  @Override
  public void setHeader(String name, String value) {
    if (name != null && name.equalsIgnoreCase("Content-Length")) {
      setContentLengthLong(value == null ? -1 : parseLength(value));
    } else {
      super.setHeader(name, value);
    }
  }

  @Override
  public void addHeader(String name, String value) {
    if (name != null && name.equalsIgnoreCase("Content-Length")) {
      setContentLengthLong(parseLength(value));
    } else {
      super.addHeader(name, value);
    }
  }

  @Override
  public void setIntHeader(String name, int value) {
    if (name != null && name.equalsIgnoreCase("Content-Length")) {
      setContentLengthLong(value);
    } else {
      super.setIntHeader(name, value);
    }
  }

  @Override
  public void addIntHeader(String name, int value) {
    if (name != null && name.equalsIgnoreCase("Content-Length")) {
      setContentLengthLong(value);
    } else {
      super.addIntHeader(name, value);
    }
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void addCookie(Cookie c) {
    cookie = true;
    super.addCookie(c);
  }

  // ---- commit -------------------------------------------------------------------------------

  @Override
  public void flushBuffer() throws IOException {
    if (writer != null) {
      writer.flush();
    }
    pass("flushBuffer");
    if (writer != null) {
      writer.flush(); // now through to the real writer
    }
    super.flushBuffer();
  }

  @Override
  public void sendError(int sc, String msg) throws IOException {
    discardAndPass("sendError");
    super.sendError(sc, msg);
  }

  @Override
  public void sendError(int sc) throws IOException {
    discardAndPass("sendError");
    super.sendError(sc);
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    discardAndPass("sendRedirect");
    super.sendRedirect(location);
  }

  private void discardAndPass(String reason) throws IOException {
    // sendError and sendRedirect clear the buffer: what was captured is dropped, not sent
    captured.reset();
    declaredLength = null;
    pass(reason);
  }

  private void pass(String reason) {
    try {
      passThrough(reason);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public boolean isCommitted() {
    return passedReason != null && super.isCommitted();
  }

  @Override
  public void reset() {
    if (passedReason != null) {
      super.reset();
      return;
    }
    super.reset(); // status and headers; throws if committed
    captured.reset();
    declaredLength = null;
    stream = null;
    captureWriter = null;
    writer = null;
    writerCharset = null;
    real().setHeader("X-Cache", "MISS");
  }

  @Override
  public void resetBuffer() {
    if (passedReason != null) {
      super.resetBuffer();
      return;
    }
    if (writer != null) {
      writer.flush();
    }
    captured.reset();
  }

  @Override
  public void setBufferSize(int size) {
    if (passedReason == null && captured.size() > 0) {
      throw new IllegalStateException("setBufferSize after content was written");
    }
    super.setBufferSize(size);
  }

  /**
   * The writer the application writes to: encodes each write straight into the captured
   * bytes (holding back at most the high half of a surrogate pair, so no buffer is left
   * unflushed), then, once passing through, hands characters to the real writer.
   */
  private final class CaptureWriter extends Writer {
    private final CharsetEncoder encoder;
    private Writer target;
    private char pendingHigh;
    private boolean hasPending;
    private boolean closed;

    CaptureWriter(Charset charset) {
      this.encoder = charset.newEncoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
    }

    /** The real writer, taken only when there is something to write to it. */
    private Writer target() throws IOException {
      if (target == null) {
        target = real().getWriter();
      }
      return target;
    }

    /** Sends what was captured (as text) through the real writer; later writes follow it. */
    void passOn(String text) throws IOException {
      if (!text.isEmpty()) {
        target().write(text);
      }
      if (hasPending) {
        hasPending = false;
        target().write(pendingHigh);
      }
    }

    @Override
    public void write(char[] cbuf, int off, int len) throws IOException {
      if (passedReason != null) {
        target().write(cbuf, off, len);
        return;
      }
      if (closed || len == 0) {
        return; // as a closed response writer drops what comes after
      }
      CharBuffer in;
      if (hasPending) {
        in = CharBuffer.allocate(len + 1);
        in.put(pendingHigh).put(cbuf, off, len).flip();
        hasPending = false;
      } else {
        in = CharBuffer.wrap(cbuf, off, len);
      }
      ByteBuffer out = ByteBuffer.allocate(
          (int) Math.ceil(in.remaining() * (double) encoder.maxBytesPerChar()) + 8);
      encoder.encode(in, out, false);
      captured.write(out.array(), 0, out.position());
      if (in.hasRemaining()) {
        // only an unpaired high surrogate is left: wait for its low half
        pendingHigh = in.get();
        hasPending = true;
      }
      if (captured.size() > maxBytes) {
        passThrough("body over the size limit");
      }
    }

    @Override
    public void flush() throws IOException {
      if (target != null) {
        target.flush();
      }
    }

    @Override
    public void close() throws IOException {
      if (passedReason != null) {
        target().close();
      }
      closed = true;
    }
  }

  /** The stream the application writes to: captured, or passed to the real response. */
  private final class CaptureStream extends ServletOutputStream {
    private boolean closed;

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (passedReason != null) {
        real().getOutputStream().write(b, off, len);
        return;
      }
      if (closed) {
        return; // as a closed response stream drops what comes after
      }
      captured.write(b, off, len);
      if (captured.size() > maxBytes) {
        passThrough("body over the size limit");
      }
    }

    @Override
    public void flush() throws IOException {
      if (passedReason != null) {
        real().getOutputStream().flush();
      }
    }

    @Override
    public void close() throws IOException {
      if (passedReason != null) {
        real().getOutputStream().close();
      }
      closed = true;
    }

    @Override
    public boolean isReady() {
      try {
        return passedReason == null || real().getOutputStream().isReady();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      // non-blocking output is for streams: let it through
      pass("non-blocking output");
      try {
        real().getOutputStream().setWriteListener(listener);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
