package io.larder;

/**
 * Thrown at a write whose value Larder refuses to store because it could not be read back: its
 * codec bytes exceed {@link Envelope#MAX_INFLATED}, or its stored form exceeds the store's
 * {@link io.larder.spi.StoreTraits#maxValueBytes}. Fail-closed caches throw it; fail-open ones
 * count it as a store error and delete the key's old value.
 */
final class ValueTooLargeException extends CacheCodecException {
  private static final long serialVersionUID = 1L;

  ValueTooLargeException(String message) {
    super(message);
  }
}
