package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DiagnosticsTest {

  @Test
  void redisDefaultsGetTwoWarnings() {
    List<String> w = Diagnostics.settings(Map.of("maxmemory", "0",
        "maxmemory-policy", "noeviction", "appendonly", "no", "appendfsync", "everysec"));
    assertThat(w).hasSize(2);
    assertThat(w.get(0)).startsWith("maxmemory is 0");
    assertThat(w.get(1)).startsWith("maxmemory-policy is noeviction");
  }

  @Test
  void aBoundedLruServerIsFine() {
    assertThat(Diagnostics.settings(Map.of("maxmemory", "104857600",
        "maxmemory-policy", "allkeys-lru", "appendonly", "yes", "appendfsync", "everysec")))
        .isEmpty();
  }

  @Test
  void volatilePoliciesWarnAboutEntriesWithoutTtl() {
    assertThat(Diagnostics.settings(Map.of("maxmemory", "1", "maxmemory-policy", "volatile-lru")))
        .singleElement().asString().contains("only entries with a TTL");
  }

  @Test
  void appendfsyncAlwaysWarnsOnlyWithAppendOnlyOn() {
    assertThat(Diagnostics.settings(Map.of("appendonly", "yes", "appendfsync", "always")))
        .singleElement().asString().startsWith("appendfsync is always");
    assertThat(Diagnostics.settings(Map.of("appendonly", "no", "appendfsync", "always"))).isEmpty();
  }

  @Test
  void infoStandsInForConfigGet() {
    String info = "# Memory\r\nused_memory:1000\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n"
        + "\r\n# Persistence\r\naof_enabled:1\r\n";
    assertThat(Diagnostics.settingsFromInfo(info)).containsExactly(Map.entry("maxmemory", "0"),
        Map.entry("maxmemory-policy", "noeviction"), Map.entry("appendonly", "yes"));
  }

  @Test
  void uncoveredSlotsAndAFailedStateAreReported() {
    String info = "cluster_state:fail\r\ncluster_slots_assigned:101\r\ncluster_slots_ok:101\r\n"
        + "cluster_slots_pfail:0\r\ncluster_slots_fail:0\r\n";
    List<String> w = Diagnostics.cluster(info);
    assertThat(w).hasSize(2);
    assertThat(w.get(0)).startsWith("16283 of 16384 hash slots are assigned to no node");
    assertThat(w.get(1)).startsWith("cluster_state is fail");
  }

  @Test
  void aHealthyClusterIsFine() {
    assertThat(Diagnostics.cluster("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"
        + "cluster_slots_ok:16384\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\n")).isEmpty();
  }

  @Test
  void failingSlotsAreCounted() {
    assertThat(Diagnostics.cluster("cluster_state:ok\r\ncluster_slots_assigned:16384\r\n"
        + "cluster_slots_pfail:5000\r\ncluster_slots_fail:0\r\n"))
        .singleElement().asString().startsWith("5000 hash slots are served by nodes that are failing");
  }

  @Test
  void warningsSharedByNodesAreGivenOnce() {
    Map<String, List<String>> byServer = new LinkedHashMap<>();
    byServer.put("h:1", List.of("a", "b"));
    byServer.put("h:2", List.of("a"));
    assertThat(Diagnostics.merge(byServer, true)).containsExactly("h:1, h:2: a", "h:1: b");
    assertThat(Diagnostics.merge(Map.of("h:1", List.of("a")), false)).containsExactly("a");
  }
}
