package io.larder.kyototycoon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.Store;
import org.junit.jupiter.api.Test;

/** Store TTLs become Kyoto Tycoon expiration times without ever sending 0 ("expire now"). */
class ExpiryTest {

  /** Kyoto Tycoon rounded TTLs down while memcached rounded up; docs/ttl.md says up. */
  @Test
  void ttlsRoundUpToWholeSecondsLikeMemcachedNotDown() {
    assertThat(Expiry.http(1)).isEqualTo("1");
    assertThat(Expiry.http(999)).isEqualTo("1");
    assertThat(Expiry.http(1_000)).isEqualTo("1");
    assertThat(Expiry.http(1_001)).isEqualTo("2");
    assertThat(Expiry.binary(1_999)).isEqualTo(2);
    assertThat(Expiry.binary(2_000)).isEqualTo(2);
    assertThat(Expiry.binary(45L * 86_400_000)).as("45 days stay relative")
        .isEqualTo(45L * 86_400);
  }

  @Test
  void neverIsLongMaxInBinaryAndNoParameterInHttp() {
    assertThat(Expiry.binary(Store.NO_EXPIRY)).isEqualTo(Long.MAX_VALUE);
    assertThat(Expiry.http(Store.NO_EXPIRY)).isNull();
    assertThat(Expiry.binary(1)).as("never 0, which expires at once").isEqualTo(1);
    assertThat(Expiry.http(60_000)).isEqualTo("60");
  }

  @Test
  void anAbsoluteTimeIsKeptByNegatingItAndNeverByOmittingIt() {
    assertThat(Expiry.keep(1_700_000_000L)).isEqualTo("-1700000000");
    // the last second the server can store is a real time; from 2^40 - 1 on it means never
    assertThat(Expiry.keep((1L << 40) - 2)).isEqualTo("-1099511627774");
    assertThat(Expiry.keep((1L << 40) - 1)).as("the server's never").isNull();
    assertThat(Expiry.keep(Long.MAX_VALUE)).isNull();
    assertThat(Expiry.keep(0)).as("no time read").isNull();
  }

  @Test
  void noTtlEverBecomesZeroWhichExpiresAtOnce() {
    for (long ms = 1; ms <= 5_000; ms++) {
      assertThat(Expiry.binary(ms)).as("%d ms", ms).isPositive();
      assertThat(Long.parseLong(Expiry.http(ms))).as("%d ms", ms).isPositive();
    }
  }
}
