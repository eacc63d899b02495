package io.larder.kyototycoon.internal;

import io.larder.CacheException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The tab-separated values of Kyoto Tycoon's HTTP RPC (TSV-RPC), as pure functions.
 *
 * <p>A body is lines of {@code name TAB value LF}. When a column may hold a tab, a line
 * feed or another control byte, every column is encoded, and {@code Content-Type} says how:
 * {@code text/tab-separated-values; colenc=B} (Base64), {@code colenc=U} (URL encoding) or
 * {@code colenc=Q} (quoted-printable). Requests from this client always use Base64; a server
 * answers with whichever it finds shortest (raw when nothing needs encoding, URL encoding for
 * mostly ASCII, Base64 otherwise), whatever the request used, so replies are decoded by what
 * their {@code Content-Type} declares.
 */
final class Tsv {
  /** The media type of TSV-RPC bodies. */
  static final String MEDIA_TYPE = "text/tab-separated-values";
  /** The {@code Content-Type} of every request this client sends. */
  static final String REQUEST_CONTENT_TYPE = MEDIA_TYPE + "; colenc=B";

  private Tsv() {}

  /**
   * A column encoding declared by {@code colenc}.
   */
  enum Encoding {
    /** No {@code colenc}: columns are as they are. */
    RAW,
    /** {@code colenc=B}: Base64. */
    BASE64,
    /** {@code colenc=U}: URL encoding. */
    URL,
    /** {@code colenc=Q}: quoted-printable. */
    QUOTED_PRINTABLE
  }

  /**
   * Encodes rows as a request body: each column in Base64.
   *
   * @param rows name and value pairs; a {@code null} value is sent as an empty column
   * @return the body
   */
  static byte[] encode(List<byte[][]> rows) {
    Base64.Encoder base64 = Base64.getEncoder();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[][] row : rows) {
      out.writeBytes(base64.encode(row[0]));
      out.write('\t');
      if (row[1] != null) {
        out.writeBytes(base64.encode(row[1]));
      }
      out.write('\n');
    }
    return out.toByteArray();
  }

  /**
   * Reads the column encoding from a {@code Content-Type} header.
   *
   * @param contentType the header's value, or {@code null} if there was none
   * @param bodyLength the length of the body, for the message
   * @return the encoding; {@link Encoding#RAW} for a TSV type without {@code colenc}, and for
   *     no header at all when the body is empty
   * @throws CacheException if the type is not TSV, or the encoding is unknown
   */
  static Encoding encoding(String contentType, int bodyLength) {
    if (contentType == null) {
      if (bodyLength == 0) {
        return Encoding.RAW;
      }
      throw new CacheException("Kyoto Tycoon answered " + bodyLength
          + " bytes without a Content-Type");
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().equalsIgnoreCase(MEDIA_TYPE)) {
      throw new CacheException("Kyoto Tycoon answered Content-Type '" + contentType
          + "', expected " + MEDIA_TYPE);
    }
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      int eq = p.indexOf('=');
      if (eq < 0 || !p.substring(0, eq).trim().equalsIgnoreCase("colenc")) {
        continue;
      }
      String v = p.substring(eq + 1).trim();
      if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
        v = v.substring(1, v.length() - 1);
      }
      switch (v.toUpperCase(Locale.ROOT)) {
        case "B": return Encoding.BASE64;
        case "U": return Encoding.URL;
        case "Q": return Encoding.QUOTED_PRINTABLE;
        default:
          throw new CacheException("Kyoto Tycoon answered an unknown column encoding in"
              + " Content-Type '" + contentType + "'");
      }
    }
    return Encoding.RAW;
  }

  /**
   * Decodes a body into rows.
   *
   * @param body the body
   * @param encoding how its columns are encoded
   * @return name and value pairs in the order of the lines; a line without a tab has an
   *     empty value
   */
  static List<byte[][]> decode(byte[] body, Encoding encoding) {
    List<byte[][]> rows = new ArrayList<>();
    int start = 0;
    while (start < body.length) {
      int end = indexOf(body, (byte) '\n', start, body.length);
      int lineEnd = end;
      if (lineEnd > start && body[lineEnd - 1] == '\r') {
        lineEnd--; // encoded and raw columns never hold a raw CR, so it ends the line
      }
      if (lineEnd > start) {
        int tab = indexOf(body, (byte) '\t', start, lineEnd);
        byte[] name = column(body, start, tab, encoding);
        byte[] value = tab == lineEnd ? new byte[0] : column(body, tab + 1, lineEnd, encoding);
        rows.add(new byte[][] {name, value});
      }
      start = end + 1;
    }
    return rows;
  }

  private static int indexOf(byte[] b, byte c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return to;
  }

  private static byte[] column(byte[] b, int from, int to, Encoding encoding) {
    switch (encoding) {
      case BASE64:
        try {
          // the MIME decoder skips what is not Base64, as the server's decoder does
          return Base64.getMimeDecoder().decode(Arrays.copyOfRange(b, from, to));
        } catch (IllegalArgumentException e) {
          throw new CacheException("Kyoto Tycoon sent a column that is not Base64: "
              + e.getMessage(), e);
        }
      case URL:
        return urlDecode(b, from, to);
      case QUOTED_PRINTABLE:
        return quotedPrintableDecode(b, from, to);
      default:
        return Arrays.copyOfRange(b, from, to);
    }
  }

  /**
   * Decodes URL encoding as the server does: {@code %XX} is a byte, {@code +} a space,
   * control bytes and spaces are skipped.
   */
  static byte[] urlDecode(byte[] b, int from, int to) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
    for (int i = from; i < to; i++) {
      int c = b[i] & 0xFF;
      if (c == '%' && i + 2 < to && hex(b[i + 1]) >= 0 && hex(b[i + 2]) >= 0) {
        out.write(hex(b[i + 1]) << 4 | hex(b[i + 2]));
        i += 2;
      } else if (c == '+') {
        out.write(' ');
      } else if (c > ' ' && c != 0x7F) {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  /**
   * Decodes quoted-printable as the server does: {@code =XX} is a byte, {@code =} before a
   * line break is a soft break, control bytes are skipped.
   */
  static byte[] quotedPrintableDecode(byte[] b, int from, int to) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
    for (int i = from; i < to; i++) {
      int c = b[i] & 0xFF;
      if (c == '=') {
        if (i + 1 >= to) {
          break; // a lone '=' at the end says nothing, as in kc::quotedecode
        }
        if (b[i + 1] == '\r') {
          i += i + 2 < to && b[i + 2] == '\n' ? 2 : 1;
        } else if (b[i + 1] == '\n') {
          i++;
        } else if (i + 2 < to && hex(b[i + 1]) >= 0 && hex(b[i + 2]) >= 0) {
          out.write(hex(b[i + 1]) << 4 | hex(b[i + 2]));
          i += 2;
        } else {
          out.write(c);
        }
      } else if (c >= ' ' && c != 0x7F) {
        out.write(c);
      }
    }
    return out.toByteArray();
  }

  private static int hex(byte c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /**
   * Returns bytes as text for messages: UTF-8, control characters escaped.
   *
   * @param bytes the bytes
   * @return readable text
   */
  static String printable(byte[] bytes) {
    String s = new String(bytes, StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      out.append(c < ' ' || c == 0x7F ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return out.toString();
  }
}
