package io.larder.spring.boot;

import io.larder.Cache;
import io.larder.CacheException;
import java.util.Objects;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Reports whether the Larder cache's store answers: one {@code exists} call on a key no one
 * writes. DOWN when it throws (fail-closed) or counts a store error (fail-open, where the
 * call itself answers as a miss); UP otherwise. Actuator shows it as {@code larder}.
 */
public class LarderHealthIndicator implements HealthIndicator {
  static final String PROBE_KEY = "larder-health-probe";

  private final Cache cache;

  /**
   * Creates the indicator.
   *
   * @param cache the cache whose store to check
   * @throws NullPointerException if {@code cache} is null
   */
  public LarderHealthIndicator(Cache cache) {
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  /**
   * Calls the store once and reports what happened.
   *
   * @return UP, or DOWN with the store error's message
   */
  @Override
  public Health health() {
    long before = cache.stats().storeErrors();
    try {
      cache.exists(PROBE_KEY);
    } catch (CacheException e) {
      return Health.down().withDetail("error", e.getMessage()).build();
    }
    if (cache.stats().storeErrors() > before) {
      return Health.down()
          .withDetail("error", "the store did not answer; reads answer as misses (fail-open)")
          .build();
    }
    return Health.up().build();
  }
}
