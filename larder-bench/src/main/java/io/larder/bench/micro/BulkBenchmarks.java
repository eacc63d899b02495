package io.larder.bench.micro;

import io.larder.Cache;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.Stores;
import io.larder.spi.Store;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The facade's per-key cost on bulk calls: {@code getMany} and {@code setMany} of
 * {@value #KEYS} string values through a {@link Cache}, beside the same memory store called
 * directly with the store keys and UTF-8 bytes a hand-written layer would build. The store's
 * own work is the same on both sides, so the difference divided by {@value #KEYS} is what the
 * facade adds per key: key resolution, envelope, decode, stats and the result map.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BulkBenchmarks {
  /** Keys per bulk call, as in the other suites' {@code getMany(100)}. */
  public static final int KEYS = 100;

  private Store store;
  private Cache cache;
  private List<String> keys;
  private List<String> storeKeys;
  private Map<String, String> values;

  /**
   * Opens a memory store and a cache over it (prefix {@code app}), and stores the values.
   *
   * @throws IllegalStateException if the two sides do not read the same values
   */
  @Setup(Level.Trial)
  public void setUp() {
    store = Stores.memory();
    cache = Larder.builder().store(store).prefix("app").build();
    keys = new ArrayList<>();
    storeKeys = new ArrayList<>();
    values = new LinkedHashMap<>();
    for (int i = 0; i < KEYS; i++) {
      keys.add("fragment:" + i);
      storeKeys.add("~app::fragment:" + i);
      values.put("fragment:" + i, "value of fragment " + i + " ".repeat(40));
    }
    cache.setMany(values);
    if (!getManyLarder().equals(getManyRaw())) {
      throw new IllegalStateException("the cache and the store read different values");
    }
  }

  /** Closes the cache and the store. */
  @TearDown(Level.Trial)
  public void tearDown() {
    cache.close();
    store.close();
  }

  /**
   * Larder: {@code getMany} of the keys.
   *
   * @return the values by key
   */
  @Benchmark
  public Map<String, String> getManyLarder() {
    return cache.getMany(keys, Codec.utf8());
  }

  /**
   * Baseline: the store's {@code getMany} of the prefixed keys, each value decoded.
   *
   * @return the values by key
   */
  @Benchmark
  public Map<String, String> getManyRaw() {
    Map<String, byte[]> found = store.getMany(storeKeys);
    Map<String, String> result = new LinkedHashMap<>();
    for (int i = 0; i < KEYS; i++) {
      byte[] b = found.get(storeKeys.get(i));
      if (b != null) {
        result.put(keys.get(i), new String(b, StandardCharsets.UTF_8));
      }
    }
    return result;
  }

  /** Larder: {@code setMany} of the values. */
  @Benchmark
  public void setManyLarder() {
    cache.setMany(values, Codec.utf8(), Cache.FOREVER);
  }

  /** Baseline: the store's {@code setMany} of the prefixed keys and each value's bytes. */
  @Benchmark
  public void setManyRaw() {
    Map<String, byte[]> bytes = new LinkedHashMap<>();
    int i = 0;
    for (String v : values.values()) {
      bytes.put(storeKeys.get(i++), v.getBytes(StandardCharsets.UTF_8));
    }
    store.setMany(bytes, Store.NO_EXPIRY);
  }
}
