package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class EnvelopeTest {

  @Property(tries = 2000)
  void anyPayloadRoundTrips(@ForAll @Size(max = 2000) byte[] payload,
      @ForAll @IntRange(min = 0, max = 64) int compressAbove, @ForAll boolean checked) {
    String key = checked ? "ns::some key" : null;
    byte[] sealed = Envelope.seal(payload, compressAbove, key);
    assertThat(Envelope.open(sealed, key)).containsExactly(payload);
  }

  @Property(tries = 1000)
  void metadataRoundTrips(@ForAll @Size(max = 300) byte[] payload,
      @ForAll @IntRange(min = 0, max = 100_000) int computeMillis,
      @ForAll @net.jqwik.api.constraints.LongRange(min = 0, max = Long.MAX_VALUE) long freshUntil,
      @ForAll @Size(max = 4) java.util.Map<@Size(max = 30) String, @net.jqwik.api.constraints.LongRange(min = 0) Long> tags,
      @ForAll boolean checked) {
    java.util.Map<String, Long> wellFormed = new java.util.LinkedHashMap<>();
    tags.forEach((k, v) -> wellFormed.put(new String(k.getBytes(StandardCharsets.UTF_8),
        StandardCharsets.UTF_8), v));
    Envelope.Meta meta = new Envelope.Meta(computeMillis, freshUntil, wellFormed, false);
    String key = checked ? "k" : null;
    Envelope.Opened opened = Envelope.unseal(Envelope.seal(payload, 16, key, meta), key);
    assertThat(opened.payload()).containsExactly(payload);
    assertThat(opened.meta()).isEqualTo(meta);
  }

  @Test
  void aCachedNullIsMarkedAndCarriesNoPayload() {
    Envelope.Meta nul = new Envelope.Meta(0, 0, java.util.Map.of(), true);
    Envelope.Opened opened = Envelope.unseal(Envelope.seal(new byte[0], 0, null, nul), null);
    assertThat(opened.meta().nullValue()).isTrue();
    assertThat(opened.payload()).isEmpty();
  }

  @Property(tries = 500)
  void aValueSealedForOneKeyNeverOpensForAnother(@ForAll @Size(max = 100) byte[] payload,
      @ForAll @Size(min = 1, max = 20) String k1, @ForAll @Size(min = 1, max = 20) String k2) {
    net.jqwik.api.Assume.that(!k1.equals(k2) && k1.equals(new String(
        k1.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)));
    byte[] sealed = Envelope.seal(payload, 0, k1);
    assertThatThrownBy(() -> Envelope.open(sealed, k2)).isInstanceOf(CacheCodecException.class);
    assertThatThrownBy(() -> Envelope.open(sealed, null)).isInstanceOf(CacheCodecException.class);
  }

  @Test
  void textAndCountersAreStoredAsTheyAre() {
    byte[] text = "hello".getBytes(StandardCharsets.UTF_8);
    assertThat(Envelope.seal(text, 0, null)).isSameAs(text);
    assertThat(Envelope.seal("42".getBytes(StandardCharsets.US_ASCII), 1, null)).containsExactly('4', '2');
  }

  @Test
  void compressionIsUsedOnlyWhenItHelps() {
    byte[] repetitive = "ab".repeat(500).getBytes(StandardCharsets.US_ASCII);
    byte[] sealed = Envelope.seal(repetitive, 100, null);
    assertThat(sealed.length).isLessThan(100);
    assertThat(sealed[0] & 0xFF).isEqualTo(0xFF);
    assertThat(sealed[1]).isEqualTo((byte) Envelope.DEFLATED);

    byte[] random = new byte[200];
    new java.util.Random(7).nextBytes(random);
    random[0] = 1;
    assertThat(Envelope.seal(random, 100, null)).containsExactly(random);
  }

  @Test
  void unknownFlagsAndTruncationAreErrorsNotValues() {
    assertThatThrownBy(() -> Envelope.open(new byte[] {(byte) 0xFF, (byte) 0x80, 1}, null))
        .hasMessageContaining("flags");
    assertThatThrownBy(() -> Envelope.open(new byte[] {(byte) 0xFF}, null))
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> Envelope.open(new byte[] {(byte) 0xFF, 2, 100, 'a'}, "a"))
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> Envelope.open(new byte[] {(byte) 0xFF, 1, 1, 2, 3}, null))
        .isInstanceOf(CacheCodecException.class);
  }

  @Test
  void aDecompressionBombIsRefused() {
    byte[] zeros = new byte[Envelope.MAX_INFLATED + 1];
    byte[] bomb = Envelope.seal(zeros, 1, null);
    assertThat(bomb.length).isLessThan(1 << 20);
    assertThatThrownBy(() -> Envelope.open(bomb, null)).hasMessageContaining("inflates beyond");
  }
}
