package io.larder.micrometer;

import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A store that times each call in {@code larder.store.operations}, by operation and outcome. */
final class TimedStore extends ForwardingStore {
  static final String TIMER = "larder.store.operations";

  enum Op {
    GET("get"), GET_MANY("getMany"), SET("set"), SET_MANY("setMany"), ADD("add"),
    DELETE("delete"), DELETE_MANY("deleteMany"), EXISTS("exists"), TOUCH("touch"),
    INCR("incr"), GET_VERSIONED("getVersioned"), COMPARE_AND_SET("compareAndSet"),
    CLEAR("clear");

    final String tag;

    Op(String tag) {
      this.tag = tag;
    }
  }

  private final Clock clock;
  private final Map<Op, Timer> success = new EnumMap<>(Op.class);
  private final Map<Op, Timer> error = new EnumMap<>(Op.class);

  TimedStore(Store delegate, MeterRegistry registry, Tags tags) {
    super(delegate);
    this.clock = registry.config().clock();
    for (Op op : Op.values()) {
      success.put(op, timer(registry, tags, op, "success"));
      error.put(op, timer(registry, tags, op, "error"));
    }
  }

  private static Timer timer(MeterRegistry registry, Tags tags, Op op, String outcome) {
    return Timer.builder(TIMER)
        .description("Calls to the cache store, each one round trip")
        .tags(tags)
        .tag("operation", op.tag)
        .tag("outcome", outcome)
        .register(registry);
  }

  private <R> R time(Op op, Supplier<R> call) {
    long start = clock.monotonicTime();
    boolean ok = false;
    try {
      R result = call.get();
      ok = true;
      return result;
    } finally {
      (ok ? success : error).get(op).record(clock.monotonicTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  private void time(Op op, Runnable call) {
    time(op, () -> {
      call.run();
      return null;
    });
  }

  @Override
  public byte[] get(String key) {
    return time(Op.GET, () -> super.get(key));
  }

  @Override
  public Map<String, byte[]> getMany(Collection<String> keys) {
    return time(Op.GET_MANY, () -> super.getMany(keys));
  }

  @Override
  public void set(String key, byte[] value, long ttlMillis) {
    time(Op.SET, () -> super.set(key, value, ttlMillis));
  }

  @Override
  public void setMany(Map<String, byte[]> entries, long ttlMillis) {
    time(Op.SET_MANY, () -> super.setMany(entries, ttlMillis));
  }

  @Override
  public boolean add(String key, byte[] value, long ttlMillis) {
    return time(Op.ADD, () -> super.add(key, value, ttlMillis));
  }

  @Override
  public boolean delete(String key) {
    return time(Op.DELETE, () -> super.delete(key));
  }

  @Override
  public int deleteMany(Collection<String> keys) {
    return time(Op.DELETE_MANY, () -> super.deleteMany(keys));
  }

  @Override
  public boolean exists(String key) {
    return time(Op.EXISTS, () -> super.exists(key));
  }

  @Override
  public boolean touch(String key, long ttlMillis) {
    return time(Op.TOUCH, () -> super.touch(key, ttlMillis));
  }

  @Override
  public long incr(String key, long delta, long ttlMillis) {
    return time(Op.INCR, () -> super.incr(key, delta, ttlMillis));
  }

  @Override
  public StoredValue getVersioned(String key) {
    return time(Op.GET_VERSIONED, () -> super.getVersioned(key));
  }

  @Override
  public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
    return time(Op.COMPARE_AND_SET, () -> super.compareAndSet(key, expected, value, ttlMillis));
  }

  @Override
  public void clear(String prefix) {
    time(Op.CLEAR, () -> super.clear(prefix));
  }

  @Override
  public String toString() {
    return "timed(" + delegate() + ")";
  }
}
