package io.larder.memcached.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ExpiryTest {
  private static final long NOW = 1_800_000_000L; // 2027-01-15

  @Test
  void zeroMeansNever() {
    assertThat(Expiry.exptime(0, NOW)).isZero();
  }

  @Test
  void millisecondsRoundUpToWholeSeconds() {
    assertThat(Expiry.exptime(1, NOW)).isEqualTo(1);
    assertThat(Expiry.exptime(1000, NOW)).isEqualTo(1);
    assertThat(Expiry.exptime(1001, NOW)).isEqualTo(2);
  }

  @Test
  void upToThirtyDaysIsRelative() {
    assertThat(Expiry.exptime(Duration.ofDays(30).toMillis(), NOW)).isEqualTo(2_592_000);
  }

  @Test
  void beyondThirtyDaysIsAUnixTimeOnTheServersClock() {
    long ttl = Duration.ofDays(30).plusSeconds(1).toMillis();
    assertThat(Expiry.exptime(ttl, NOW)).isEqualTo(NOW + 2_592_001);
    assertThat(Expiry.exptime(Duration.ofDays(45).toMillis(), NOW))
        .isEqualTo(NOW + 45 * 86_400);
  }

  @Test
  void datesPast2038AreCappedAtTheLastOneMemcachedHolds() {
    assertThat(Expiry.exptime(Duration.ofDays(365 * 50).toMillis(), NOW))
        .isEqualTo(Integer.MAX_VALUE);
    assertThat(Expiry.exptime(Long.MAX_VALUE, NOW)).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void negativeTtlsAreRefused() {
    assertThatThrownBy(() -> Expiry.exptime(-1, NOW))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void keepingARemainingTtl() {
    assertThat(Expiry.keep(-1, NOW)).as("never expires").isZero();
    assertThat(Expiry.keep(Reply.NO_TTL, NOW)).isZero();
    assertThat(Expiry.keep(0, NOW)).as("0 left must not become 'never'").isEqualTo(1);
    assertThat(Expiry.keep(60, NOW)).isEqualTo(60);
    assertThat(Expiry.keep(3_000_000, NOW)).isEqualTo(NOW + 3_000_000);
  }
}
