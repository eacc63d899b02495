package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class EarlyRefreshTest {

  @Test
  void withBetaZeroOrNoComputeTimeOnlyExpiryCounts() {
    assertThat(EarlyRefresh.shouldRecompute(999, 1000, 500, 0, 1e-9)).isFalse();
    assertThat(EarlyRefresh.shouldRecompute(1000, 1000, 500, 0, 0.5)).isTrue();
    assertThat(EarlyRefresh.shouldRecompute(999, 1000, 0, 1, 1e-9)).isFalse();
  }

  @Test
  void theGapIsComputeTimeTimesBetaTimesMinusLnRandom() {
    // -ln(e^-1) = 1: a 100 ms computation at beta 1 refreshes from 100 ms before expiry
    double r = Math.exp(-1);
    assertThat(EarlyRefresh.shouldRecompute(899, 1000, 100, 1, r)).isFalse();
    assertThat(EarlyRefresh.shouldRecompute(900, 1000, 100, 1, r)).isTrue();
    assertThat(EarlyRefresh.shouldRecompute(800, 1000, 100, 2, r)).isTrue();
    assertThat(EarlyRefresh.shouldRecompute(999, 1000, 100, 1, 1.0)).as("random 1: no gap").isFalse();
  }

  @Property
  void theChanceOnlyRisesTowardExpiry(@ForAll @LongRange(min = 0, max = 10_000) long now,
      @ForAll @LongRange(min = 1, max = 5_000) long later,
      @ForAll @LongRange(min = 1, max = 1_000) long delta,
      @ForAll @DoubleRange(min = 0.001, max = 1.0) @net.jqwik.api.constraints.Scale(6) double random) {
    long expiry = 20_000;
    if (EarlyRefresh.shouldRecompute(now, expiry, delta, 1, random)) {
      assertThat(EarlyRefresh.shouldRecompute(now + later, expiry, delta, 1, random)).isTrue();
    }
  }

  @Test
  void theShareOfEarlyRefreshesMatchesTheExponentialDistribution() {
    // P(refresh at time-to-expiry t) = P(-ln U >= t / (delta * beta)) = exp(-t / (delta * beta))
    java.util.Random random = new java.util.Random(42);
    int n = 100_000;
    int refreshed = 0;
    for (int i = 0; i < n; i++) {
      if (EarlyRefresh.shouldRecompute(800, 1000, 100, 1, 1.0 - random.nextDouble())) {
        refreshed++;
      }
    }
    assertThat((double) refreshed / n).isCloseTo(Math.exp(-2), org.assertj.core.data.Offset.offset(0.01));
  }
}
