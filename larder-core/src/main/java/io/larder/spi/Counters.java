package io.larder.spi;

import io.larder.CacheCodecException;
import java.nio.charset.StandardCharsets;

/**
 * Counters as every store keeps them: signed 64-bit integers in plain decimal ASCII, the form
 * Redis's {@code INCRBY} and memcached's {@code incr} use, so that other clients agree.
 * For stores that implement {@link Store#incr} themselves.
 */
public final class Counters {
  private Counters() {}

  /**
   * Parses a stored counter: an optional {@code '-'} and up to 19 ASCII digits, with spaces
   * allowed around them (memcached pads a counter that a decrement made shorter).
   *
   * @param key the key, for the message, or {@code null}
   * @param bytes the stored bytes
   * @return the counter's value
   * @throws CacheCodecException if the bytes are not such a number, or it does not fit in
   *     64 bits
   */
  public static long parse(String key, byte[] bytes) {
    int start = trimStart(bytes);
    int end = trimEnd(bytes, start);
    int digitsFrom = start < end && bytes[start] == '-' ? start + 1 : start;
    if (!digits(bytes, digitsFrom, end) || end - digitsFrom > 19) {
      throw new CacheCodecException(subject(key) + " is not a decimal 64-bit integer ("
          + bytes.length + " bytes)");
    }
    String text = new String(bytes, start, end - start, StandardCharsets.US_ASCII);
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new CacheCodecException(subject(key) + " " + text + " does not fit in 64 bits", e);
    }
  }

  /**
   * Parses a counter that a server may have kept as unsigned 64 bits (memcached's
   * {@code incr} counts up to 2^64 - 1 and wraps): what {@link #parse} takes, or an unsigned
   * decimal of up to 2^64 - 1, returned as the {@code long} with the same bits (two's
   * complement).
   *
   * @param key the key, for the message, or {@code null}
   * @param bytes the stored bytes
   * @return the counter's value
   * @throws CacheCodecException if the bytes are not such a number
   */
  public static long parseWrapping(String key, byte[] bytes) {
    int start = trimStart(bytes);
    int end = trimEnd(bytes, start);
    if (end - start >= 19 && end - start <= 20 && digits(bytes, start, end)) {
      try {
        return Long.parseUnsignedLong(
            new String(bytes, start, end - start, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        // above 2^64 - 1: parse says so
      }
    }
    return parse(key, bytes);
  }

  // memcached pads a counter that a decrement made shorter with spaces
  private static int trimStart(byte[] bytes) {
    int start = 0;
    while (start < bytes.length && bytes[start] == ' ') {
      start++;
    }
    return start;
  }

  private static int trimEnd(byte[] bytes, int start) {
    int end = bytes.length;
    while (end > start && bytes[end - 1] == ' ') {
      end--;
    }
    return end;
  }

  /** Whether {@code [from, to)} is one or more ASCII digits. */
  private static boolean digits(byte[] bytes, int from, int to) {
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      if (bytes[i] < '0' || bytes[i] > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * Adds to a counter without wrapping.
   *
   * @param key the key, for the message
   * @param value the current value
   * @param delta the amount to add
   * @return the sum
   * @throws CacheCodecException if the sum overflows 64 bits
   */
  public static long add(String key, long value, long delta) {
    try {
      return Math.addExact(value, delta);
    } catch (ArithmeticException e) {
      throw new CacheCodecException("cannot increment key '" + key + "': " + value + " + " + delta
          + " overflows 64 bits", e);
    }
  }

  /**
   * Encodes a counter.
   *
   * @param value the value
   * @return its decimal ASCII bytes, for example {@code "-12"}
   */
  public static byte[] format(long value) {
    return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
  }

  private static String subject(String key) {
    return key == null ? "the value" : "the value of key '" + key + "'";
  }
}
