package io.larder.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StoreUrlDecodeTest {
  private final StoreUrl url = StoreUrl.parse("memcached://u:s%ecret@h:1");

  @Test
  void decodesPercentEscapesAsUtf8AndKeepsPlus() {
    assertThat(url.decode("app-pass%3Aw%2F%40", "password")).isEqualTo("app-pass:w/@");
    assertThat(url.decode("p+w", "password")).isEqualTo("p+w");
    assertThat(url.decode("%C3%BCser", "user")).isEqualTo("üser");
    assertThat(url.decode("plain", "user")).isEqualTo("plain");
  }

  @Test
  void aBadEscapeNamesThePartButNeverItsText() {
    for (String bad : new String[] {"s%zzecret", "secret%", "secret%4", "%g0secret"}) {
      assertThatThrownBy(() -> url.decode(bad, "password")).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("password").hasMessageContaining("memcached://u:***@h:1")
          .hasMessageNotContaining("secret");
    }
  }
}
