package io.larder.web;

import io.larder.CacheCodecException;
import io.larder.Codec;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored form of a {@link StoredPage}: {@code "LP"}, a version byte, a kind byte, then
 * the fields with their lengths. Bytes in any other shape fail to decode, which the cache
 * reads as a miss.
 */
final class StoredPageCodec implements Codec<StoredPage> {
  static final StoredPageCodec INSTANCE = new StoredPageCodec();

  private static final byte VERSION = 1;
  private static final byte PAGE = 'P';
  private static final byte VARIANTS = 'V';

  private StoredPageCodec() {}

  @Override
  public byte[] encode(StoredPage value) {
    Out out = new Out();
    out.bytes.put((byte) 'L').put((byte) 'P').put(VERSION);
    if (value instanceof StoredPage.Page page) {
      out.bytes.put(PAGE);
      out.putInt(page.status());
      out.putLong(page.storedAtMillis());
      out.putString(page.etag());
      out.putInt(page.fields().size());
      for (Field f : page.fields()) {
        out.putString(f.name());
        out.putString(f.value());
      }
      out.putBytes(page.body());
    } else if (value instanceof StoredPage.Variants variants) {
      out.bytes.put(VARIANTS);
      out.putInt(variants.headerNames().size());
      for (String name : variants.headerNames()) {
        out.putString(name);
      }
    }
    return out.toArray();
  }

  @Override
  public StoredPage decode(byte[] bytes) {
    try {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      if (in.get() != 'L' || in.get() != 'P' || in.get() != VERSION) {
        throw new CacheCodecException("not a stored page");
      }
      byte kind = in.get();
      StoredPage result;
      if (kind == PAGE) {
        int status = in.getInt();
        long storedAt = in.getLong();
        String etag = string(in);
        int n = count(in);
        List<Field> fields = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          fields.add(new Field(string(in), string(in)));
        }
        result = new StoredPage.Page(status, fields, bytes(in), etag, storedAt);
      } else if (kind == VARIANTS) {
        int n = count(in);
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          names.add(string(in));
        }
        result = new StoredPage.Variants(names);
      } else {
        throw new CacheCodecException("unknown stored page kind " + kind);
      }
      if (in.hasRemaining()) {
        throw new CacheCodecException("trailing bytes after a stored page");
      }
      return result;
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new CacheCodecException("truncated stored page", e);
    }
  }

  private static int count(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new CacheCodecException("bad count " + n + " in a stored page");
    }
    return n;
  }

  private static byte[] bytes(ByteBuffer in) {
    byte[] b = new byte[count(in)];
    in.get(b);
    return b;
  }

  private static String string(ByteBuffer in) {
    return new String(bytes(in), StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "StoredPageCodec";
  }

  /** A growing buffer. */
  private static final class Out {
    ByteBuffer bytes = ByteBuffer.allocate(256);

    private void room(int n) {
      if (bytes.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(bytes.capacity() * 2, bytes.position() + n));
        bytes.flip();
        bigger.put(bytes);
        bytes = bigger;
      }
    }

    void putInt(int v) {
      room(4);
      bytes.putInt(v);
    }

    void putLong(long v) {
      room(8);
      bytes.putLong(v);
    }

    void putBytes(byte[] b) {
      putInt(b.length);
      room(b.length);
      bytes.put(b);
    }

    void putString(String s) {
      putBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toArray() {
      byte[] out = new byte[bytes.position()];
      bytes.flip();
      bytes.get(out);
      return out;
    }
  }
}
