package io.larder;

/**
 * A read of one key, opened: absent, a cached {@code null}, or a value; with its metadata.
 *
 * @param present whether the key held a readable, current value
 * @param value the value; {@code null} if absent or a cached {@code null}
 * @param meta what the value carried beside its payload
 * @param <T> the value type
 */
record Entry<T>(boolean present, T value, Envelope.Meta meta) {
  private static final Entry<?> ABSENT = new Entry<>(false, null, Envelope.Meta.NONE);

  @SuppressWarnings("unchecked")
  static <T> Entry<T> absent() {
    return (Entry<T>) ABSENT;
  }
}
