package io.larder;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The stored form of a value: the codec's bytes, plus a header only when one is needed.
 *
 * <p>Bytes that do not start with {@code 0xFF} are the codec's bytes as they are, so
 * counters stay plain decimal text that servers can increment, and strings stay readable in
 * {@code redis-cli}. {@code 0xFF} never occurs in UTF-8 or decimal text. Otherwise the
 * layout is {@code 0xFF flags [keyLength keyBytes] payload}, where {@code flags} has
 * <ul>
 *   <li>bit 0: the payload is deflated;</li>
 *   <li>bit 1: a key check follows: a varint length and the UTF-8 logical key, present when
 *       the key was hashed to fit the store, so that two keys whose hashes collided can never
 *       read each other's value.</li>
 * </ul>
 * A codec payload that itself starts with {@code 0xFF} is escaped with {@code flags = 0}.
 * Unknown flag bits make the bytes undecodable (a miss), never a wrong value.
 */
final class Envelope {
  static final int MARK = 0xFF;
  static final int DEFLATED = 1;
  static final int KEY_CHECK = 2;
  private static final int KNOWN = DEFLATED | KEY_CHECK;

  /** Inflated payloads larger than this are refused, against decompression bombs. */
  static final int MAX_INFLATED = 32 << 20;

  private Envelope() {}

  /**
   * Wraps a codec payload for storage.
   *
   * @param payload the codec's bytes
   * @param compressAbove the smallest payload to deflate, or 0 for never
   * @param checkedKey the logical key to embed, or {@code null}
   */
  static byte[] seal(byte[] payload, int compressAbove, String checkedKey) {
    int flags = 0;
    byte[] body = payload;
    if (compressAbove > 0 && payload.length >= compressAbove) {
      byte[] deflated = deflate(payload);
      if (deflated.length < payload.length) {
        body = deflated;
        flags |= DEFLATED;
      }
    }
    byte[] key = checkedKey == null ? null : checkedKey.getBytes(StandardCharsets.UTF_8);
    if (key != null) {
      flags |= KEY_CHECK;
    }
    if (flags == 0 && (payload.length == 0 || (payload[0] & 0xFF) != MARK)) {
      return payload;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 8
        + (key == null ? 0 : key.length));
    out.write(MARK);
    out.write(flags);
    if (key != null) {
      writeVarint(out, key.length);
      out.write(key, 0, key.length);
    }
    out.write(body, 0, body.length);
    return out.toByteArray();
  }

  /**
   * Returns the codec payload of stored bytes.
   *
   * @param stored the bytes read from the store
   * @param checkedKey the logical key that must be embedded, or {@code null} if the key was
   *     not hashed (then bytes carrying a key check are refused too)
   * @throws CacheCodecException if the bytes are not a valid envelope for this key
   */
  static byte[] open(byte[] stored, String checkedKey) {
    if (stored.length == 0 || (stored[0] & 0xFF) != MARK) {
      if (checkedKey != null) {
        throw new CacheCodecException("value under a hashed key carries no key check");
      }
      return stored;
    }
    if (stored.length < 2) {
      throw new CacheCodecException("truncated value header");
    }
    int flags = stored[1] & 0xFF;
    if ((flags & ~KNOWN) != 0) {
      throw new CacheCodecException("unknown value header flags " + flags);
    }
    int pos = 2;
    if ((flags & KEY_CHECK) != 0) {
      long[] lenAndPos = readVarint(stored, pos);
      int len = (int) lenAndPos[0];
      pos = (int) lenAndPos[1];
      if (len < 0 || pos + len > stored.length) {
        throw new CacheCodecException("truncated key check");
      }
      String embedded = new String(stored, pos, len, StandardCharsets.UTF_8);
      if (!embedded.equals(checkedKey)) {
        throw new CacheCodecException("key check failed: value belongs to another key");
      }
      pos += len;
    } else if (checkedKey != null) {
      throw new CacheCodecException("value under a hashed key carries no key check");
    }
    byte[] body = Arrays.copyOfRange(stored, pos, stored.length);
    return (flags & DEFLATED) != 0 ? inflate(body) : body;
  }

  static byte[] deflate(byte[] data) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
    try {
      deflater.setInput(data);
      deflater.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 2));
      byte[] buf = new byte[8192];
      while (!deflater.finished()) {
        int n = deflater.deflate(buf);
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } finally {
      deflater.end();
    }
  }

  static byte[] inflate(byte[] data) {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(data);
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(data.length * 3, 1 << 16));
      byte[] buf = new byte[8192];
      while (!inflater.finished()) {
        int n = inflater.inflate(buf);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new CacheCodecException("truncated compressed value");
        }
        if (out.size() + n > MAX_INFLATED) {
          throw new CacheCodecException("compressed value inflates beyond " + MAX_INFLATED + " bytes");
        }
        out.write(buf, 0, n);
      }
      if (inflater.getRemaining() != 0) {
        throw new CacheCodecException("trailing bytes after compressed value");
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new CacheCodecException("corrupt compressed value", e);
    } finally {
      inflater.end();
    }
  }

  private static void writeVarint(ByteArrayOutputStream out, int value) {
    while ((value & ~0x7F) != 0) {
      out.write((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  /** Returns {value, next position}. */
  private static long[] readVarint(byte[] b, int pos) {
    long value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos >= b.length) {
        throw new CacheCodecException("truncated key check length");
      }
      int x = b[pos++] & 0xFF;
      value |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        if (value > Integer.MAX_VALUE) {
          break;
        }
        return new long[] {value, pos};
      }
    }
    throw new CacheCodecException("bad key check length");
  }
}
