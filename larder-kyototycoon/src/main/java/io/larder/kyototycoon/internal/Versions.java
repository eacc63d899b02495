package io.larder.kyototycoon.internal;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The version stamps that make compare-and-set exact on a server that compares bytes only.
 *
 * <p>Kyoto Tycoon's {@code /rpc/cas} succeeds when the record holds the expected bytes, so a
 * write of the same bytes in between would go unnoticed. Values are therefore stored plain,
 * and {@code getVersioned} stamps the one it reads: it replaces the bytes, by a
 * compare-and-set, with {@link #MARK}, a random 64-bit version and the bytes. Every later
 * write stores plain bytes (or a new stamp), so the stamped bytes a compare-and-set expects
 * are gone and it fails. Reads strip the stamp. Other programs see plain values, except
 * between a {@code getVersioned} and the next write.
 *
 * <p>{@link #MARK} starts with {@code 0xFE}, a byte no UTF-8 text contains. A value that
 * itself starts with the mark is always stored stamped, so that decoding is unambiguous.
 */
final class Versions {
  /** What every stamped value starts with. */
  static final byte[] MARK = {(byte) 0xFE, 'K', 'T', 'v'};
  /** The mark and the version that precede the value in a stamped one. */
  static final int HEADER = MARK.length + Long.BYTES;

  private Versions() {}

  /**
   * Returns what to store for a value written plainly.
   *
   * @param value the value
   * @return the value itself, or a stamp with a new version if it starts with the mark
   */
  static byte[] forWrite(byte[] value) {
    return startsWithMark(value) ? stamp(value, newVersion()) : value;
  }

  /**
   * Tells whether stored bytes carry a stamp.
   *
   * @param stored bytes read from the server
   * @return {@code true} if they start with the mark and are long enough for a version
   */
  static boolean isStamped(byte[] stored) {
    return stored.length >= HEADER && startsWithMark(stored);
  }

  /**
   * Returns the value that stored bytes hold.
   *
   * @param stored bytes read from the server
   * @return the bytes after the stamp, or the bytes themselves if there is none
   */
  static byte[] value(byte[] stored) {
    return isStamped(stored) ? Arrays.copyOfRange(stored, HEADER, stored.length) : stored;
  }

  /**
   * Returns the version of stamped bytes.
   *
   * @param stored stamped bytes, see {@link #isStamped}
   * @return the version
   */
  static long version(byte[] stored) {
    long v = 0;
    for (int i = MARK.length; i < HEADER; i++) {
      v = (v << 8) | (stored[i] & 0xFF);
    }
    return v;
  }

  /**
   * Stamps a value with a version.
   *
   * @param value the value
   * @param version the version
   * @return the mark, the version in big-endian order, the value
   */
  static byte[] stamp(byte[] value, long version) {
    byte[] out = new byte[HEADER + value.length];
    System.arraycopy(MARK, 0, out, 0, MARK.length);
    for (int i = 0; i < Long.BYTES; i++) {
      out[MARK.length + i] = (byte) (version >>> (56 - 8 * i));
    }
    System.arraycopy(value, 0, out, HEADER, value.length);
    return out;
  }

  /**
   * Draws a new version: random, never {@code 0}, which stands for "compare bytes only".
   *
   * @return the version
   */
  static long newVersion() {
    long v;
    do {
      v = ThreadLocalRandom.current().nextLong();
    } while (v == 0);
    return v;
  }

  private static boolean startsWithMark(byte[] bytes) {
    if (bytes.length < MARK.length) {
      return false;
    }
    for (int i = 0; i < MARK.length; i++) {
      if (bytes[i] != MARK[i]) {
        return false;
      }
    }
    return true;
  }
}
