package io.larder.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void requirePositiveNamesTheOptionAndTheValue() {
    assertThat(Durations.requirePositive(Duration.ofMillis(1), "timeout"))
        .isEqualTo(Duration.ofMillis(1));
    assertThatThrownBy(() -> Durations.requirePositive(Duration.ZERO, "timeout"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be positive, was PT0S");
    assertThatThrownBy(() -> Durations.requirePositive(Duration.ofSeconds(-2), "retryInterval"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retryInterval must be positive, was PT-2S");
    assertThatThrownBy(() -> Durations.requirePositive(null, "timeout"))
        .isInstanceOf(NullPointerException.class).hasMessage("timeout");
  }

  @Test
  void requireNonNegativeAcceptsZero() {
    assertThat(Durations.requireNonNegative(Duration.ZERO, "purgeInterval")).isZero();
    assertThatThrownBy(() -> Durations.requireNonNegative(Duration.ofMillis(-1), "purgeInterval"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("purgeInterval must be zero or positive, was PT-0.001S");
  }

  /** Kyoto Tycoon used to round TTLs down and memcached up; docs/ttl.md says up. */
  @Test
  void ttlSecondsRoundUpAsDocsTtlSaysNotDownAsKyotoTycoonDid() {
    assertThat(Durations.ttlSeconds(1)).isEqualTo(1);
    assertThat(Durations.ttlSeconds(999)).isEqualTo(1);
    assertThat(Durations.ttlSeconds(1_000)).isEqualTo(1);
    assertThat(Durations.ttlSeconds(1_001)).isEqualTo(2);
    assertThat(Durations.ttlSeconds(1_999)).isEqualTo(2);
    assertThat(Durations.ttlSeconds(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE / 1000 + 1);
  }

  @Test
  void ttlSecondsRejectsNonPositiveTtls() {
    assertThatThrownBy(() -> Durations.ttlSeconds(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 ms");
  }

  @Property
  void ttlSecondsIsTheSmallestWholeSecondsCoveringTheTtl(
      @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long ttlMillis) {
    long seconds = Durations.ttlSeconds(ttlMillis);
    assertThat(seconds).isPositive();
    assertThat(BigInteger.valueOf(seconds).multiply(BigInteger.valueOf(1000)))
        .isGreaterThanOrEqualTo(BigInteger.valueOf(ttlMillis));
    assertThat((seconds - 1) * 1000).isLessThan(ttlMillis);
  }
}
