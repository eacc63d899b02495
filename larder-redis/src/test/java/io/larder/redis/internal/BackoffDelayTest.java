package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.Backoff;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffDelayTest {

  @Test
  void lettucesAttemptsFollowTheSharedBackoff() {
    Backoff backoff = Backoff.of(Duration.ofMillis(10), Duration.ofMillis(40));
    BackoffDelay delay = new BackoffDelay(backoff);
    for (long attempt : new long[] {0, 1, 2, 3, 4, 100, Long.MAX_VALUE}) {
      int asInt = (int) Math.max(1, Math.min(attempt, 1_000));
      assertThat(delay.createDelay(attempt).toNanos()).as("attempt %d", attempt)
          .isBetween(0L, backoff.ceilingNanos(asInt) - 1);
    }
    assertThat(delay.createDelay(1)).isLessThan(Duration.ofMillis(10));
  }
}
