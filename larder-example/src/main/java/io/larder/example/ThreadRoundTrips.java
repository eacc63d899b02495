package io.larder.example;

import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.util.Collection;
import java.util.Map;

/**
 * Counts the store calls each thread makes, so that a request knows its own round trips: the
 * site's requests each run on one thread, and every store call a request makes is made on
 * it. A count read before and after a request is that request's alone, however many run at
 * once (the cache's own {@code roundTrips} counter is shared by all of them).
 */
final class ThreadRoundTrips extends ForwardingStore {
  private static final class Tally {
    long calls;
  }

  private final ThreadLocal<Tally> tally = ThreadLocal.withInitial(Tally::new);

  ThreadRoundTrips(Store delegate) {
    super(delegate);
  }

  /** The store calls this thread has made so far. */
  long onThisThread() {
    return tally.get().calls;
  }

  private void tick() {
    tally.get().calls++;
  }

  @Override
  public byte[] get(String key) {
    tick();
    return super.get(key);
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keys) {
    tick();
    return super.getMany(keys);
  }

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    tick();
    super.set(key, value, ttlMillis);
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    tick();
    super.setMany(entries, ttlMillis);
  }

  @Override
  public void setEach(Map<String, byte[]> entries,
      java.util.function.ToLongFunction<String> ttlMillis) {
    tick(); // one call, as the store sees it
    super.setEach(entries, ttlMillis);
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    tick();
    return super.add(key, value, ttlMillis);
  }

  @Override
  public boolean delete(String key) {
    tick();
    return super.delete(key);
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    tick();
    return super.deleteMany(keys);
  }

  @Override
  public boolean exists(String key) {
    tick();
    return super.exists(key);
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    tick();
    return super.touch(key, ttlMillis);
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    tick();
    return super.incr(key, delta, ttlMillis);
  }

  @Override
  public StoredValue getVersioned(String key) {
    tick();
    return super.getVersioned(key);
  }

  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    tick();
    return super.compareAndSet(key, expected, value, ttlMillis);
  }

  @Override
  public void clear(String prefix) {
    tick();
    super.clear(prefix);
  }
}
