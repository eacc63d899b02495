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
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis Cluster specifics on a real 3-master cluster: bulk operations spread over every node
 * and merged, the namespace hash tag, bulk operations that meet a topology changed under
 * them, the near tier's tracking of every master, and the caller-thread path: single-key calls
 * on each primary's own connections, redirections met there followed through Lettuce while
 * slots move by hand under concurrent callers, and the threads and sockets a store keeps.
 */
class RedisClusterIT {
  private static TestCluster cluster;
  private static final int KEYS = 400;
  private static final int THREADS = 8;

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

  /**
   * Eight threads each write distinct values to keys of their own and read them back, and read
   * every other key, while the slots of three keys on node 0 move to node 1 and back, phase by
   * phase. Every answer must be the caller's own: its own last write, or, for another thread's
   * key, a value written for that key. A {@code MOVED} or {@code ASK} not followed fails the call
   * ({@code failOpen=false}); one read as a miss or as another call's reply fails the check.
   */
  @Test
  void singleKeyCallsFollowSlotsMovedByHandUnderConcurrentCallers() throws Exception {
    try (Cache cache = Larder.open(cluster.url() + "?prefix=mv&failOpen=false" + PATIENT)) {
      Map<String, Object> entries = new LinkedHashMap<>();
      for (int i = 0; i < KEYS; i++) {
        entries.put("k" + i, "0-k" + i);
      }
      cache.setMany(entries);
      assertThat(cache.get("k0", String.class)).isEqualTo("0-k0");
      assertThat(larderClients(0)).as("Lettuce's and the two caller-thread connections")
          .isGreaterThanOrEqualTo(3);

      List<Integer> slots = slotsOfKeysOn(0, 3);
      List<String> moving = new ArrayList<>(); // read on every round, so that calls meet them
      for (int slot : slots) {
        for (String key : cluster.onNode(0, "cluster", "getkeysinslot", String.valueOf(slot),
            "10").lines().filter(l -> !l.isBlank()).toList()) {
          moving.add(key.substring(key.lastIndexOf(':') + 1));
        }
      }
      assertThat(moving).as("keys of the moving slots").isNotEmpty();
      long redirectsBefore = redirects(0) + redirects(1);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong calls = new AtomicLong();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int me = t;
        Thread thread = new Thread(() -> {
          long n = 0;
          try {
            while (!stop.get()) {
              ThreadLocalRandom random = ThreadLocalRandom.current();
              int own = me + THREADS * random.nextInt(KEYS / THREADS);
              String value = me + "." + ++n + "-k" + own;
              if (n % 7 == 0) {
                assertThat(cache.delete("k" + own)).as("delete of k" + own).isTrue();
                assertThat(cache.get("k" + own, String.class)).as("k" + own + " deleted").isNull();
              }
              cache.set("k" + own, value);
              assertThat(cache.get("k" + own, String.class)).as("k" + own).isEqualTo(value);
              int other = random.nextInt(KEYS);
              if (other % THREADS != me) { // another thread's key may be deleted right now
                String read = cache.get("k" + other, String.class);
                if (read != null) {
                  assertThat(read).as("k" + other).endsWith("-k" + other);
                }
              }
              String hot = moving.get(random.nextInt(moving.size()));
              String read = cache.get(hot, String.class);
              if (read != null) { // null: deleted by its own thread right now
                assertThat(read).as(hot).endsWith("-" + hot);
              }
              calls.addAndGet(4);
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        });
        thread.start();
        threads.add(thread);
      }
      for (int slot : slots) {
        moveSlot(slot, 0, 1);
      }
      for (int slot : slots) {
        moveSlot(slot, 1, 0);
      }
      stop.set(true);
      for (Thread thread : threads) {
        thread.join();
      }
      assertThat(failures).isEmpty();
      assertThat(calls.get()).isGreaterThan(100);
      assertThat(redirects(0) + redirects(1)).as("MOVED and ASK replies of nodes 0 and 1:"
          + " the callers met the moves").isGreaterThan(redirectsBefore);
      for (int i = 0; i < KEYS; i++) {
        assertThat(cache.get("k" + i, String.class)).as("k" + i).endsWith("-k" + i);
      }
    }
  }

  /**
   * A namespace kept in one slot ({@code hashTag=namespace}) is read with one {@code MGET} on
   * its node's caller-thread connections; after the slot moved to another node behind the
   * client's back, that node answers {@code MOVED}, and the read is sent again through Lettuce,
   * which follows it: every value comes back, the old and then the new.
   */
  @Test
  void aNamespaceReadOnItsNodeFollowsItsSlotToAnotherNode() throws Exception {
    try (Cache cache = Larder.open(cluster.url() + "?prefix=htm&hashTag=namespace"
        + "&failOpen=false" + PATIENT)) {
      Cache moved = cache.namespace("moved");
      Map<String, Object> entries = new LinkedHashMap<>();
      for (int i = 0; i < 50; i++) {
        entries.put("k" + i, "v" + i);
      }
      moved.setMany(entries);
      assertThat(moved.getMany(entries.keySet(), String.class)).isEqualTo(entries);
      int slot = Integer.parseInt(cluster.onNode(0, "cluster", "keyslot", "~{htm:moved}::k0")
          .trim());
      int from = -1;
      for (int node = 0; node < 3; node++) {
        if (!cluster.onNode(node, "cluster", "getkeysinslot", String.valueOf(slot), "1")
            .isBlank()) {
          from = node;
        }
      }
      assertThat(from).as("the node holding the namespace").isNotNegative();
      moveSlot(slot, from, (from + 1) % 3);
      assertThat(moved.getMany(entries.keySet(), String.class)).isEqualTo(entries);
      entries.replaceAll((k, v) -> "w" + k);
      moved.setMany(entries);
      assertThat(moved.getMany(entries.keySet(), String.class)).isEqualTo(entries);
      moveSlot(slot, (from + 1) % 3, from);
      assertThat(moved.getMany(entries.keySet(), String.class)).isEqualTo(entries);
      cache.clear();
    }
  }

  /**
   * A store's caller-thread connections to every primary share one watchdog thread, which
   * {@code close()} ends, with every socket it opened.
   */
  @Test
  void oneWatchdogThreadServesEveryNodeAndCloseEndsItAndTheSockets() throws Exception {
    Set<Thread> before = watchdogs();
    int clientsBefore = larderClients(0) + larderClients(1) + larderClients(2);
    Cache cache = Larder.open(cluster.url() + "?prefix=wd&failOpen=false" + PATIENT);
    try {
      Map<String, Object> entries = new LinkedHashMap<>();
      for (int i = 0; i < 100; i++) {
        entries.put("k" + i, "v" + i);
      }
      cache.setMany(entries);
      for (int i = 0; i < 100; i++) {
        assertThat(cache.get("k" + i, String.class)).isEqualTo("v" + i);
      }
      Set<Thread> added = watchdogs();
      added.removeAll(before);
      assertThat(added).as("watchdog threads of one cluster store").hasSize(1);
      assertThat(larderClients(0) + larderClients(1) + larderClients(2) - clientsBefore)
          .as("a Lettuce connection and two caller-thread ones per primary")
          .isGreaterThanOrEqualTo(9);
    } finally {
      cache.close();
    }
    for (Thread t : watchdogs()) {
      if (!before.contains(t)) {
        t.join(30_000);
        assertThat(t.isAlive()).as(t.getName() + " after close()").isFalse();
      }
    }
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (larderClients(0) + larderClients(1) + larderClients(2) > clientsBefore
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(larderClients(0) + larderClients(1) + larderClients(2))
        .as("connections named larder after close()").isLessThanOrEqualTo(clientsBefore);
  }

  private static Set<Thread> watchdogs() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("larder-redis-watchdog"))
        .collect(Collectors.toSet());
  }

  /** How many {@code MOVED} and {@code ASK} replies a node has sent ({@code INFO errorstats}). */
  private static long redirects(int node) throws Exception {
    long n = 0;
    for (String line : cluster.onNode(node, "info", "errorstats").lines().toList()) {
      if (line.startsWith("errorstat_MOVED:") || line.startsWith("errorstat_ASK:")) {
        n += Long.parseLong(line.substring(line.indexOf("count=") + 6).split(",")[0].trim());
      }
    }
    return n;
  }

  private static int larderClients(int node) throws Exception {
    return (int) cluster.onNode(node, "client", "list").lines()
        .filter(l -> l.contains(" name=larder ")).count();
  }

  /** The slots of up to {@code count} of this test's keys stored on {@code node}. */
  private static List<Integer> slotsOfKeysOn(int node, int count) throws Exception {
    List<Integer> slots = new ArrayList<>();
    for (String key : cluster.onNode(node, "keys", "~mv:*").lines().toList()) {
      int slot = Integer.parseInt(cluster.onNode(node, "cluster", "keyslot", key).trim());
      if (!slots.contains(slot)) {
        slots.add(slot);
      }
      if (slots.size() == count) {
        break;
      }
    }
    assertThat(slots).as("slots of keys on node " + node).isNotEmpty();
    return slots;
  }

  /**
   * Moves a slot and its keys from one node to another as {@code redis-cli --cluster reshard}
   * does, pausing between the phases so that callers meet {@code ASK} (importing/migrating)
   * and then {@code MOVED} (the client's topology is stale).
   */
  private static void moveSlot(int slot, int from, int to) throws Exception {
    String fromId = cluster.onNode(from, "cluster", "myid").trim();
    String toId = cluster.onNode(to, "cluster", "myid").trim();
    String s = String.valueOf(slot);
    cluster.onNode(to, "cluster", "setslot", s, "importing", fromId);
    cluster.onNode(from, "cluster", "setslot", s, "migrating", toId);
    Thread.sleep(200);
    while (true) {
      List<String> keys = cluster.onNode(from, "cluster", "getkeysinslot", s, "100").lines()
          .filter(l -> !l.isBlank()).toList();
      if (keys.isEmpty()) {
        break;
      }
      List<String> migrate = new ArrayList<>(List.of("migrate", cluster.nodes.get(to).host(),
          String.valueOf(cluster.nodes.get(to).port()), "", "0", "5000", "KEYS"));
      migrate.addAll(keys);
      cluster.onNode(from, migrate.toArray(String[]::new));
      Thread.sleep(100);
    }
    cluster.onNode(to, "cluster", "setslot", s, "node", toId);
    cluster.onNode(from, "cluster", "setslot", s, "node", toId);
    cluster.onNode(3 - from - to, "cluster", "setslot", s, "node", toId);
    Thread.sleep(300);
  }
}
