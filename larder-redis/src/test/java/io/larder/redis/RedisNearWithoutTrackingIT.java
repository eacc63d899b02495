package io.larder.redis;

import static io.larder.redis.PatientTimeouts.PATIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.ManualClock;
import io.larder.testkit.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The near tier on a real Redis that cannot track ({@code HELLO} renamed away, so it refuses
 * RESP3, as Redis before 6 does): {@code near=} falls back to entries bounded by
 * {@code nearTtl}, says so in exactly one warning at open, and another client's write is seen
 * once the entry's {@code nearTtl} ends.
 */
class RedisNearWithoutTrackingIT {
  private static RedisServer redis;

  @BeforeAll
  static void start() {
    redis = RedisServer.builder().args("--rename-command", "HELLO", "").start();
  }

  @AfterAll
  static void stop() {
    redis.stop();
  }

  /** Collects what Larder logs at WARNING or above while open. */
  private static final class Warnings extends Handler implements AutoCloseable {
    final List<String> messages = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger("io.larder");

    Warnings() {
      logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        messages.add(record.getMessage());
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      logger.removeHandler(this);
    }
  }

  @Test
  void nearFallsBackToNearTtlWithOneWarningAtOpen() {
    ManualClock clock = new ManualClock();
    Cache cache;
    try (Warnings warnings = new Warnings()) {
      cache = Larder.builder().url(redis.url() + "?prefix=fallback&near=4m&nearTtl=2s" + PATIENT)
          .clock(clock).build();
      assertThat(warnings.messages).as("warnings at open").hasSize(1);
      assertThat(warnings.messages.get(0)).contains("option 'near'")
          .contains("cannot push invalidations").contains("nearTtl (2000 ms)");
    }
    try (cache; Cache other = Larder.open(redis.url() + "?prefix=fallback" + PATIENT)) {
      assertThat(cache.nearStats().enabled()).isTrue();
      assertThat(cache.nearStats().tracking()).isFalse();
      other.set("k", "v1");
      assertThat(cache.get("k", String.class)).isEqualTo("v1");
      long hits = cache.nearStats().hits();
      assertThat(cache.get("k", String.class)).isEqualTo("v1");
      assertThat(cache.nearStats().hits()).as("served near").isEqualTo(hits + 1);
      other.set("k", "v2");
      // no push: the near entry stands until its nearTtl ends, and not a moment longer
      clock.advance(Duration.ofMillis(1_900));
      assertThat(cache.get("k", String.class)).isEqualTo("v1");
      clock.advance(Duration.ofMillis(101));
      assertThat(cache.get("k", String.class)).isEqualTo("v2");
      // this process's own writes are seen at once
      cache.set("k", "v3");
      assertThat(cache.get("k", String.class)).isEqualTo("v3");
    }
  }
}
