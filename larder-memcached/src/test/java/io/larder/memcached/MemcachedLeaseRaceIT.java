package io.larder.memcached;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.LeaseRace;
import io.larder.testkit.MemcachedServer;
import org.junit.jupiter.api.Test;

/** Four JVMs on one cold key against one real memcached, in lease mode: one computation in all. */
class MemcachedLeaseRaceIT {
  @Test
  void fourProcessesComputeOnce() throws Exception {
    try (MemcachedServer memcached = MemcachedServer.start()) {
      // a lease call that timed out would fail open and compute a second time
      LeaseRace.Result result = LeaseRace.run(memcached.url() + "?timeout=5s", 4);
      assertThat(result.computations()).isEqualTo(1);
      assertThat(result.values()).hasSize(4).containsOnly(result.values().get(0));
    }
  }
}
