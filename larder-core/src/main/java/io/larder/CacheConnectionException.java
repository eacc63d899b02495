package io.larder;

/** Thrown when a store cannot reach its server or file: refused, reset, closed or locked. */
public class CacheConnectionException extends CacheException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what could not be reached
   */
  public CacheConnectionException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and the failure that caused it.
   *
   * @param message what could not be reached
   * @param cause the underlying failure
   */
  public CacheConnectionException(String message, Throwable cause) {
    super(message, cause);
  }
}
