package io.larder.redis;

import static io.larder.redis.PatientTimeouts.patient;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.testkit.RedisServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code diagnose()} against servers set up well and badly, with 5 s timeouts: a diagnose call
 * that times out throws rather than warns, and the cluster cases run right after the cluster
 * starts, when a loaded machine is busiest.
 */
class RedisDiagnoseIT {

  @Test
  void redisDefaultsWarnAboutMaxmemoryAndNoeviction() {
    try (RedisServer redis = RedisServer.start()) {
      List<String> warnings = RedisStores.diagnose(patient(redis.url() + "?prefix=shop&ttl=60s"));
      assertThat(warnings).hasSize(2);
      assertThat(warnings.get(0)).startsWith("maxmemory is 0");
      assertThat(warnings.get(1)).startsWith("maxmemory-policy is noeviction");
    }
  }

  @Test
  void aBoundedLruServerGetsNoWarning() {
    try (RedisServer redis = RedisServer.builder()
        .args("--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru").start();
        RedisCacheStore store = RedisStores.open(patient(redis.url()))) {
      assertThat(store.diagnose()).isEmpty();
    }
  }

  @Test
  void appendfsyncAlwaysIsAWarning() {
    try (RedisServer redis = RedisServer.builder().args("--maxmemory", "64mb",
        "--maxmemory-policy", "allkeys-lfu", "--appendonly", "yes", "--appendfsync", "always")
        .start()) {
      assertThat(RedisStores.diagnose(patient(redis.url()))).singleElement().asString()
          .startsWith("appendfsync is always");
    }
  }

  @Test
  void aClusterWithSlotsNobodyServesIsAWarning() throws Exception {
    try (RedisServer node = RedisServer.builder().args("--cluster-enabled", "yes",
        "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru").start()) {
      TestCluster.redisCli(List.of("-p", String.valueOf(node.port()), "cluster",
          "addslotsrange", "0", "100"));
      List<String> warnings = RedisStores.diagnose(patient("redis-cluster://" + node.host()
          + ":" + node.port()));
      assertThat(warnings).anySatisfy(w ->
          assertThat(w).startsWith("16283 of 16384 hash slots are assigned to no node"));
      assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("cluster_state is fail"));
    }
  }

  @Test
  void aHealthyClusterWarnsOncePerSettingNamingTheNodes() throws Exception {
    try (TestCluster cluster = TestCluster.start(3)) {
      List<String> warnings = RedisStores.diagnose(patient(cluster.url()));
      assertThat(warnings).hasSize(2);
      assertThat(warnings.get(0)).contains("maxmemory is 0")
          .contains(String.valueOf(cluster.nodes.get(0).port()))
          .contains(String.valueOf(cluster.nodes.get(2).port()));
    }
  }
}
