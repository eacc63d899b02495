package io.larder.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** How the preload suite's full run spaces its windows: counted, not timed. */
class PreloadSuiteTest {
  @Test
  void everyWindowOfAFullRunStartsAfterAFullCollection() throws Exception {
    Map<String, Harness.Work> contenders = new LinkedHashMap<>();
    LongAdder calls = new LongAdder();
    contenders.put("a", r -> calls.increment());
    contenders.put("b", r -> calls.increment());
    long before = fullCollections();
    // 1 round of 20 ms gives windows of 1 ms, in PreloadSuite.ROUNDS rounds after a warm-up
    PreloadSuite.throughput(new Harness.Settings(1, 20, false), contenders);
    long windows = contenders.size() * (PreloadSuite.ROUNDS + 1L);
    assertThat(fullCollections() - before).isGreaterThanOrEqualTo(windows);
    assertThat(calls.sum()).isPositive();
  }

  private static long fullCollections() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (WindowLog.isFull(gc.getName())) {
        sum += Math.max(0, gc.getCollectionCount());
      }
    }
    return sum;
  }
}
