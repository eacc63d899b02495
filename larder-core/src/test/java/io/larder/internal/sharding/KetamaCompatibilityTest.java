package io.larder.internal.sharding;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ring places keys on the servers libmemcached 1.1.4 and pylibmc 1.6.3 choose.
 *
 * <p>How the vectors were produced (see docs/sharding.md, "How compatibility was checked"):
 *
 * <ul>
 *   <li>"libmemcached" vectors: a 40-line C program linked against Debian 12's
 *       {@code libmemcached-dev 1.1.4-1} (x86-64) that sets {@code MEMCACHED_BEHAVIOR_KETAMA} or
 *       {@code MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED}, adds the servers with
 *       {@code memcached_server_add_with_weight}, and prints the server that
 *       {@code memcached_generate_hash} picks for each key. No server runs; hosts are never
 *       resolved.
 *   <li>"pylibmc" vectors: Debian's {@code python3-pylibmc 1.6.3} (over the same libmemcached)
 *       with {@code behaviors={"ketama": True}} or {@code {"ketama_weighted": True}} set each key
 *       on real memcached 1.6.18 servers on loopback addresses; then each server was asked
 *       alone which keys it holds.
 * </ul>
 *
 * <p>Expected servers are written as 1-based positions in the server list, one per key of
 * {@link #KEYS}. The keys include UTF-8 (bytes from 0x80 up: one-at-a-time reads them signed),
 * a 250-byte key, and keys chosen because a plausible mistake moves them: ones that wrap past
 * the last ring point ({@code key:123}, {@code key:550}, {@code key:2490}...) and ones that move
 * when the weighted point count is computed in double instead of float ({@code key:8},
 * {@code key:63}, {@code key:68} with 25 servers).
 */
class KetamaCompatibilityTest {
  static final List<String> KEYS = List.of("user:312", "user:313", "note:1:markup",
      "~shop:notes::312", "hits:/books/312", "a", "Z", "0", "clé", "日本語", "ключ:7", "emoji😀",
      "ÿ", "session:6f1d2c3a", "page:/index.html?x=1", "k".repeat(250), "clé:0", "clé:4",
      "key:123", "key:717", "key:736", "key:550", "key:720", "key:2490", "key:8", "key:63",
      "key:68");

  // ---- libmemcached 1.1.4, MEMCACHED_BEHAVIOR_KETAMA -----------------------------------------

  @Test
  void ketamaWithDefaultPortsLeavesThePortOutOfPointStrings() {
    assertPlacement(Hashing.KETAMA, List.of(
        node("10.0.1.1:11211"), node("10.0.1.2:11211"), node("10.0.1.3:11211")),
        "2 1 2 3 1 2 3 3 3 2 2 2 1 2 3 2 2 3 1 1 1 1 1 3 3 1 3");
  }

  @Test
  void ketamaWithMixedPortsAndAHostWithoutPort() {
    assertPlacement(Hashing.KETAMA, List.of(
        node("cache-a.example.com:22122"), node("cache-b.example.com:22123"),
        node("localhost"), node("10.0.1.4:11212")),
        "4 1 3 2 4 1 2 2 3 1 3 4 1 3 3 3 4 4 4 4 4 4 2 1 1 3 1");
  }

  @Test
  void ketamaWithWeightsUsesWeightedMd5PointsButTheOneAtATimeKeyHash() {
    assertPlacement(Hashing.KETAMA, List.of(
        node("10.0.1.1:11211", 1), node("10.0.1.2:11211", 2), node("10.0.1.3:11211", 3)),
        "1 3 3 3 2 3 3 3 2 2 2 1 1 3 3 1 2 2 3 2 2 3 3 3 1 2 2");
  }

  // ---- libmemcached 1.1.4, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED --------------------------------

  @Test
  void weightedWithEqualWeights() {
    assertPlacement(Hashing.KETAMA_WEIGHTED, List.of(
        node("10.0.1.1:11211"), node("10.0.1.2:11211"), node("10.0.1.3:11211")),
        "2 2 3 3 1 3 3 3 3 2 2 1 2 2 3 2 2 3 2 1 2 2 2 2 1 3 3");
  }

  @Test
  void weightedWithWeightsAndMixedPorts() {
    assertPlacement(Hashing.KETAMA_WEIGHTED, List.of(
        node("cache-a.example.com:22122", 1), node("cache-b.example.com:22123", 2),
        node("localhost:11211", 3), node("10.0.1.4:11212", 7)),
        "4 4 4 4 4 4 4 4 2 4 4 4 3 3 3 4 4 3 3 4 4 4 4 3 3 4 4");
  }

  @Test
  void weightedWithTwentyFiveServersGivesEach156PointsAsFloatArithmeticDoes() {
    List<KetamaRing.Node> servers = new ArrayList<>();
    for (int i = 1; i <= 25; i++) {
      servers.add(node("s" + i + ":11211"));
    }
    assertPlacement(Hashing.KETAMA_WEIGHTED, servers, "23 23 13 3 3 19 3 7 21 10 25 15 16 21 23 "
        + "11 23 3 10 16 21 21 2 15 14 13 7");
  }

  @Test
  void weightedWithIpv6AddressesHashesThemWithoutBrackets() {
    assertPlacement(Hashing.KETAMA_WEIGHTED, List.of(node("[::1]:11211"), node("[fe80::1]:22122")),
        "1 2 1 1 2 2 2 2 1 1 1 1 1 1 1 1 1 1 1 2 2 1 1 1 2 2 1");
  }

  // ---- pylibmc 1.6.3 through real memcached servers -------------------------------------------

  @Test
  void pylibmcKetama() {
    assertPlacement(Hashing.KETAMA, List.of(
        node("127.0.0.2:11211"), node("127.0.0.1:31002"), node("127.0.0.4:11211")),
        "3 2 3 3 2 2 3 3 3 1 1 3 1 3 3 3 3 1 3 3 3 3 2 2 1 2 1");
  }

  @Test
  void pylibmcKetamaWeighted() {
    assertPlacement(Hashing.KETAMA_WEIGHTED, List.of(
        node("127.0.0.2:11211"), node("127.0.0.1:31002"), node("127.0.0.4:11211")),
        "2 1 3 2 3 1 3 1 1 2 1 1 1 2 3 1 2 1 2 1 3 1 1 1 1 1 1");
  }

  @Test
  void pylibmcKetamaWithWeights() {
    assertPlacement(Hashing.KETAMA, List.of(
        node("127.0.0.1:31001", 1), node("127.0.0.1:31002", 2), node("127.0.0.1:31003", 3)),
        "3 3 2 3 3 2 3 3 3 3 3 3 1 3 3 1 2 2 3 3 3 3 2 3 2 3 3");
  }

  @Test
  void pylibmcKetamaWeightedWithWeights() {
    assertPlacement(Hashing.KETAMA_WEIGHTED, List.of(
        node("127.0.0.1:31001", 1), node("127.0.0.1:31002", 2), node("127.0.0.1:31003", 3)),
        "2 3 3 3 1 3 3 3 3 1 3 1 3 3 3 3 2 2 3 3 3 3 3 3 3 3 3");
  }

  // ---- libhashkit's key hashes ----------------------------------------------------------------

  /**
   * Values printed by {@code memcached_generate_hash_value(key, len, MEMCACHED_HASH_DEFAULT)}
   * (one-at-a-time) and {@code MEMCACHED_HASH_MD5} from Debian's libmemcached 1.1.4.
   */
  @Test
  void keyHashesMatchLibhashkit() {
    assertHashes("a", 3392050242L, 3111502092L);
    assertHashes("hello", 3372029979L, 708854109L);
    assertHashes("user:312", 2296308601L, 2588507173L);
    assertHashes("clé", 1968136217L, 1925876898L);
    assertHashes("日本語", 1387473336L, 4161409280L);
    assertHashes("10.0.1.1-0", 67800135L, 2383802539L);
    assertHashes("10.0.1.1:22122-0", 2109436579L, 3756527681L);
    assertHashes("ÿÿÿÿ", 1241632171L, 1442414959L);
  }

  private static void assertHashes(String key, long oneAtATime, long md5) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    assertThat(Integer.toUnsignedLong(KetamaRing.keyHash(Hashing.KETAMA, bytes)))
        .as("one-at-a-time of %s", key).isEqualTo(oneAtATime);
    assertThat(Integer.toUnsignedLong(KetamaRing.keyHash(Hashing.KETAMA_WEIGHTED, bytes)))
        .as("md5 of %s", key).isEqualTo(md5);
  }

  // ---- helpers --------------------------------------------------------------------------------

  static KetamaRing.Node node(String name) {
    return new KetamaRing.Node(name, 1);
  }

  static KetamaRing.Node node(String name, int weight) {
    return new KetamaRing.Node(name, weight);
  }

  private static void assertPlacement(Hashing hashing, List<KetamaRing.Node> servers,
      String expected) {
    String[] positions = expected.trim().split("\\s+");
    assertThat(positions).hasSameSizeAs(KEYS.toArray());
    KetamaRing ring = KetamaRing.of(hashing, servers);
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < KEYS.size(); i++) {
      String want = servers.get(Integer.parseInt(positions[i]) - 1).name();
      String got = servers.get(ring.serverFor(KEYS.get(i))).name();
      if (!want.equals(got)) {
        mismatches.add(abbreviate(KEYS.get(i)) + " -> " + got + ", libmemcached: " + want);
      }
    }
    assertThat(mismatches).as("keys placed unlike libmemcached").isEmpty();
  }

  private static String abbreviate(String key) {
    return key.length() > 20 ? key.substring(0, 8) + "...(" + key.length() + " chars)" : key;
  }
}
