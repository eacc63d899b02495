package io.larder.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.DecompressionBomb;
import io.larder.testkit.RedisServer;
import org.junit.jupiter.api.Test;

/**
 * Decompression bombs written raw to a real Redis and read by 16 threads in a JVM with a
 * 256 MiB heap: nothing reaches a caller, every read is a counted decode error.
 */
class RedisDecompressionBombIT {
  @Test
  void bombsReadAsCountedDecodeErrors() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      // a long timeout: on a loaded machine a slow read must not count as a store error
      DecompressionBomb.Result result =
          DecompressionBomb.run(redis.url() + "?timeout=30s", 16, 10);
      assertThat(result.throwables()).isZero();
      assertThat(result.decodeErrors()).isEqualTo(result.reads()).isEqualTo(160);
      assertThat(result.hits()).isZero();
      assertThat(result.storeErrors()).isZero();
    }
  }
}
