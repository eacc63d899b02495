package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CodecTest {
  record Point(int x, int y) implements Serializable {}

  record Shelf(String name, List<Point> points) implements Serializable {}

  record Node(Node next) implements Serializable {}

  @Property
  void longsRoundTripAsPlainDecimal(@ForAll long n) {
    byte[] bytes = Codec.longs().encode(n);
    assertThat(new String(bytes, StandardCharsets.US_ASCII)).isEqualTo(Long.toString(n));
    assertThat(Codec.longs().decode(bytes)).isEqualTo(n);
  }

  @Property
  void stringsRoundTrip(@ForAll String s) {
    // unpaired surrogates cannot be UTF-8; the encoder replaces them
    String expected = new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    assertThat(Codec.utf8().decode(Codec.utf8().encode(s))).isEqualTo(expected);
  }

  @Test
  void longsAcceptMemcachedsPaddingAndNothingElse() {
    assertThat(Codec.longs().decode("9 ".getBytes(StandardCharsets.US_ASCII))).isEqualTo(9L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "-", "+1", "1.5", "12a", "0x10", "99999999999999999999", "1 2"})
  void longsRejectWhatIsNotADecimalLong(String text) {
    assertThatThrownBy(() -> Codec.longs().decode(text.getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(CacheCodecException.class);
  }

  @Test
  void utf8RejectsMalformedBytes() {
    assertThatThrownBy(() -> Codec.utf8().decode(new byte[] {(byte) 0xC3, 0x28}))
        .isInstanceOf(CacheCodecException.class);
  }

  @Test
  void bytesAreCopiedBothWays() {
    byte[] original = {1, 2, 3};
    byte[] encoded = Codec.bytes().encode(original);
    original[0] = 9;
    assertThat(encoded).containsExactly(1, 2, 3);
  }

  @Test
  void serializedRoundTripsAllowListedGraphs() {
    Codec<Shelf> codec = Codec.serialized(Shelf.class, Point.class, ArrayList.class);
    Shelf shelf = new Shelf("top", new ArrayList<>(List.of(new Point(1, 2), new Point(3, 4))));
    assertThat(codec.decode(codec.encode(shelf))).isEqualTo(shelf);
  }

  @Test
  void serializedRefusesToWriteWhatItCouldNotRead() {
    Codec<Shelf> codec = Codec.serialized(Shelf.class, Point.class);
    Shelf shelf = new Shelf("top", new ArrayList<>(List.of(new Point(1, 2))));
    assertThatThrownBy(() -> codec.encode(shelf)).isInstanceOf(CacheCodecException.class)
        .hasMessageContaining("java.util.ArrayList").hasMessageContaining("not allow-listed");
  }

  @Test
  void serializedRejectsClassesOffTheListWhenReading() throws Exception {
    // bytes a hostile writer put on a shared server: a class the reader never listed
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(raw)) {
      out.writeObject(new Shelf("x", new ArrayList<>()));
    }
    Codec<Point> reader = Codec.serialized(Point.class);
    assertThatThrownBy(() -> reader.decode(raw.toByteArray()))
        .isInstanceOf(CacheCodecException.class).hasMessageContaining("REJECTED");
  }

  @Test
  void serializedLimitsDepth() {
    Node deep = null;
    for (int i = 0; i < SerializedCodec.MAX_DEPTH + 5; i++) {
      deep = new Node(deep);
    }
    Codec<Node> codec = Codec.serialized(Node.class);
    byte[] bytes = codec.encode(deep);
    assertThatThrownBy(() -> codec.decode(bytes)).isInstanceOf(CacheCodecException.class);
    Node shallow = new Node(new Node(null));
    assertThat(codec.decode(codec.encode(shallow))).isEqualTo(shallow);
  }

  @Test
  void serializedAllowsTheSerializableSuperclassesOfAListedClass() {
    Codec<java.util.LinkedHashMap> codec = Codec.serialized(java.util.LinkedHashMap.class);
    java.util.LinkedHashMap<String, String> map = new java.util.LinkedHashMap<>();
    map.put("a", "b");
    assertThat(codec.decode(codec.encode(map))).isEqualTo(map);
  }

  @Test
  void aHostileArrayLengthIsRejectedBeforeAnythingIsAllocated() throws Exception {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(raw)) {
      out.writeObject(new long[] {1, 2});
    }
    byte[] bytes = raw.toByteArray();
    // the array's length field is the 4 bytes before its 16 bytes of data
    int lengthAt = bytes.length - 16 - 4;
    assertThat(bytes[lengthAt + 3]).isEqualTo((byte) 2);
    bytes[lengthAt] = 0;
    bytes[lengthAt + 1] = 0x0F;
    bytes[lengthAt + 2] = 0x42;
    bytes[lengthAt + 3] = 0x40; // 1,000,000 longs claimed by a 60-byte stream
    Codec<long[]> codec = Codec.serialized(long[].class);
    assertThatThrownBy(() -> codec.decode(bytes)).isInstanceOf(CacheCodecException.class)
        .hasMessageContaining("REJECTED");
  }

  @Test
  void serializedRejectsNonSerializableClassesUpFront() {
    assertThatThrownBy(() -> Codec.serialized(Object.class))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Object");
  }

  @Test
  void aCompressedCodecReadsItsOwnSmallAndLargeValues() {
    Codec<String> codec = Codec.compressed(Codec.utf8(), 32);
    String small = "short";
    String large = "x".repeat(1000);
    assertThat(codec.decode(codec.encode(small))).isEqualTo(small);
    assertThat(codec.encode(large).length).isLessThan(100);
    assertThat(codec.decode(codec.encode(large))).isEqualTo(large);
    assertThatThrownBy(() -> Codec.compressed(Codec.utf8(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
