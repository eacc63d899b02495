package io.larder.internal.sharding;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The per-call placer of bulk reads puts every key where the ring does. */
class KeyPlacerTest {

  @Property(tries = 25, seed = "20261205")
  void thePlacerPutsEveryKeyWhereTheRingDoes(@ForAll("keys") List<String> keys,
      @ForAll @IntRange(min = 1, max = 6) int servers, @ForAll boolean weighted) {
    for (Hashing hashing : Hashing.values()) {
      KetamaRing ring = KetamaRing.of(hashing, nodes(servers, weighted));
      KeyPlacer placer = new KeyPlacer(ring); // one per call, reused from key to key
      for (String key : keys) {
        assertThat(placer.serverFor(key)).as("%s in %s", key, hashing)
            .isEqualTo(ring.serverFor(key.getBytes(StandardCharsets.UTF_8)));
      }
    }
  }

  /** Servers {@code 10.0.0.i:112i}, of weight {@code i + 1} if weighted, else 1. */
  static List<KetamaRing.Node> nodes(int servers, boolean weighted) {
    List<KetamaRing.Node> nodes = new ArrayList<>();
    for (int i = 0; i < servers; i++) {
      nodes.add(new KetamaRing.Node("10.0.0." + i + ":112" + i, weighted ? i + 1 : 1));
    }
    return nodes;
  }

  @Provide
  Arbitrary<List<String>> keys() {
    // ASCII and not: a non-ASCII key takes the UTF-8 path; long keys grow the buffer and
    // span several MD5 blocks
    Arbitrary<String> key = Arbitraries.oneOf(
        Arbitraries.strings().ascii().ofMinLength(0).ofMaxLength(250),
        Arbitraries.strings().all().ofMinLength(0).ofMaxLength(80));
    return key.list().ofMinSize(1).ofMaxSize(40);
  }

  @Test
  void keysOfEveryLengthAroundTheMd5BlockSizeArePlacedAsTheRingPlacesThem() {
    List<KetamaRing.Node> nodes = List.of(new KetamaRing.Node("a:1", 1),
        new KetamaRing.Node("b:2", 1), new KetamaRing.Node("c:3", 1));
    KetamaRing ring = KetamaRing.of(Hashing.KETAMA_WEIGHTED, nodes);
    KeyPlacer placer = new KeyPlacer(ring);
    StringBuilder key = new StringBuilder();
    for (int length = 0; length <= 200; length++) {
      assertThat(placer.serverFor(key.toString())).as("length %d", length)
          .isEqualTo(ring.serverFor(key.toString().getBytes(StandardCharsets.UTF_8)));
      key.append((char) ('a' + length % 26));
    }
  }
}
