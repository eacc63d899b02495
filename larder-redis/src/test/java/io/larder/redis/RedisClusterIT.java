package io.larder.redis;

import static io.larder.redis.PatientTimeouts.PATIENT;
import static io.larder.redis.PatientTimeouts.patient;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.spi.Store;
import io.larder.testkit.Eventually;
import io.larder.testkit.NearReads;
import io.larder.testkit.RedisServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis Cluster specifics on a real 3-master cluster: bulk operations spread over every node
 * and merged, the namespace hash tag, bulk operations that meet a topology changed under
 * them, and the near tier's tracking of every master.
 */
class RedisClusterIT {
  private static TestCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(3);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  private static long keysOn(int node) throws Exception {
    return Long.parseLong(cluster.onNode(node, "dbsize").trim());
  }

  @Test
  void thousandsOfConcurrentMixedCallsEachGetTheirOwnAnswer() throws Exception {
    try (Cache cache = Larder.open(cluster.url() + "?prefix=mixed&failOpen=false" + PATIENT)) {
      MixedCalls.run(cache, 16, 200);
    }
  }

  @Test
  void bulkOperationsSpanEveryNodeAndMergeAsOneServerWould() throws Exception {
    try (Cache cache = Larder.open(cluster.url() + "?prefix=bulk&failOpen=false" + PATIENT)) {
      Map<String, Object> entries = new LinkedHashMap<>();
      for (int i = 0; i < 600; i++) {
        entries.put("k" + i, "v" + i);
      }
      cache.setMany(entries);
      for (int node = 0; node < 3; node++) {
        assertThat(keysOn(node)).as("keys on node %d", node).isPositive();
      }
      List<String> keys = new ArrayList<>(entries.keySet());
      keys.add("missing");
      keys.add("k7"); // a duplicate
      Map<String, String> got = cache.getMany(keys, String.class);
      assertThat(got).hasSize(600).containsEntry("k0", "v0").containsEntry("k599", "v599")
          .doesNotContainKey("missing");
      assertThat(cache.deleteMany(keys)).isEqualTo(600);
      assertThat(cache.getMany(keys, String.class)).isEmpty();
    }
  }

  @Test
  void gatheredWritesWithFourTtlsAreOneRoundTripPerNode() throws Exception {
    long[] ttls = {Store.NO_EXPIRY, 60_000, 120_000, 600_000};
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (int i = 0; i < 12; i++) {
      entries.put("each" + i, ("v" + i).getBytes(StandardCharsets.UTF_8));
    }
    ToLongFunction<String> ttlOf = key -> ttls[Integer.parseInt(key.substring(4)) % 4];
    List<ServerReads> reads = new ArrayList<>();
    try (Store store = RedisStores.open(patient(cluster.url()))) {
      store.setEach(entries, ttlOf); // opens the connection to each node
      for (RedisServer node : cluster.nodes) {
        reads.add(new ServerReads(node));
      }
      List<ServerReads.Snapshot> before = new ArrayList<>();
      for (ServerReads r : reads) {
        before.add(r.snapshot());
      }
      store.setEach(entries, ttlOf);
      long sets = 0;
      int nodesWritten = 0;
      for (int node = 0; node < reads.size(); node++) {
        ServerReads.Snapshot after = reads.get(node).snapshot();
        long nodeSets = after.sets() - before.get(node).sets();
        sets += nodeSets;
        if (nodeSets > 0) {
          nodesWritten++;
          assertThat(after.reads() - before.get(node).reads())
              .as("reads on node %d: its part of the batch and this INFO", node).isEqualTo(2);
        }
      }
      assertThat(sets).isEqualTo(12);
      assertThat(nodesWritten).as("nodes the 12 keys fell on").isGreaterThan(1);
      assertThat(Long.parseLong(cluster.onNode(0, "-c", "pttl", "each0").trim())).isEqualTo(-1);
      assertThat(Long.parseLong(cluster.onNode(0, "-c", "pttl", "each3").trim()))
          .isBetween(570_000L, 600_000L);
      assertThat(store.getMany(entries.keySet())).hasSize(12);
    } finally {
      for (ServerReads r : reads) {
        r.close();
      }
    }
  }

  @Test
  void theNamespaceHashTagKeepsANamespaceOnOneNode() throws Exception {
    long[] before = {keysOn(0), keysOn(1), keysOn(2)};
    try (Cache cache = Larder.open(cluster.url() + "?prefix=tagged&hashTag=namespace"
        + "&failOpen=false" + PATIENT)) {
      Cache notes = cache.namespace("notes");
      Map<String, Object> entries = new LinkedHashMap<>();
      for (int i = 0; i < 200; i++) {
        entries.put("n" + i, "v" + i);
      }
      notes.setMany(entries);
      notes.incr("count");
      int nodesWithNewKeys = 0;
      for (int node = 0; node < 3; node++) {
        if (keysOn(node) > before[node]) {
          nodesWithNewKeys++;
        }
      }
      assertThat(nodesWithNewKeys).isEqualTo(1);
      assertThat(notes.getMany(entries.keySet(), String.class)).hasSize(200);
      assertThat(cluster.onNode(0, "cluster", "keyslot", "~{tagged:notes}::n1").trim())
          .isEqualTo(cluster.onNode(0, "cluster", "keyslot", "~{tagged:notes}::n2").trim());
      cache.namespace("other").set("k", "kept");
      notes.clear();
      assertThat(notes.getMany(entries.keySet(), String.class)).isEmpty();
      assertThat(cache.namespace("other").get("k", String.class)).isEqualTo("kept");
      cache.clear();
    }
  }

  @Test
  void bulkOperationsFollowSlotsThatMovedSinceTheTopologyWasRead() throws Exception {
    try (Cache cache = Larder.open(cluster.url() + "?prefix=moving&failOpen=false" + PATIENT)) {
      Map<String, Object> entries = new LinkedHashMap<>();
      for (int i = 0; i < 300; i++) {
        entries.put("k" + i, "v" + i);
      }
      cache.setMany(entries);
      // move 2000 slots of node 0 to node 1, keys and all, behind the client's back
      long onNode0 = keysOn(0);
      String from = cluster.onNode(0, "cluster", "myid").trim();
      String to = cluster.onNode(1, "cluster", "myid").trim();
      TestCluster.redisCli(List.of("--cluster", "reshard",
          cluster.nodes.get(0).host() + ":" + cluster.nodes.get(0).port(),
          "--cluster-from", from, "--cluster-to", to, "--cluster-slots", "2000",
          "--cluster-yes"));
      TestCluster.awaitState(cluster.nodes, "cluster_state:ok");
      assertThat(keysOn(0)).as("keys moved away from node 0").isLessThan(onNode0);

      assertThat(cache.getMany(entries.keySet(), String.class)).hasSize(300);
      Map<String, Object> more = new LinkedHashMap<>();
      entries.keySet().forEach(k -> more.put(k, "w"));
      cache.setMany(more);
      assertThat(cache.getMany(entries.keySet(), String.class)).hasSize(300)
          .containsEntry("k0", "w");
      assertThat(cache.deleteMany(entries.keySet())).isEqualTo(300);
    }
  }

  /**
   * Returns, for each master, a key of the cache (prefix {@code prefix}) that lives on it,
   * after writing 60 keys through {@code cache}.
   */
  private static List<String> keyOnEachMaster(Cache cache, String prefix) throws Exception {
    Map<String, Object> entries = new LinkedHashMap<>();
    for (int i = 0; i < 60; i++) {
      entries.put("k" + i, "v1");
    }
    cache.setMany(entries);
    List<String> keys = new ArrayList<>();
    for (int node = 0; node < 3; node++) {
      // KEYS on a cluster node lists that node's keys only
      String first = cluster.onNode(node, "keys", "~" + prefix + ":*").lines().findFirst()
          .orElseThrow(() -> new AssertionError("no key on a master"));
      keys.add(first.substring(first.lastIndexOf(':') + 1));
    }
    return keys;
  }

  @Test
  void nearTierHearsAnotherClientsWriteToAKeyOnEachMaster() throws Exception {
    try (Cache cache = Larder.open(cluster.url() + "?prefix=cnear&near=4m&nearTtl=10m"
        + "&failOpen=false" + PATIENT);
        Cache other = Larder.open(cluster.url() + "?prefix=cnear&failOpen=false" + PATIENT)) {
      assertThat(cache.nearStats().tracking()).isTrue();
      List<String> keys = keyOnEachMaster(other, "cnear");
      for (String key : keys) {
        NearReads.awaitHit(cache, key, "v1");
      }
      long invalidations = cache.nearStats().invalidations();
      for (String key : keys) {
        other.set(key, "v2");
      }
      // each master pushes its key; nearTtl (10 minutes) cannot be what ends the entries
      BooleanSupplier allPushed = () -> cache.nearStats().invalidations() >= invalidations + 3;
      Eventually.await("an invalidation from each master", allPushed);
      for (String key : keys) {
        NearReads.awaitHit(cache, key, "v2");
      }
    }
  }

  @Test
  void aKilledNearTrackingConnectionOnOneMasterEmptiesTheWholeTier() throws Exception {
    // an earlier test's tracking connection that master 1 has not reaped yet is not this one's
    long newestBefore = nearClientIds(1).stream().mapToLong(Long::longValue).max().orElse(0);
    try (Cache cache = Larder.open(cluster.url() + "?prefix=ckill&near=4m&nearTtl=10m"
        + "&failOpen=false" + PATIENT)) {
      List<String> keys = keyOnEachMaster(cache, "ckill");
      for (String key : keys) {
        NearReads.awaitHit(cache, key, "v1");
      }
      int killed = 0;
      for (long id : nearClientIds(1)) {
        if (id > newestBefore) {
          killed += Integer.parseInt(
              cluster.onNode(1, "client", "kill", "id", String.valueOf(id)).trim());
        }
      }
      assertThat(killed).as("tracking connections killed on master 1").isEqualTo(1);
      // master 0's key goes too: nothing told it, but its entry is no longer held near
      String onMaster0 = keys.get(0);
      Eventually.await("master 0's key dropped from the tier", () -> {
        long hits = cache.nearStats().hits();
        long behind = cache.nearStats().behind();
        cache.get(onMaster0, String.class);
        return cache.nearStats().hits() == hits && cache.nearStats().behind() == behind;
      });
      // tracking comes back by itself and the tier fills again
      for (String key : keys) {
        NearReads.awaitHit(cache, key, "v1");
      }
    }
  }

  /** The ids of the near-tier tracking connections that a master lists. */
  private static List<Long> nearClientIds(int node) throws Exception {
    List<Long> ids = new ArrayList<>();
    for (String line : cluster.onNode(node, "client", "list").split("\n")) {
      if (line.contains("name=larder-near")) {
        ids.add(Long.parseLong(line.substring(line.indexOf("id=") + 3, line.indexOf(' '))));
      }
    }
    return ids;
  }
}
