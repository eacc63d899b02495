package io.larder.redis.internal;

import io.larder.spi.Backoff;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.Objects;

/**
 * Larder's reconnection {@link Backoff} as Lettuce's {@link Delay}, so that Redis reconnects
 * on the same schedule as the other stores.
 */
final class BackoffDelay extends Delay {
  private final Backoff backoff;

  /**
   * Adapts a policy.
   *
   * @param backoff the policy
   * @throws NullPointerException if {@code backoff} is null
   */
  BackoffDelay(Backoff backoff) {
    this.backoff = Objects.requireNonNull(backoff, "backoff");
  }

  /**
   * Returns the delay before a reconnection attempt.
   *
   * @param attempt Lettuce's attempt number, from 1 (anything lower counts as 1)
   * @return a delay drawn from the policy
   */
  @Override
  public Duration createDelay(long attempt) {
    return backoff.delay((int) Math.max(1, Math.min(attempt, Integer.MAX_VALUE)));
  }

  @Override
  public String toString() {
    return backoff.toString();
  }
}
