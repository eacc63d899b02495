package io.larder;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The stored form of a value: the codec's bytes, plus a header only when one is needed.
 *
 * <p>Bytes that do not start with {@code 0xFF} are the codec's bytes as they are, so
 * counters stay plain decimal text that servers can increment, and strings stay readable in
 * {@code redis-cli}. {@code 0xFF} never occurs in UTF-8 or decimal text. Otherwise the
 * layout is {@code 0xFF flags [key check] [freshness] [tags] payload}, where {@code flags}
 * has
 * <ul>
 *   <li>bit 0: the payload is deflated;</li>
 *   <li>bit 1: a key check follows: a varint length and the UTF-8 logical key, present when
 *       the key was hashed to fit the store, so that two keys whose hashes collided can never
 *       read each other's value;</li>
 *   <li>bit 2: freshness follows: varints of the milliseconds the value took to compute and
 *       of the epoch millisecond until which it is fresh (for early recomputation and
 *       stale-while-revalidate);</li>
 *   <li>bit 3: tags follow: a varint count, then per tag its varint length, UTF-8 name and
 *       the varint generation it was written under;</li>
 *   <li>bit 4: the value is a cached {@code null} (the payload is empty);</li>
 *   <li>bit 5: the inflated length follows as a varint, just before a deflated payload.
 *       Every deflated value written since it exists carries it; a read checks it against
 *       {@link #MAX_INFLATED} before allocating and allocates exactly that. Deflated values
 *       written without it still read, in two passes (the first counts, with a fixed buffer).</li>
 * </ul>
 * A codec payload that itself starts with {@code 0xFF} is escaped with {@code flags = 0}.
 * Unknown flag bits make the bytes undecodable (a miss), never a wrong value.
 */
final class Envelope {
  static final int MARK = 0xFF;
  static final int DEFLATED = 1;
  static final int KEY_CHECK = 2;
  static final int FRESHNESS = 4;
  static final int TAGS = 8;
  static final int NULL_VALUE = 16;
  static final int LENGTH = 32;
  private static final int KNOWN = DEFLATED | KEY_CHECK | FRESHNESS | TAGS | NULL_VALUE | LENGTH;

  /**
   * The largest payload Larder stores or inflates, 64 MiB: a larger value is refused when it
   * is written, and a stored value claiming more is refused when read, against decompression
   * bombs.
   */
  static final int MAX_INFLATED = 64 << 20;

  private Envelope() {}

  /**
   * What a value carries beside its payload.
   *
   * @param computeMillis how long the value took to compute, or 0
   * @param freshUntil the epoch millisecond the value stops being fresh, or 0 for no limit
   * @param tags tag names and the generations they had when the value was written
   * @param nullValue whether the value is a cached {@code null}
   */
  record Meta(long computeMillis, long freshUntil, Map<String, Long> tags, boolean nullValue) {
    static final Meta NONE = new Meta(0, 0, Map.of(), false);

    /** The same metadata for a cached {@code null}. */
    Meta asNull() {
      return new Meta(computeMillis, freshUntil, tags, true);
    }

    Meta {
      tags = Map.copyOf(tags);
    }

    boolean hasFreshness() {
      return computeMillis != 0 || freshUntil != 0;
    }
  }

  /** A value taken out of its envelope. */
  record Opened(byte[] payload, Meta meta) {}

  /** Wraps a codec payload with no metadata. */
  static byte[] seal(byte[] payload, int compressAbove, String checkedKey) {
    return seal(payload, compressAbove, checkedKey, Meta.NONE);
  }

  /**
   * Wraps a codec payload for storage.
   *
   * @param payload the codec's bytes (empty for a cached null)
   * @param compressAbove the smallest payload to deflate, or 0 for never
   * @param checkedKey the logical key to embed, or {@code null}
   * @param meta freshness, tags and null marking
   */
  static byte[] seal(byte[] payload, int compressAbove, String checkedKey, Meta meta) {
    // the commonest write, a payload stored as it is, answered by a front small enough for the
    // JIT to inline into every write (the whole method, 360 bytes of bytecode, is "hot method
    // too big"); sealSlow gives the same answer for it, and decides every other case
    if (checkedKey == null && meta == Meta.NONE
        && (compressAbove == 0 || payload.length < compressAbove) && bare(payload)) {
      return payload;
    }
    return sealSlow(payload, compressAbove, checkedKey, meta);
  }

  /** Wraps a codec payload for storage as {@link #seal} does, whatever it needs. */
  private static byte[] sealSlow(byte[] payload, int compressAbove, String checkedKey,
      Meta meta) {
    int flags = 0;
    byte[] body = payload;
    if (compressAbove > 0 && payload.length >= compressAbove) {
      byte[] deflated = deflate(payload);
      if (deflated.length < payload.length) {
        body = deflated;
        flags |= DEFLATED | LENGTH;
      }
    }
    byte[] key = checkedKey == null ? null : checkedKey.getBytes(StandardCharsets.UTF_8);
    if (key != null) {
      flags |= KEY_CHECK;
    }
    if (meta.hasFreshness()) {
      flags |= FRESHNESS;
    }
    if (!meta.tags().isEmpty()) {
      flags |= TAGS;
    }
    if (meta.nullValue()) {
      flags |= NULL_VALUE;
    }
    if (flags == 0 && (payload.length == 0 || (payload[0] & 0xFF) != MARK)) {
      return payload;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 16
        + (key == null ? 0 : key.length));
    out.write(MARK);
    out.write(flags);
    if (key != null) {
      writeBytes(out, key);
    }
    if (meta.hasFreshness()) {
      writeVarint(out, meta.computeMillis());
      writeVarint(out, meta.freshUntil());
    }
    if (!meta.tags().isEmpty()) {
      writeVarint(out, meta.tags().size());
      for (Map.Entry<String, Long> tag : meta.tags().entrySet()) {
        writeBytes(out, tag.getKey().getBytes(StandardCharsets.UTF_8));
        writeVarint(out, tag.getValue());
      }
    }
    if ((flags & LENGTH) != 0) {
      writeVarint(out, payload.length);
    }
    out.write(body, 0, body.length);
    return out.toByteArray();
  }

  /**
   * Tells whether stored bytes are a codec's bytes as they are, with no header: what
   * {@link #unseal} returns unchanged, with {@link Meta#NONE}, for a key that is not hashed.
   */
  static boolean bare(byte[] stored) {
    return stored.length == 0 || (stored[0] & 0xFF) != MARK;
  }

  /** Returns the codec payload of stored bytes, ignoring metadata. */
  static byte[] open(byte[] stored, String checkedKey) {
    return unseal(stored, checkedKey).payload();
  }

  /**
   * Takes stored bytes out of their envelope.
   *
   * @param stored the bytes read from the store
   * @param checkedKey the logical key that must be embedded, or {@code null} if the key was
   *     not hashed (then bytes carrying a key check are refused too)
   * @throws CacheCodecException if the bytes are not a valid envelope for this key
   */
  static Opened unseal(byte[] stored, String checkedKey) {
    if (bare(stored)) {
      if (checkedKey != null) {
        throw new CacheCodecException("value under a hashed key carries no key check");
      }
      return new Opened(stored, Meta.NONE);
    }
    if (stored.length < 2) {
      throw new CacheCodecException("truncated value header");
    }
    int flags = stored[1] & 0xFF;
    if ((flags & ~KNOWN) != 0) {
      throw new CacheCodecException("unknown value header flags " + flags);
    }
    Reader in = new Reader(stored, 2);
    if ((flags & KEY_CHECK) != 0) {
      String embedded = new String(in.bytes(), StandardCharsets.UTF_8);
      if (!embedded.equals(checkedKey)) {
        throw new CacheCodecException("key check failed: value belongs to another key");
      }
    } else if (checkedKey != null) {
      throw new CacheCodecException("value under a hashed key carries no key check");
    }
    long computeMillis = 0;
    long freshUntil = 0;
    if ((flags & FRESHNESS) != 0) {
      computeMillis = in.varint();
      freshUntil = in.varint();
    }
    Map<String, Long> tags = Map.of();
    if ((flags & TAGS) != 0) {
      long count = in.varint();
      if (count > stored.length) {
        throw new CacheCodecException("bad tag count");
      }
      Map<String, Long> read = new LinkedHashMap<>();
      for (long i = 0; i < count; i++) {
        read.put(new String(in.bytes(), StandardCharsets.UTF_8), in.varint());
      }
      tags = read;
    }
    long length = -1;
    if ((flags & LENGTH) != 0) {
      if ((flags & DEFLATED) == 0) {
        throw new CacheCodecException("an inflated length on a value that is not deflated");
      }
      length = in.varint();
    }
    byte[] payload;
    if ((flags & DEFLATED) != 0) {
      payload = length >= 0 ? inflate(stored, in.pos, length) : inflate(stored, in.pos);
    } else {
      payload = Arrays.copyOfRange(stored, in.pos, stored.length);
    }
    boolean nullValue = (flags & NULL_VALUE) != 0;
    if (nullValue && payload.length != 0) {
      throw new CacheCodecException("a cached null carries a payload");
    }
    return new Opened(payload, new Meta(computeMillis, freshUntil, tags, nullValue));
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

  /** Inflates a whole deflated array; see {@link #inflate(byte[], int, long)}. */
  static byte[] inflate(byte[] data) {
    return inflate(data, 0);
  }

  /**
   * Inflates a deflated payload stored without its length: a first pass counts the inflated
   * bytes with a fixed buffer (stopping at {@link #MAX_INFLATED}), then the payload is
   * inflated into an array of exactly that size.
   *
   * @throws CacheCodecException if the payload is corrupt or inflates beyond the cap
   */
  static byte[] inflate(byte[] data, int offset) {
    Inflater inflater = new Inflater();
    long length = 0;
    try {
      inflater.setInput(data, offset, data.length - offset);
      byte[] scratch = new byte[8192];
      while (!inflater.finished()) {
        int n = inflater.inflate(scratch);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new CacheCodecException("truncated compressed value");
        }
        length += n;
        if (length > MAX_INFLATED) {
          throw new CacheCodecException("compressed value inflates beyond " + MAX_INFLATED
              + " bytes");
        }
      }
    } catch (DataFormatException e) {
      throw new CacheCodecException("corrupt compressed value", e);
    } finally {
      inflater.end();
    }
    return inflate(data, offset, length);
  }

  /**
   * Inflates a deflated payload whose inflated length is known, into an array of exactly that
   * length, holding that many bytes of the process-wide {@link InflationBudget} meanwhile.
   *
   * @throws CacheCodecException if the length exceeds {@link #MAX_INFLATED}, the payload is
   *     corrupt or inflates to another length, or the budget stays exhausted
   */
  static byte[] inflate(byte[] data, int offset, long length) {
    if (length > MAX_INFLATED) {
      throw new CacheCodecException("compressed value claims " + length
          + " inflated bytes, beyond " + MAX_INFLATED);
    }
    int size = (int) length;
    InflationBudget.acquire(size);
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(data, offset, data.length - offset);
      byte[] out = new byte[size];
      int filled = 0;
      while (filled < size) {
        int n = inflater.inflate(out, filled, size - filled);
        if (n == 0 && (inflater.finished() || inflater.needsInput()
            || inflater.needsDictionary())) {
          throw new CacheCodecException("compressed value is shorter than its recorded length");
        }
        filled += n;
      }
      if (!inflater.finished()) {
        // the stream must end exactly here: one more byte means it is longer than recorded
        if (inflater.inflate(new byte[1]) != 0 || !inflater.finished()) {
          throw new CacheCodecException("compressed value does not end at its recorded length");
        }
      }
      if (inflater.getRemaining() != 0) {
        throw new CacheCodecException("trailing bytes after compressed value");
      }
      return out;
    } catch (DataFormatException e) {
      throw new CacheCodecException("corrupt compressed value", e);
    } finally {
      inflater.end();
      InflationBudget.release(size);
    }
  }

  private static void writeBytes(ByteArrayOutputStream out, byte[] bytes) {
    writeVarint(out, bytes.length);
    out.write(bytes, 0, bytes.length);
  }

  private static void writeVarint(ByteArrayOutputStream out, long value) {
    if (value < 0) {
      throw new IllegalArgumentException("negative varint " + value);
    }
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }

  /** Reads varints and length-prefixed bytes, failing as a codec error on truncation. */
  private static final class Reader {
    private final byte[] b;
    int pos;

    Reader(byte[] b, int pos) {
      this.b = b;
      this.pos = pos;
    }

    long varint() {
      long value = 0;
      for (int shift = 0; shift < 63; shift += 7) {
        if (pos >= b.length) {
          throw new CacheCodecException("truncated value header");
        }
        int x = b[pos++] & 0xFF;
        value |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return value;
        }
      }
      throw new CacheCodecException("bad varint in value header");
    }

    byte[] bytes() {
      long len = varint();
      if (len > b.length - pos) {
        throw new CacheCodecException("truncated value header");
      }
      byte[] out = Arrays.copyOfRange(b, pos, pos + (int) len);
      pos += (int) len;
      return out;
    }
  }
}
