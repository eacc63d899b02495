package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Stores;
import io.larder.spi.ForwardingStore;
import io.larder.spi.KeyRules;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.util.Collection;
import java.util.Map;

/**
 * The whole contract over a memory store that declares memcached's key rules (250 bytes,
 * printable ASCII only) and fails if the facade ever sends it a key that breaks them: proves
 * that hashed keys and their value checks work on every operation.
 */
class RestrictedKeysContractTest extends StoreContract {
  private static final KeyRules MEMCACHED_LIKE = new KeyRules(250, true);

  @Override
  protected Store createStore(ManualClock clock) {
    return new Strict(Stores.memoryBuilder().clock(clock).build());
  }

  /** Delegates to a memory store, checking every key against the declared rules. */
  private static final class Strict extends ForwardingStore {
    Strict(Store delegate) {
      super(delegate);
    }

    private static String ok(String key) {
      assertThat(MEMCACHED_LIKE.accepts(key)).as("store key %s", key).isTrue();
      return key;
    }

    private static <C extends Collection<String>> C ok(C keys) {
      keys.forEach(Strict::ok);
      return keys;
    }

    @Override
    public io.larder.spi.StoreTraits traits() {
      return io.larder.spi.StoreTraits.DEFAULT.withKeyRules(MEMCACHED_LIKE);
    }

    @Override
    public byte[] get(String key) {
      return super.get(ok(key));
    }

    @Override
    public Map<String, byte[]> getMany(Collection<String> keys) {
      return super.getMany(ok(keys));
    }

    @Override
    public void set(String key, byte[] value, long ttlMillis) {
      super.set(ok(key), value, ttlMillis);
    }

    @Override
    public void setMany(Map<String, byte[]> entries, long ttlMillis) {
      ok(entries.keySet());
      super.setMany(entries, ttlMillis);
    }

    @Override
    public boolean add(String key, byte[] value, long ttlMillis) {
      return super.add(ok(key), value, ttlMillis);
    }

    @Override
    public boolean delete(String key) {
      return super.delete(ok(key));
    }

    @Override
    public int deleteMany(Collection<String> keys) {
      return super.deleteMany(ok(keys));
    }

    @Override
    public boolean exists(String key) {
      return super.exists(ok(key));
    }

    @Override
    public boolean touch(String key, long ttlMillis) {
      return super.touch(ok(key), ttlMillis);
    }

    @Override
    public long incr(String key, long delta, long ttlMillis) {
      return super.incr(ok(key), delta, ttlMillis);
    }

    @Override
    public StoredValue getVersioned(String key) {
      return super.getVersioned(ok(key));
    }

    @Override
    public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
      return super.compareAndSet(ok(key), expected, value, ttlMillis);
    }
  }
}
