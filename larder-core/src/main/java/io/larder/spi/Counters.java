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
    int start = 0;
    int end = bytes.length;
    while (start < end && bytes[start] == ' ') {
      start++;
    }
    while (end > start && bytes[end - 1] == ' ') {
      end--;
    }
    int digitsFrom = start < end && bytes[start] == '-' ? start + 1 : start;
    boolean digits = digitsFrom < end && end - digitsFrom <= 19;
    for (int i = digitsFrom; digits && i < end; i++) {
      digits = bytes[i] >= '0' && bytes[i] <= '9';
    }
    if (!digits) {
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
