package io.larder;

/** Thrown when a store call does not complete within the configured timeout. */
public class CacheTimeoutException extends CacheException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message which call timed out and after how long
   */
  public CacheTimeoutException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and the failure that caused it.
   *
   * @param message which call timed out and after how long
   * @param cause the underlying failure
   */
  public CacheTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
