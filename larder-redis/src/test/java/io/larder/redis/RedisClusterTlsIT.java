package io.larder.redis;

import static io.larder.redis.PatientTimeouts.PATIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.Larder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A Redis Cluster over TLS ({@code redis-cluster://…?tls=true}): clients and the cluster bus. */
class RedisClusterTlsIT {

  @Test
  void aTlsClusterServesBulkCallsScriptsAndClear() throws Exception {
    Path dir = Files.createTempDirectory("larder-redis-cluster-tls");
    try (TestCluster cluster = TestCluster.start(3, TestTls.create(dir));
        Cache cache = Larder.open(cluster.url() + "&prefix=tls&failOpen=false" + PATIENT)) {
      Map<String, Object> entries = new LinkedHashMap<>();
      for (int i = 0; i < 300; i++) {
        entries.put("k" + i, "v" + i);
      }
      cache.setMany(entries);
      assertThat(cache.getMany(entries.keySet(), String.class)).hasSize(300);
      assertThat(cache.incr("n", 5)).isEqualTo(5);
      assertThat(cache.update("n", Long.class, v -> v * 2)).isEqualTo(10L);
      cache.clear();
      assertThat(cache.getMany(List.of("k0", "k1", "n"), String.class)).isEmpty();
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
