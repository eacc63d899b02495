package io.larder.redis;

import static io.larder.redis.PatientTimeouts.PATIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.Larder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The caller-thread path of a cluster on a real 3-master cluster: single-key calls on each
 * primary's own connections, redirections met there followed through Lettuce while slots move
 * by hand ({@code CLUSTER SETSLOT … IMPORTING/MIGRATING}, {@code MIGRATE}, {@code SETSLOT …
 * NODE}) under concurrent callers, and the threads and sockets a store keeps.
 */
class RedisClusterDirectIT {
  private static final int KEYS = 400;
  private static final int THREADS = 8;
  private static TestCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(3);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
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
              calls.addAndGet(3);
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
      for (int i = 0; i < KEYS; i++) {
        assertThat(cache.get("k" + i, String.class)).as("k" + i).endsWith("-k" + i);
      }
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
        .as("connections named larder after close()").isEqualTo(clientsBefore);
  }

  private static Set<Thread> watchdogs() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("larder-redis-watchdog"))
        .collect(Collectors.toSet());
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
