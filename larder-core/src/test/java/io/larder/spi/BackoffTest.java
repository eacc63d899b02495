package io.larder.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final long MS = 1_000_000L;

  @Test
  void defaultsDoubleFromTenMillisecondsToOneSecond() {
    Backoff b = Backoff.defaults();
    assertThat(b.ceilingNanos(1)).isEqualTo(10 * MS);
    assertThat(b.ceilingNanos(2)).isEqualTo(20 * MS);
    assertThat(b.ceilingNanos(7)).isEqualTo(640 * MS);
    assertThat(b.ceilingNanos(8)).isEqualTo(1_000 * MS);
    assertThat(b.ceilingNanos(Integer.MAX_VALUE)).isEqualTo(1_000 * MS);
    assertThat(b).isEqualTo(Backoff.of(Duration.ofMillis(10), Duration.ofSeconds(1)));
  }

  @Test
  void fullJitterSpansZeroToTheCeiling() {
    Backoff b = Backoff.defaults();
    assertThat(b.delayNanos(3, 0)).isZero();
    assertThat(b.delayNanos(3, 0.5)).isEqualTo(20 * MS);
    assertThat(b.delayNanos(3, Math.nextDown(1.0))).isEqualTo(40 * MS - 1);
  }

  @Test
  void isConfigurable() {
    Backoff b = Backoff.of(Duration.ofMillis(100), Duration.ofMillis(250));
    assertThat(b.ceilingNanos(1)).isEqualTo(100 * MS);
    assertThat(b.ceilingNanos(2)).isEqualTo(200 * MS);
    assertThat(b.ceilingNanos(3)).isEqualTo(250 * MS);
    assertThat(Backoff.of(Duration.ofDays(365_000), Duration.ofDays(365_000 * 1000L))
        .ceilingNanos(5)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void rejectsBadSettingsNamingThem() {
    assertThatThrownBy(() -> Backoff.of(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backoff base")
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> Backoff.of(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT2S");
    assertThatThrownBy(() -> Backoff.defaults().ceilingNanos(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    assertThatThrownBy(() -> Backoff.defaults().delayNanos(1, 1.0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property
  void delayStaysBelowACeilingThatNeverShrinks(@ForAll @IntRange(min = 1, max = 200) int attempt,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double random) {
    Backoff b = Backoff.defaults();
    long delay = b.delayNanos(attempt, random);
    assertThat(delay).isBetween(0L, b.ceilingNanos(attempt) - 1);
    assertThat(b.ceilingNanos(attempt + 1)).isGreaterThanOrEqualTo(b.ceilingNanos(attempt))
        .isLessThanOrEqualTo(1_000 * MS);
  }

  @Property
  void delayGrowsWithTheRandomNumber(@ForAll @IntRange(min = 1, max = 30) int attempt,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double a,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double b) {
    Backoff backoff = Backoff.defaults();
    assertThat(Long.compare(backoff.delayNanos(attempt, a), backoff.delayNanos(attempt, b)))
        .isIn(a < b ? new Integer[] {-1, 0} : a > b ? new Integer[] {0, 1} : new Integer[] {0});
  }

  @Test
  void randomDelayIsWithinTheCeiling() {
    for (int attempt = 1; attempt < 12; attempt++) {
      assertThat(Backoff.defaults().delay(attempt).toNanos())
          .isBetween(0L, Backoff.defaults().ceilingNanos(attempt) - 1);
    }
  }
}
