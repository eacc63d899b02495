package io.larder.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a store waits before its next reconnection attempt: exponential backoff with full
 * jitter. Attempt {@code n} (from 1) waits a uniformly random time below
 * {@code min(cap, base * 2^(n-1))}, so that many clients cut off at once do not come back
 * at once. The delay is a pure function of the attempt and a random number, and the policy
 * is immutable and thread-safe.
 *
 * <p>The default, {@link #defaults()}, starts at 10 ms and is capped at 1 s.
 */
public final class Backoff {
  private static final Backoff DEFAULTS = new Backoff(10_000_000L, 1_000_000_000L);

  private final long baseNanos;
  private final long capNanos;

  private Backoff(long baseNanos, long capNanos) {
    this.baseNanos = baseNanos;
    this.capNanos = capNanos;
  }

  /**
   * Returns the default policy: 10 ms doubling up to 1 s, full jitter.
   *
   * @return the default policy
   */
  public static Backoff defaults() {
    return DEFAULTS;
  }

  /**
   * Returns a policy whose first attempt waits below {@code base} and whose attempts never
   * wait {@code cap} or more.
   *
   * @param base the bound of the first attempt's delay
   * @param cap the bound of every delay
   * @return the policy
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code base} or {@code cap} is not positive, or
   *     {@code base} exceeds {@code cap}, naming the bad value
   */
  public static Backoff of(Duration base, Duration cap) {
    Durations.requirePositive(base, "backoff base");
    Durations.requirePositive(cap, "backoff cap");
    if (base.compareTo(cap) > 0) {
      throw new IllegalArgumentException(
          "backoff base must not exceed the cap, was " + base + " > " + cap);
    }
    return new Backoff(saturatedNanos(base), saturatedNanos(cap));
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Returns the bound of an attempt's delay: {@code min(cap, base * 2^(attempt-1))}.
   *
   * @param attempt the attempt, from 1
   * @return the bound in nanoseconds
   * @throws IllegalArgumentException if {@code attempt} is below 1
   */
  public long ceilingNanos(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
    }
    int shift = attempt - 1;
    // doubling past the cap, or past 63 bits, is the cap
    if (shift >= 63 || baseNanos > capNanos >> shift) {
      return capNanos;
    }
    return Math.min(capNanos, baseNanos << shift);
  }

  /**
   * Returns an attempt's delay for a given random number: a pure function, for tests.
   *
   * @param attempt the attempt, from 1
   * @param random a number in {@code [0, 1)}
   * @return the delay in nanoseconds, from 0 to below {@link #ceilingNanos(int)}
   * @throws IllegalArgumentException if {@code attempt} is below 1 or {@code random} is not
   *     in {@code [0, 1)}
   */
  public long delayNanos(int attempt, double random) {
    if (!(random >= 0 && random < 1)) {
      throw new IllegalArgumentException("random must be in [0, 1), was " + random);
    }
    long ceiling = ceilingNanos(attempt);
    return Math.min(ceiling - 1, (long) (random * ceiling));
  }

  /**
   * Returns an attempt's delay, drawn at random.
   *
   * @param attempt the attempt, from 1
   * @return the delay
   * @throws IllegalArgumentException if {@code attempt} is below 1
   */
  public Duration delay(int attempt) {
    return Duration.ofNanos(delayNanos(attempt, ThreadLocalRandom.current().nextDouble()));
  }

  /**
   * Describes the policy.
   *
   * @return for example {@code Backoff[10ms..1000ms, full jitter]}
   */
  @Override
  public String toString() {
    return "Backoff[" + baseNanos / 1_000_000 + "ms.." + capNanos / 1_000_000
        + "ms, full jitter]";
  }

  /**
   * Tells whether another policy has the same base and cap.
   *
   * @param o the other object
   * @return whether it is an equal policy
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof Backoff b && b.baseNanos == baseNanos && b.capNanos == capNanos;
  }

  /**
   * Returns a hash of the base and cap.
   *
   * @return the hash
   */
  @Override
  public int hashCode() {
    return Objects.hash(baseNanos, capNanos);
  }
}
