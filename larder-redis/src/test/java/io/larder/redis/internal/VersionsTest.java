package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class VersionsTest {

  @Property(tries = 1000)
  void aFramedValueReadsBackWithItsToken(@ForAll byte[] value, @ForAll long token) {
    byte[] stored = Versions.frame(token, value);
    assertThat(Versions.framed(stored)).isTrue();
    assertThat(Versions.token(stored)).isEqualTo(token);
    assertThat(Versions.value(stored)).isEqualTo(value);
  }

  @Property(tries = 1000)
  void whatAPlainWriteStoresReadsBackAsWritten(@ForAll byte[] value) {
    assertThat(Versions.value(Versions.plain(value))).isEqualTo(value);
  }

  @Test
  void aValueStartingWithTheMarksIsStoredFramed() {
    byte[] marks = {(byte) 0xFF, (byte) 0xFE, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    assertThat(Versions.framed(Versions.plain(marks))).isTrue();
    assertThat(Versions.value(Versions.plain(marks))).isEqualTo(marks);
  }

  @Test
  void textAndTheFacadesHeaderAreStoredAsTheyAre() {
    byte[] text = "plain text, 12345".getBytes(StandardCharsets.UTF_8);
    assertThat(Versions.plain(text)).isSameAs(text);
    byte[] envelope = {(byte) 0xFF, 0x21, 5, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
    assertThat(Versions.plain(envelope)).isSameAs(envelope);
    assertThat(Versions.value(envelope)).isSameAs(envelope);
  }

  @Test
  void theHeaderIsTheStartOfTheFrame() {
    byte[] stored = Versions.frame(-2, new byte[] {42});
    assertThat(java.util.Arrays.copyOf(stored, Versions.FRAME)).isEqualTo(Versions.header(-2));
  }
}
