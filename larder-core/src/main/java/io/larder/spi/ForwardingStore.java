package io.larder.spi;

import java.util.Collection;
import java.util.Map;

/**
 * A store that forwards every call to another; extend it to change a few calls (to count,
 * check, or fail them) and keep the rest.
 *
 * <p>It is never an {@link AsyncStore}, even over one, so that the calls a subclass changes
 * are all the calls there are; {@link ForwardingAsyncStore} forwards the non-blocking calls
 * too.
 *
 * <pre>{@code
 * Store counting = new ForwardingStore(Stores.memory()) {
 *   public byte[] get(String key) {
 *     gets.incrementAndGet();
 *     return super.get(key);
 *   }
 * };
 * }</pre>
 */
public abstract class ForwardingStore implements Store {
  private final Store delegate;

  /**
   * Creates a store forwarding to {@code delegate}.
   *
   * @param delegate the store to forward to; closed when this store is closed
   * @throws NullPointerException if {@code delegate} is null
   */
  protected ForwardingStore(Store delegate) {
    this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
  }

  /**
   * Returns the store calls are forwarded to.
   *
   * @return the delegate
   */
  protected Store delegate() {
    return delegate;
  }

  @Override
  public byte[] get(String key) {
    return delegate.get(key);
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keys) {
    return delegate.getMany(keys);
  }

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    delegate.set(key, value, ttlMillis);
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    delegate.setMany(entries, ttlMillis);
  }

  @Override
  public void setEach(Map<String, byte[]> entries,
      java.util.function.ToLongFunction<String> ttlMillis) {
    delegate.setEach(entries, ttlMillis);
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    return delegate.add(key, value, ttlMillis);
  }

  @Override
  public boolean delete(String key) {
    return delegate.delete(key);
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    return delegate.deleteMany(keys);
  }

  @Override
  public boolean exists(String key) {
    return delegate.exists(key);
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    return delegate.touch(key, ttlMillis);
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    return delegate.incr(key, delta, ttlMillis);
  }

  @Override
  public StoredValue getVersioned(String key) {
    return delegate.getVersioned(key);
  }

  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    return delegate.compareAndSet(key, expected, value, ttlMillis);
  }

  @Override
  public void clear(String prefix) {
    delegate.clear(prefix);
  }

  @Override
  public StoreTraits traits() {
    return delegate.traits();
  }

  @Override
  public StoreSize size(String prefix) {
    return delegate.size(prefix);
  }

  @Override
  public java.util.List<String> diagnose() {
    return delegate.diagnose();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
