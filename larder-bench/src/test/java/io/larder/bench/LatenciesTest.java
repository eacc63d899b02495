package io.larder.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The latency histogram of a logged window; values are given, nothing is timed. */
class LatenciesTest {
  @Test
  void everyValueFallsInABucketWhoseEdgesHoldIt() {
    for (long v : new long[] {0, 1, 15, 16, 17, 31, 32, 33, 1_000, 123_456, 40_000_000,
        Long.MAX_VALUE / 2}) {
      int bucket = Latencies.bucket(v);
      assertThat(Latencies.upperEdge(bucket)).as("upper edge of %d", v).isGreaterThanOrEqualTo(v);
      if (bucket > 0) {
        assertThat(Latencies.upperEdge(bucket - 1)).as("edge below %d", v).isLessThan(v);
      }
      // a step of 1/16 of a power of two: the edge is within 6.25 % of the value
      assertThat((double) Latencies.upperEdge(bucket)).isLessThanOrEqualTo(v * 1.0625 + 1);
    }
  }

  @Test
  void quantilesAndMaxOfManyCallsWithAFewStalls() {
    Latencies l = new Latencies();
    for (int i = 0; i < 980; i++) {
      l.record(200_000); // 200 µs
    }
    for (int i = 0; i < 20; i++) {
      l.record(40_000_000); // 40 ms, as a delayed ACK would give
    }
    assertThat(l.count()).isEqualTo(1_000);
    assertThat(l.max()).isEqualTo(40_000_000);
    assertThat(l.quantile(0.5)).isBetween(200_000L, 212_500L);
    assertThat(l.quantile(0.98)).isBetween(200_000L, 212_500L);
    assertThat(l.quantile(0.99)).isEqualTo(40_000_000); // capped at the max
    assertThat(new Latencies().quantile(0.99)).isZero();
  }

  @Test
  void histogramsOfSeveralWorkersAddUp() {
    Latencies a = new Latencies();
    Latencies b = new Latencies();
    a.record(1_000);
    b.record(5_000_000);
    b.record(2_000);
    a.add(b);
    assertThat(a.count()).isEqualTo(3);
    assertThat(a.max()).isEqualTo(5_000_000);
    assertThat(a.quantile(0.5)).isBetween(2_000L, 2_125L);
  }
}
