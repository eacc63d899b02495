package io.larder.spi;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ForwardingStore} over an {@link AsyncStore} that forwards the non-blocking calls
 * too, so that it stays an {@link AsyncStore} itself; extend it to change a few calls and keep
 * the delegate's native asynchrony.
 *
 * <p>A plain {@link ForwardingStore} is never an {@link AsyncStore}, whatever its delegate:
 * a subclass that changes {@code get} (to count, time or fail it) must see every read, and
 * forwarding {@code getAsync} past it would hide the asynchronous ones. The facade runs such a
 * store's calls on its bounded executor instead. A subclass of this class that changes a
 * blocking call changes its asynchronous form as well:
 *
 * <pre>{@code
 * AsyncStore counting = new ForwardingAsyncStore(redis) {
 *   public byte[] get(String key) {
 *     gets.incrementAndGet();
 *     return super.get(key);
 *   }
 *
 *   public CompletableFuture<byte[]> getAsync(String key) {
 *     gets.incrementAndGet();
 *     return super.getAsync(key);
 *   }
 * };
 * }</pre>
 */
public abstract class ForwardingAsyncStore extends ForwardingStore implements AsyncStore {
  private final AsyncStore delegate;

  /**
   * Creates a store forwarding to {@code delegate}.
   *
   * @param delegate the store to forward to; closed when this store is closed
   * @throws NullPointerException if {@code delegate} is null
   */
  protected ForwardingAsyncStore(AsyncStore delegate) {
    super(delegate);
    this.delegate = delegate;
  }

  /**
   * Returns the store calls are forwarded to.
   *
   * @return the delegate
   */
  @Override
  protected AsyncStore delegate() {
    return delegate;
  }

  @Override
  public CompletableFuture<byte @Nullable []> getAsync(String key) {
    return delegate.getAsync(key);
  }

  @Override
  public CompletableFuture<Map<String, byte[]>> getManyAsync(Collection<String> keys) {
    return delegate.getManyAsync(keys);
  }

  @Override
  public CompletableFuture<Void> setAsync(String key, byte[] value, long ttlMillis) {
    return delegate.setAsync(key, value, ttlMillis);
  }

  @Override
  public CompletableFuture<Void> setManyAsync(Map<String, byte[]> entries, long ttlMillis) {
    return delegate.setManyAsync(entries, ttlMillis);
  }

  @Override
  public CompletableFuture<Void> setEachAsync(Map<String, byte[]> entries,
      ToLongFunction<String> ttlMillis) {
    return delegate.setEachAsync(entries, ttlMillis);
  }

  @Override
  public CompletableFuture<Boolean> addAsync(String key, byte[] value, long ttlMillis) {
    return delegate.addAsync(key, value, ttlMillis);
  }

  @Override
  public CompletableFuture<Boolean> deleteAsync(String key) {
    return delegate.deleteAsync(key);
  }

  @Override
  public CompletableFuture<Integer> deleteManyAsync(Collection<String> keys) {
    return delegate.deleteManyAsync(keys);
  }

  @Override
  public CompletableFuture<Boolean> existsAsync(String key) {
    return delegate.existsAsync(key);
  }

  @Override
  public CompletableFuture<Boolean> touchAsync(String key, long ttlMillis) {
    return delegate.touchAsync(key, ttlMillis);
  }

  @Override
  public CompletableFuture<Long> incrAsync(String key, long delta, long ttlMillis) {
    return delegate.incrAsync(key, delta, ttlMillis);
  }

  @Override
  public CompletableFuture<@Nullable StoredValue> getVersionedAsync(String key) {
    return delegate.getVersionedAsync(key);
  }

  @Override
  public CompletableFuture<Boolean> compareAndSetAsync(String key,
      @Nullable StoredValue expected, byte[] value, long ttlMillis) {
    return delegate.compareAndSetAsync(key, expected, value, ttlMillis);
  }
}
