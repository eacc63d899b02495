package io.larder.kyototycoon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Version stamps are unambiguous: plain values stay plain, look-alikes are always stamped. */
class VersionsTest {

  @Test
  void plainValuesAreStoredAsTheyAre() {
    byte[] v = "42".getBytes(StandardCharsets.US_ASCII);
    assertThat(Versions.forWrite(v)).isSameAs(v);
    assertThat(Versions.isStamped(v)).isFalse();
    assertThat(Versions.value(v)).isSameAs(v);
    assertThat(Versions.forWrite(new byte[0])).isEmpty();
  }

  @Test
  void aStampRoundTrips() {
    byte[] v = {0, '\t', '\n', (byte) 0xFF};
    byte[] stamped = Versions.stamp(v, 0x0102030405060708L);
    assertThat(stamped).startsWith(0xFE, 'K', 'T', 'v', 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(Versions.isStamped(stamped)).isTrue();
    assertThat(Versions.version(stamped)).isEqualTo(0x0102030405060708L);
    assertThat(Versions.value(stamped)).containsExactly(v);
    assertThat(Versions.version(Versions.stamp(v, -1))).isEqualTo(-1);
  }

  @Test
  void aValueThatLooksStampedIsStampedSoItReadsBackUnchanged() {
    byte[] lookalike = {(byte) 0xFE, 'K', 'T', 'v'};
    byte[] stored = Versions.forWrite(lookalike);
    assertThat(Versions.isStamped(stored)).isTrue();
    assertThat(Versions.value(stored)).containsExactly(lookalike);
    byte[] shortForeign = {(byte) 0xFE, 'K', 'T', 'v', 1};
    assertThat(Versions.value(shortForeign)).as("too short to hold a version: plain")
        .containsExactly(shortForeign);
  }

  @Test
  void versionsAreNeverZero() {
    for (int i = 0; i < 1000; i++) {
      assertThat(Versions.newVersion()).isNotZero();
    }
  }
}
