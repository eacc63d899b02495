package io.larder.spring;

import io.larder.CacheCodecException;
import io.larder.Codec;
import java.util.Arrays;
import org.springframework.cache.support.NullValue;

/**
 * A Spring cache's codec: the configured codec's bytes as they are, so other code reads the
 * values with the same codec; a cached {@code null} ({@link NullValue}) as the single byte
 * {@code 0xFE}. A payload that itself starts with {@code 0xFE} (no UTF-8, JSON, decimal or
 * Java-serialized payload does) is stored behind a second {@code 0xFE}. Any other bytes
 * starting with {@code 0xFE} fail to decode, and so does a cached {@code null} in a cache that
 * does not cache nulls: both read as misses.
 */
final class ValueCodec implements Codec<Object> {
  static final byte MARK = (byte) 0xFE;
  private static final byte[] NULL = {MARK};

  private final String cacheName;
  private final Codec<Object> codec;
  private final boolean cacheNulls;
  private final boolean defaultCodec;

  @SuppressWarnings("unchecked")
  ValueCodec(String cacheName, Codec<?> codec, boolean cacheNulls, boolean defaultCodec) {
    this.cacheName = cacheName;
    this.codec = (Codec<Object>) codec;
    this.cacheNulls = cacheNulls;
    this.defaultCodec = defaultCodec;
  }

  @Override
  public byte[] encode(Object value) {
    if (value instanceof NullValue) {
      return NULL.clone();
    }
    byte[] payload;
    try {
      payload = codec.encode(value);
    } catch (ClassCastException | CacheCodecException e) {
      throw new CacheCodecException("cache '" + cacheName + "' cannot store a "
          + value.getClass().getName() + " with codec " + codec + ": " + e.getMessage()
          + (defaultCodec ? "; give the cache a codec, such as JsonCodec.of("
              + value.getClass().getSimpleName() + ".class) (Spring Boot: larder.caches."
              + cacheName + ".type=" + value.getClass().getName() + ")" : ""), e);
    }
    if (payload.length > 0 && payload[0] == MARK) {
      byte[] escaped = new byte[payload.length + 1];
      escaped[0] = MARK;
      System.arraycopy(payload, 0, escaped, 1, payload.length);
      return escaped;
    }
    return payload;
  }

  @Override
  public Object decode(byte[] bytes) {
    if (bytes.length == 0 || bytes[0] != MARK) {
      return codec.decode(bytes);
    }
    if (bytes.length == 1) {
      if (!cacheNulls) {
        throw new CacheCodecException("a cached null in cache '" + cacheName
            + "', which does not cache nulls");
      }
      return NullValue.INSTANCE;
    }
    if (bytes[1] != MARK) {
      throw new CacheCodecException("bytes starting with 0xFE that cache '" + cacheName
          + "' did not write");
    }
    return codec.decode(Arrays.copyOfRange(bytes, 1, bytes.length));
  }

  @Override
  public String toString() {
    return "spring(" + codec + (cacheNulls ? ", nulls" : "") + ")";
  }
}
