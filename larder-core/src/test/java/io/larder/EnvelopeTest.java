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
    assertThat(sealed[1]).isEqualTo((byte) (Envelope.DEFLATED | Envelope.LENGTH));

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
    byte[] bomb = legacyDeflated(Envelope.MAX_INFLATED + 1);
    assertThat(bomb.length).isLessThan(1 << 20);
    assertThatThrownBy(() -> Envelope.open(bomb, null)).hasMessageContaining("inflates beyond");
  }

  @Test
  void aDeflatedValueRecordsItsInflatedLength() {
    byte[] payload = "abc".repeat(1000).getBytes(StandardCharsets.UTF_8);
    byte[] sealed = Envelope.seal(payload, 16, null);
    assertThat(sealed[1] & Envelope.LENGTH).isEqualTo(Envelope.LENGTH);
    assertThat(sealed[2] & 0xFF).isEqualTo(0x80 | (3000 & 0x7F));
    assertThat(Envelope.open(sealed, null)).containsExactly(payload);
  }

  @Test
  void aDeflatedValueWithoutItsLengthStillReads() {
    byte[] payload = "old value ".repeat(500).getBytes(StandardCharsets.UTF_8);
    byte[] deflated = Envelope.deflate(payload);
    byte[] old = new byte[deflated.length + 2];
    old[0] = (byte) Envelope.MARK;
    old[1] = Envelope.DEFLATED;
    System.arraycopy(deflated, 0, old, 2, deflated.length);
    assertThat(Envelope.open(old, null)).containsExactly(payload);
  }

  @Test
  void aRecordedLengthBeyondTheCapIsRefusedBeforeInflating() {
    byte[] small = Envelope.deflate(new byte[10]);
    byte[] lying = withLength(small, Envelope.MAX_INFLATED + 1L);
    assertThatThrownBy(() -> Envelope.open(lying, null))
        .isInstanceOf(CacheCodecException.class).hasMessageContaining("beyond");
  }

  @Test
  void inflatingPastOrShortOfTheRecordedLengthIsADecodeError() {
    byte[] deflated = Envelope.deflate(new byte[5000]);
    assertThatThrownBy(() -> Envelope.open(withLength(deflated, 4999), null))
        .isInstanceOf(CacheCodecException.class).hasMessageContaining("recorded length");
    assertThatThrownBy(() -> Envelope.open(withLength(deflated, 5001), null))
        .isInstanceOf(CacheCodecException.class).hasMessageContaining("recorded length");
    assertThat(Envelope.open(withLength(deflated, 5000), null)).hasSize(5000);
  }

  /** A deflated value as written before the length header: zeros, streamed, never held. */
  static byte[] legacyDeflated(long zeros) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(Envelope.MARK);
    out.write(Envelope.DEFLATED);
    java.util.zip.Deflater deflater = new java.util.zip.Deflater(9);
    byte[] chunk = new byte[1 << 16];
    byte[] buf = new byte[1 << 16];
    for (long left = zeros; left > 0; left -= chunk.length) {
      deflater.setInput(chunk, 0, (int) Math.min(chunk.length, left));
      while (!deflater.needsInput()) {
        out.write(buf, 0, deflater.deflate(buf));
      }
    }
    deflater.finish();
    while (!deflater.finished()) {
      out.write(buf, 0, deflater.deflate(buf));
    }
    deflater.end();
    return out.toByteArray();
  }

  private static byte[] withLength(byte[] deflated, long length) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(Envelope.MARK);
    out.write(Envelope.DEFLATED | Envelope.LENGTH);
    for (long v = length; ; v >>>= 7) {
      if ((v & ~0x7FL) == 0) {
        out.write((int) v);
        break;
      }
      out.write((int) ((v & 0x7F) | 0x80));
    }
    out.write(deflated, 0, deflated.length);
    return out.toByteArray();
  }
}
