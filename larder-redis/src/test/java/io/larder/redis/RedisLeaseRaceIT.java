package io.larder.redis;

import static io.larder.redis.PatientTimeouts.patient;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.LeaseRace;
import io.larder.testkit.RedisServer;
import org.junit.jupiter.api.Test;

/** Four JVMs on one cold key against one real Redis, in lease mode: one computation in all. */
class RedisLeaseRaceIT {
  @Test
  void fourProcessesComputeOnce() throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      // a lease call that timed out would fail open and compute a second time
      LeaseRace.Result result = LeaseRace.run(patient(redis.url()), 4);
      assertThat(result.computations()).isEqualTo(1);
      assertThat(result.values()).hasSize(4).containsOnly(result.values().get(0));
    }
  }
}
