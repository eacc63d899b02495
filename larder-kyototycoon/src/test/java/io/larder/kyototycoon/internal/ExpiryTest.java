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
    assertThat(Expiry.keep(Expiry.XT_MAX)).isNull();
    assertThat(Expiry.XT_MAX).isEqualTo(1_099_511_627_775L);
  }
}
