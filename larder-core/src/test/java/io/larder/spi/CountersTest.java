package io.larder.spi;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheCodecException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class CountersTest {

  @Property
  void parseReadsWhatFormatWrites(@ForAll long value) {
    assertThat(Counters.parse("k", Counters.format(value))).isEqualTo(value);
    assertThat(Counters.parseWrapping("k", Counters.format(value))).isEqualTo(value);
  }

  @Property
  void parseWrappingReadsUnsignedTextAsTwosComplement(@ForAll long bits) {
    byte[] unsigned = Long.toUnsignedString(bits).getBytes(US_ASCII);
    assertThat(Counters.parseWrapping("k", unsigned)).isEqualTo(bits);
  }

  @Test
  void parseToleratesMemcachedsPadding() {
    assertThat(Counters.parse("k", "9  ".getBytes(US_ASCII))).isEqualTo(9);
    assertThat(Counters.parse("k", " -12 ".getBytes(US_ASCII))).isEqualTo(-12);
  }

  @Test
  void parseRejectsWhatIsNotASigned64BitDecimal() {
    for (String bad : new String[] {"", " ", "-", "+1", "1a", "1 2", "0x10",
        "12345678901234567890", "18446744073709551615"}) {
      assertThatThrownBy(() -> Counters.parse("k", bad.getBytes(US_ASCII)))
          .as(bad).isInstanceOf(CacheCodecException.class).hasMessageContaining("'k'");
    }
    assertThatThrownBy(() -> Counters.parse(null, "9223372036854775808".getBytes(US_ASCII)))
        .isInstanceOf(CacheCodecException.class).hasMessageContaining("64 bits");
  }

  @Test
  void parseWrappingRejectsMoreThan64Bits() {
    assertThatThrownBy(() -> Counters.parseWrapping("k",
        "18446744073709551616".getBytes(US_ASCII))).isInstanceOf(CacheCodecException.class);
    assertThatThrownBy(() -> Counters.parseWrapping("k", "x".getBytes(US_ASCII)))
        .isInstanceOf(CacheCodecException.class);
  }
}
