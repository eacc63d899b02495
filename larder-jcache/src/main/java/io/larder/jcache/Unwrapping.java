package io.larder.jcache;

/** The one rule every {@code unwrap} of this provider follows. */
final class Unwrapping {
  private Unwrapping() {}

  /**
   * Returns the first candidate that is a {@code clazz}.
   *
   * @throws IllegalArgumentException naming {@code what} if none is
   */
  static <T> T unwrap(Class<T> clazz, String what, Object... candidates) {
    for (Object c : candidates) {
      if (clazz.isInstance(c)) {
        return clazz.cast(c);
      }
    }
    throw new IllegalArgumentException("cannot unwrap " + what + " to " + clazz.getName());
  }
}
