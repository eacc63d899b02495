package io.larder.memcached.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WireKeyTest {

  @Test
  void printableKeysUpTo250BytesGoAsTheyAre() {
    assertThat(WireKey.of("a".repeat(250))).isEqualTo(new WireKey("a".repeat(250), false));
    assertThat(WireKey.of("~shop:notes::312")).isEqualTo(new WireKey("~shop:notes::312", false));
  }

  @Test
  void otherKeysThatFitGoInBase64() {
    WireKey k = WireKey.of("with space");
    assertThat(k.base64()).isTrue();
    assertThat(k.text()).isEqualTo("d2l0aCBzcGFjZQ==");
    assertThat(WireKey.of("ü".repeat(125)).base64()).isTrue();
  }

  @Test
  void keysOver250BytesAreRefused() {
    assertThatThrownBy(() -> WireKey.of("a".repeat(251))).isInstanceOf(
        IllegalArgumentException.class).hasMessageContaining("251 bytes");
    assertThatThrownBy(() -> WireKey.of("ü".repeat(126))).isInstanceOf(
        IllegalArgumentException.class);
    assertThatThrownBy(() -> WireKey.of("")).isInstanceOf(IllegalArgumentException.class);
  }
}
