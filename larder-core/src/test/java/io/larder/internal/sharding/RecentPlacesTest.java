package io.larder.internal.sharding;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The table of recent places answers for a key only what the ring says of that very key. */
class RecentPlacesTest {
  private static final List<KetamaRing.Node> THREE = List.of(new KetamaRing.Node("a:1", 1),
      new KetamaRing.Node("b:2", 1), new KetamaRing.Node("c:3", 1));

  @Property(tries = 20, seed = "20261205")
  void everyKeyReadOnceOrAgainIsPlacedWhereTheRingPlacesIt(@ForAll("keys") List<String> keys,
      @ForAll @IntRange(min = 1, max = 6) int servers, @ForAll boolean weighted) {
    for (Hashing hashing : Hashing.values()) {
      KetamaRing ring = KetamaRing.of(hashing, KeyPlacerTest.nodes(servers, weighted));
      RecentPlaces recent = new RecentPlaces();
      for (int pass = 0; pass < 2; pass++) { // the second pass is answered from the table
        KeyPlacer placer = new KeyPlacer(ring);
        for (String key : keys) {
          assertThat(recent.serverFor(key, placer)).as("%s in %s, pass %d", key, hashing, pass)
              .isEqualTo(ring.serverFor(key.getBytes(StandardCharsets.UTF_8)));
        }
      }
    }
  }

  @Provide
  Arbitrary<List<String>> keys() {
    // more keys than slots in some lists, so that keys share slots and push each other out
    Arbitrary<String> key = Arbitraries.oneOf(
        Arbitraries.strings().ascii().ofMinLength(0).ofMaxLength(40),
        Arbitraries.strings().all().ofMinLength(0).ofMaxLength(20),
        Arbitraries.integers().between(0, 20_000).map(i -> "page:" + i));
    return key.list().ofMinSize(1).ofMaxSize(3 * RecentPlaces.SLOTS);
  }

  @Test
  void aKeyPlacedBeforeIsAnsweredFromTheTableWithoutHashing() {
    KetamaRing ring = KetamaRing.of(Hashing.KETAMA_WEIGHTED, THREE);
    RecentPlaces recent = new RecentPlaces();
    String key = firstKeyPlacedOn(ring, 2);
    assertThat(recent.serverFor(key, new KeyPlacer(ring))).isEqualTo(2);
    // a placer over a ring with one server would say 0: the table's answer stands
    KetamaRing single = KetamaRing.of(Hashing.KETAMA_WEIGHTED, THREE.subList(0, 1));
    assertThat(recent.serverFor(key, new KeyPlacer(single))).isEqualTo(2);
  }

  @Test
  void aKeySharingAnotherKeysSlotIsNeverGivenThatKeysServer() {
    KetamaRing ring = KetamaRing.of(Hashing.KETAMA_WEIGHTED, THREE);
    RecentPlaces recent = new RecentPlaces();
    String first = firstKeyPlacedOn(ring, 2);
    String other = null;
    for (int i = 0; other == null; i++) { // a key of the same slot: checked by text, not slot
      String candidate = "other:" + i;
      if (slot(candidate) == slot(first) && !candidate.equals(first)) {
        other = candidate;
      }
    }
    recent.serverFor(first, new KeyPlacer(ring));
    KetamaRing single = KetamaRing.of(Hashing.KETAMA_WEIGHTED, THREE.subList(0, 1));
    assertThat(recent.serverFor(other, new KeyPlacer(single))).isEqualTo(0);
    // and the other key now holds the slot: the first is placed again
    assertThat(recent.serverFor(first, new KeyPlacer(single))).isEqualTo(0);
  }

  private static String firstKeyPlacedOn(KetamaRing ring, int server) {
    for (int i = 0; ; i++) {
      String key = "key:" + i;
      if (ring.serverFor(key) == server) {
        return key;
      }
    }
  }

  private static int slot(String key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (RecentPlaces.SLOTS - 1);
  }
}
