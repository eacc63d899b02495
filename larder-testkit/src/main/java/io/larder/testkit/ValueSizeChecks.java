package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheCodecException;
import io.larder.CacheStats;
import java.util.Random;
import java.util.UUID;

/**
 * The checks behind {@link StoreContract}'s value-size group: a large compressible value
 * round-trips, and a value Larder could not read back (over the 64 MiB cap, or over the store's
 * own limit) is refused at {@code set}: thrown fail-closed, counted and the old value deleted
 * fail-open.
 */
final class ValueSizeChecks {
  /** Larder's cap on a value's codec bytes, as docs/codecs.md states it. */
  static final int CAP = 64 << 20;

  private ValueSizeChecks() {}

  /** A 40 MiB string written by a compressing cache reads back whole. */
  static void fortyMebibytesRoundTrip(Cache compressing) {
    String key = "big-" + UUID.randomUUID();
    String value = "larder ".repeat((40 << 20) / 7);
    try {
      compressing.set(key, value);
      assertThat(compressing.get(key, String.class)).isEqualTo(value);
      assertThat(compressing.stats().decodeErrors()).isZero();
    } finally {
      compressing.delete(key);
    }
  }

  /**
   * A value of {@code size} bytes (compressible or not) is refused at {@code set}: the
   * fail-closed cache throws and keeps nothing new; the fail-open cache counts a store error
   * and deletes the old value.
   */
  static void refusedAtSet(Cache failClosed, Cache failOpen, int size, boolean compressible) {
    String key = "over-" + UUID.randomUUID();
    byte[] value = new byte[size];
    if (compressible) {
      java.util.Arrays.fill(value, (byte) 'a');
    } else {
      new Random(14).nextBytes(value);
    }
    try {
      failClosed.set(key, "old");
      assertThatThrownBy(() -> failClosed.set(key, value))
          .isInstanceOf(CacheCodecException.class).hasMessageContaining("not stored");
      assertThat(failClosed.get(key, String.class)).isEqualTo("old");

      CacheStats before = failOpen.stats();
      failOpen.set(key, value);
      CacheStats used = failOpen.stats().minus(before);
      assertThat(used.storeErrors()).isEqualTo(1);
      assertThat(failOpen.get(key, String.class)).as("the old value is gone, not served").isNull();
      assertThat(failOpen.get(key, byte[].class)).isNull();
    } finally {
      failClosed.delete(key);
    }
  }
}
