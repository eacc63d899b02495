package io.larder;

/**
 * The root of the unchecked exceptions a cache or store throws when the store itself fails.
 *
 * <p>Bad arguments are reported with {@link IllegalArgumentException} or
 * {@link NullPointerException}, never with this family. A cache that is fail-open (the
 * default) catches store failures, counts them in {@link CacheStats#storeErrors()} and
 * answers as if the key were missing; only a fail-closed cache lets them reach the caller.
 */
public class CacheException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what failed, naming the key or server where that helps
   */
  public CacheException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and the failure that caused it.
   *
   * @param message what failed
   * @param cause the underlying failure
   */
  public CacheException(String message, Throwable cause) {
    super(message, cause);
  }
}
