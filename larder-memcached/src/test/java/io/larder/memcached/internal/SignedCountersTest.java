package io.larder.memcached.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheCodecException;
import io.larder.spi.Counters;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SignedCountersTest {

  @Test
  void negativeDeltasAreTheirTwosComplement() {
    assertThat(SignedCounters.token(5)).isEqualTo("5");
    assertThat(SignedCounters.token(-1)).isEqualTo("18446744073709551615");
    assertThat(SignedCounters.token(Long.MIN_VALUE)).isEqualTo("9223372036854775808");
  }

  @Test
  void overflowIsToldFromTheWrappedSumAlone() {
    SplittableRandom random = new SplittableRandom(42);
    long[] edges = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1,
        Long.MIN_VALUE + 1};
    for (int i = 0; i < 200_000; i++) {
      long value = i < 49 ? edges[i % 7] : pick(random, edges);
      long delta = i < 49 ? edges[i / 7] : pick(random, edges);
      BigInteger exact = BigInteger.valueOf(value).add(BigInteger.valueOf(delta));
      boolean overflows = exact.bitLength() > 63;
      assertThat(SignedCounters.overflowed(delta, value + delta))
          .as("%d + %d", value, delta).isEqualTo(overflows);
    }
  }

  private static long pick(SplittableRandom random, long[] edges) {
    return switch (random.nextInt(3)) {
      case 0 -> edges[random.nextInt(edges.length)] + random.nextInt(-3, 4);
      case 1 -> random.nextLong();
      default -> random.nextLong(-1000, 1000);
    };
  }

  @Test
  void parsesSignedTextAndWhatMaLeaves() {
    assertThat(Counters.parseWrapping("k", "-9".getBytes(US_ASCII))).isEqualTo(-9);
    assertThat(Counters.parseWrapping("k", "9 ".getBytes(US_ASCII))).isEqualTo(9);
    assertThat(Counters.parseWrapping("k", "18446744073709551607".getBytes(US_ASCII)))
        .isEqualTo(-9);
    assertThat(Counters.parseWrapping("k", "9223372036854775807".getBytes(US_ASCII)))
        .isEqualTo(Long.MAX_VALUE);
    assertThat(Counters.parseWrapping("k", "9223372036854775808".getBytes(US_ASCII)))
        .isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void refusesWhatIsNoCounter() {
    for (String bad : new String[] {"hello", "", "18446744073709551616", "1.5", "--1"}) {
      assertThatThrownBy(() -> Counters.parseWrapping("k", bad.getBytes(US_ASCII)))
          .as(bad).isInstanceOf(CacheCodecException.class);
    }
  }

  @Test
  void parsesMaReplies() {
    assertThat(Counters.parseWrapping("k", "18446744073709551615".getBytes(US_ASCII)))
        .isEqualTo(-1);
    assertThat(Counters.parseWrapping("k", "42".getBytes(US_ASCII))).isEqualTo(42);
  }
}
