package io.larder.redis.internal;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Pure functions for the version a compare-and-set checks, carried inside the stored value.
 *
 * <p>Redis keeps no version per key. A plain {@code SET} leaves a value as the caller's bytes;
 * a value that {@code getVersioned} read (or {@code compareAndSet} wrote) is kept
 * <em>framed</em>: {@code 0xFF 0xFE}, a random 64-bit token, then the bytes. The token is the
 * version: {@code getVersioned} frames a plain value with a new token (keeping its TTL), and
 * {@code compareAndSet} writes only if the stored value still starts with the frame it was
 * given. Any other write — a plain {@code set} of the same bytes, another program's
 * {@code SET}, a delete — replaces the frame, so the check fails (A→B→A included).
 *
 * <p>Reads strip the frame. {@code 0xFF} never occurs in UTF-8 or decimal text, and the facade's
 * own header is {@code 0xFF} followed by flag bits below {@code 0x40}; a value given to
 * {@code set} that starts with {@code 0xFF 0xFE} anyway is stored framed, so every value reads
 * back as written.
 */
final class Versions {
  /** Bytes of the frame: the two marks and the token. */
  static final int FRAME = 10;
  private static final byte MARK0 = (byte) 0xFF;
  private static final byte MARK1 = (byte) 0xFE;

  private Versions() {}

  /**
   * Tells whether stored bytes carry a frame.
   *
   * @param stored bytes as Redis holds them
   * @return {@code true} if they start with the marks and hold a whole frame
   */
  static boolean framed(byte[] stored) {
    return stored.length >= FRAME && stored[0] == MARK0 && stored[1] == MARK1;
  }

  /**
   * Returns the value a caller wrote, without the frame if there is one.
   *
   * @param stored bytes as Redis holds them, or {@code null}
   * @return the value, or {@code null} for {@code null}
   */
  static byte[] value(byte[] stored) {
    return stored == null || !framed(stored) ? stored : Arrays.copyOfRange(stored, FRAME, stored.length);
  }

  /**
   * Returns the token of framed bytes.
   *
   * @param stored framed bytes
   * @return the token
   */
  static long token(byte[] stored) {
    long t = 0;
    for (int i = 2; i < FRAME; i++) {
      t = t << 8 | (stored[i] & 0xFF);
    }
    return t;
  }

  /**
   * Returns the frame (marks and token) that stored bytes of a given version start with.
   *
   * @param token the version
   * @return the ten bytes
   */
  static byte[] header(long token) {
    byte[] h = new byte[FRAME];
    h[0] = MARK0;
    h[1] = MARK1;
    for (int i = FRAME - 1; i >= 2; i--) {
      h[i] = (byte) token;
      token >>>= 8;
    }
    return h;
  }

  /**
   * Frames a value with a token.
   *
   * @param token the version
   * @param value the caller's bytes
   * @return the stored form
   */
  static byte[] frame(long token, byte[] value) {
    byte[] stored = Arrays.copyOf(header(token), FRAME + value.length);
    System.arraycopy(value, 0, stored, FRAME, value.length);
    return stored;
  }

  /**
   * Frames a value with a new random token.
   *
   * @param value the caller's bytes
   * @return the stored form
   */
  static byte[] frameNew(byte[] value) {
    return frame(ThreadLocalRandom.current().nextLong(), value);
  }

  /**
   * Returns what a plain write stores: the value itself, or, when it starts with the marks
   * and would otherwise read back shortened, the value framed.
   *
   * @param value the caller's bytes
   * @return the bytes to {@code SET}
   */
  static byte[] plain(byte[] value) {
    return value.length >= 2 && value[0] == MARK0 && value[1] == MARK1 ? frameNew(value) : value;
  }
}
