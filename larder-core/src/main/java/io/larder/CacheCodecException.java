package io.larder;

/**
 * Thrown by a {@link Codec} that cannot encode or decode a value.
 *
 * <p>On reads the cache does not let this reach the caller: undecodable bytes read as a miss
 * and are counted in {@link CacheStats#decodeErrors()}; the one exception is a fail-closed
 * cache whose codec fails with an {@link Error} (an {@code OutOfMemoryError}, say), which
 * arrives wrapped in this. It does reach the caller when a value cannot be <em>encoded</em>,
 * when a fail-closed cache refuses a value too large to read back (over 64 MiB, or over the
 * store's limit), or when {@code incr} finds a value that is not a decimal counter.
 */
public class CacheCodecException extends CacheException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what could not be encoded or decoded
   */
  public CacheCodecException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and the failure that caused it.
   *
   * @param message what could not be encoded or decoded
   * @param cause the underlying failure
   */
  public CacheCodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
