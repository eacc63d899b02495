package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every branch of getOrCompute's decision, with the clock and the random number passed in. */
class LoadDecisionTest {
  private static final long NOW = 1_000_000;

  @Test
  void anAbsentValueIsComputed() {
    assertThat(LoadDecision.decide(false, 0, 0, NOW, 1, true, 0.5))
        .isEqualTo(LoadDecision.COMPUTE);
  }

  @Test
  void aValueWithoutAFreshnessLimitIsAlwaysServed() {
    assertThat(LoadDecision.decide(true, 0, 5_000, NOW, 100, false, 1e-9))
        .isEqualTo(LoadDecision.SERVE);
  }

  @Test
  void aFreshValueIsServedUnlessXFetchDrawsAnEarlyRefresh() {
    // 10 ms before expiry, a value that took 100 ms: -100 * ln(0.99) = 1 ms, not early enough
    assertThat(LoadDecision.decide(true, NOW + 10, 100, NOW, 1, false, 0.99))
        .isEqualTo(LoadDecision.SERVE);
    // -100 * ln(0.5) = 69 ms reaches past expiry
    assertThat(LoadDecision.decide(true, NOW + 10, 100, NOW, 1, false, 0.5))
        .isEqualTo(LoadDecision.REFRESH_EARLY);
    // beta 0 turns early refresh off, however small the random number
    assertThat(LoadDecision.decide(true, NOW + 10, 100, NOW, 0, false, 1e-12))
        .isEqualTo(LoadDecision.SERVE);
  }

  @Test
  void aStaleValueIsServedWhileRefreshingOnlyWithAStalePeriod() {
    assertThat(LoadDecision.decide(true, NOW, 100, NOW, 1, true, 0.5))
        .isEqualTo(LoadDecision.SERVE_STALE);
    assertThat(LoadDecision.decide(true, NOW, 100, NOW, 1, false, 0.5))
        .isEqualTo(LoadDecision.COMPUTE);
  }

  @Test
  void aBulkReadComputesWhatIsAbsentOrStale() {
    assertThat(LoadDecision.mustCompute(false, 0, NOW)).isTrue();
    assertThat(LoadDecision.mustCompute(true, 0, NOW)).isFalse();
    assertThat(LoadDecision.mustCompute(true, NOW + 1, NOW)).isFalse();
    assertThat(LoadDecision.mustCompute(true, NOW, NOW)).isTrue();
  }
}
