package io.larder.internal.sharding;

import static io.larder.internal.sharding.KetamaCompatibilityTest.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Hashing;
import io.larder.spi.HostPort;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ring's arithmetic, each of libmemcached's details checked on its own. */
class KetamaRingTest {
  private static final List<KetamaRing.Node> THREE =
      List.of(node("10.0.1.1:11211"), node("10.0.1.2"), node("10.0.1.4:11212"));

  @Test
  void pointStringsLeaveOutPort11211Only() {
    assertThat(KetamaRing.pointString("10.0.1.1:11211", 0)).isEqualTo("10.0.1.1-0");
    assertThat(KetamaRing.pointString("10.0.1.1", 7)).isEqualTo("10.0.1.1-7");
    assertThat(KetamaRing.pointString("cache:22122", 39)).isEqualTo("cache:22122-39");
    assertThat(KetamaRing.pointString("[::1]:11212", 0)).isEqualTo("::1:11212-0");
    assertThat(KetamaRing.pointString("[::1]", 1)).isEqualTo("::1-1");
    assertThat(KetamaRing.pointString("Cache.Example.COM:11211", 2))
        .as("host names are used as written, never lower-cased or resolved")
        .isEqualTo("Cache.Example.COM-2");
  }

  @Test
  void weightedPointsAreTheLittleEndianWordsOfMd5DigestsOfThePointStrings() throws Exception {
    KetamaRing ring = KetamaRing.of(Hashing.KETAMA_WEIGHTED, THREE);
    assertThat(ring.pointsOf(0)).isEqualTo(160);
    assertThat(ring.valuesOf(0)).contains(md5Words("10.0.1.1-0")).contains(md5Words("10.0.1.1-39"))
        .doesNotContain(md5Words("10.0.1.1:11211-0")).doesNotContain(md5Words("10.0.1.1-40"));
    assertThat(ring.valuesOf(2)).contains(md5Words("10.0.1.4:11212-0"))
        .doesNotContain(md5Words("10.0.1.4-0"));
  }

  @Test
  void ketamaPointsAreOneAtATimeHashesOfHundredPointStrings() {
    KetamaRing ring = KetamaRing.of(Hashing.KETAMA, THREE);
    long[] expected = IntStream.range(0, 100)
        .mapToLong(i -> Integer.toUnsignedLong(KetamaRing.oneAtATime(
            ("10.0.1.4:11212-" + i).getBytes(StandardCharsets.US_ASCII))))
        .sorted().toArray();
    assertThat(ring.valuesOf(2)).containsExactly(expected);
    assertThat(ring.pointCount()).isEqualTo(300);
  }

  @Test
  void oneAtATimeAddsBytesAsSignedChars() {
    byte[] e = "é".getBytes(StandardCharsets.UTF_8); // C3 A9
    int unsigned = 0;
    for (byte b : e) {
      unsigned += b & 0xff;
      unsigned += unsigned << 10;
      unsigned ^= unsigned >>> 6;
    }
    unsigned += unsigned << 3;
    unsigned ^= unsigned >>> 11;
    unsigned += unsigned << 15;
    assertThat(KetamaRing.oneAtATime(e)).isNotEqualTo(unsigned);
    // ASCII is the same either way
    assertThat(KetamaRing.oneAtATime(new byte[] {'a'})).isEqualTo((int) 3392050242L);
  }

  @Test
  void weightedPointCountsAreComputedInFloat() {
    assertThat(KetamaRing.pointsFor(1, 3, 3)).isEqualTo(160);
    // 1/25 * 160 / 4 * 25 is 39.999996 in float: libmemcached gives 156 points, not 160
    assertThat(KetamaRing.pointsFor(1, 25, 25)).isEqualTo(156);
    assertThat((int) Math.floor(1.0 / 25 * 160 / 4 * 25 + 1e-10) * 4).isEqualTo(160);
    assertThat(KetamaRing.pointsFor(1, 13, 4)).isEqualTo(48);
    assertThat(KetamaRing.pointsFor(7, 13, 4)).isEqualTo(344);
    assertThat(KetamaRing.pointsFor(1, 1001, 2)).as("a tiny weight gets no points").isZero();
  }

  @Test
  void weightsScaleThePointCounts() {
    KetamaRing ring = KetamaRing.of(Hashing.KETAMA_WEIGHTED, List.of(node("a", 1), node("b", 2),
        node("c", 3), node("d", 7)));
    assertThat(IntStream.range(0, 4).map(ring::pointsOf)).containsExactly(48, 96, 144, 344);
  }

  @Test
  void aWeightAboveOneSwitchesKetamaToWeightedPointsForGood() {
    List<KetamaRing.Node> configured = List.of(node("a"), node("b", 2));
    assertThat(KetamaRing.usesWeightedPoints(Hashing.KETAMA, configured)).isTrue();
    assertThat(KetamaRing.usesWeightedPoints(Hashing.KETAMA, List.of(node("a"), node("b"))))
        .isFalse();
    // after "b" is ejected the remaining ring keeps weighted points, as libmemcached's flag does
    KetamaRing rest = KetamaRing.of(Hashing.KETAMA, true, List.of(node("a")));
    assertThat(rest.pointsOf(0)).isEqualTo(160);
  }

  @Test
  void aKeyHashingExactlyOntoAPointGoesToThatPointsServer() {
    // in KETAMA the key hash and the point hash are the same function, so the point string
    // itself, used as a key, lands exactly on its point
    KetamaRing ketama = KetamaRing.of(Hashing.KETAMA, THREE);
    assertThat(ketama.serverFor("10.0.1.2-7")).isEqualTo(1);
    assertThat(ketama.serverFor("10.0.1.4:11212-99")).isEqualTo(2);
    // in KETAMA_WEIGHTED a key's hash is the first word of its MD5, point 0 of its digest
    KetamaRing weighted = KetamaRing.of(Hashing.KETAMA_WEIGHTED, THREE);
    assertThat(weighted.serverFor("10.0.1.2-13")).isEqualTo(1);
    assertThat(weighted.serverFor("10.0.1.1-0")).isEqualTo(0);
  }

  @Test
  void aKeyPastTheLastPointWrapsToTheFirst() {
    KetamaRing ring = KetamaRing.of(Hashing.KETAMA_WEIGHTED, THREE);
    long last = IntStream.range(0, 3).mapToLong(i -> ring.valuesOf(i)[159]).max().orElseThrow();
    int firstOwner = -1;
    long first = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      if (ring.valuesOf(i)[0] < first) {
        first = ring.valuesOf(i)[0];
        firstOwner = i;
      }
    }
    int wrapped = 0;
    for (int i = 0; wrapped < 5; i++) {
      byte[] key = ("wrap:" + i).getBytes(StandardCharsets.UTF_8);
      if (Integer.toUnsignedLong(KetamaRing.keyHash(Hashing.KETAMA_WEIGHTED, key)) > last) {
        assertThat(ring.serverFor(key)).as("wrap:%s", i).isEqualTo(firstOwner);
        wrapped++;
      }
    }
  }

  @Test
  void anEmptyRingPlacesNothingAndOneServerTakesEverything() {
    assertThat(KetamaRing.of(Hashing.KETAMA_WEIGHTED, List.of()).serverFor("k")).isEqualTo(-1);
    KetamaRing one = KetamaRing.of(Hashing.KETAMA, List.of(node("only:1")));
    assertThat(IntStream.range(0, 1000).map(i -> one.serverFor("k" + i))).containsOnly(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ":11211", "host:", "host:abc", "host:0", "host:65536", "host:123456",
      "a b:11211", "a,b", "::1:11211", "[::1", "[::1]x", "[]:11211", "tab\there"})
  void badServerNamesAreRejectedNamingTheName(String name) {
    assertThatThrownBy(() -> new KetamaRing.Node(name, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + name + "'");
  }

  @Test
  void weightsBelowOneAreRejected() {
    assertThatThrownBy(() -> new KetamaRing.Node("a:1", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a:1")
        .hasMessageContaining("0");
  }

  @Test
  void hostAndPortAreSplitAsLibmemcachedSeesThem() {
    assertThat(KetamaRing.parse("h")).isEqualTo(new HostPort("h", 11211));
    assertThat(KetamaRing.parse("h:1")).isEqualTo(new HostPort("h", 1));
    assertThat(KetamaRing.parse("[fe80::1]:22122"))
        .isEqualTo(new HostPort("fe80::1", 22122));
  }

  private static long[] md5Words(String pointString) throws Exception {
    byte[] d = MessageDigest.getInstance("MD5").digest(pointString.getBytes(StandardCharsets.UTF_8));
    long[] words = new long[4];
    for (int w = 0; w < 4; w++) {
      words[w] = (d[4 * w] & 0xffL) | (d[4 * w + 1] & 0xffL) << 8 | (d[4 * w + 2] & 0xffL) << 16
          | (d[4 * w + 3] & 0xffL) << 24;
    }
    return Arrays.stream(words).toArray();
  }
}
