package io.larder.kyototycoon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.HostPort;
import io.larder.spi.StoreUrl;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code kt://host:port?db=N} is read strictly, before anything connects. */
class KyotoTycoonStoreProviderTest {
  private static HostPort address(String url) {
    return KyotoTycoonStoreProvider.address(StoreUrl.parse(url));
  }

  @Test
  void hostAndPortWithTheDefaultPortAndIpv6() {
    assertThat(address("kt://cache1:1979")).isEqualTo(
        new HostPort("cache1", 1979));
    assertThat(address("kt://cache1")).isEqualTo(
        new HostPort("cache1", 1978));
    assertThat(address("kt://cache1:32767/")).isEqualTo(
        new HostPort("cache1", 32767));
    assertThat(address("kt://[::1]:2000")).isEqualTo(
        new HostPort("::1", 2000));
    assertThat(address("kt://[::1]?db=0")).isEqualTo(
        new HostPort("::1", 1978));
  }

  @Test
  void aPortAboveWhatKyotoTycoonAcceptsIsRejected() {
    assertThatThrownBy(() -> address("kt://cache1:32768")).isInstanceOf(
        IllegalArgumentException.class).hasMessageContaining("32767");
    assertThatThrownBy(() -> address("kt://cache1:0")).isInstanceOf(
        IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"kt:cache1:1978", "kt://", "kt://:1978", "kt://cache1:19x8",
      "kt://cache1:1978/0", "kt://user@cache1:1978", "kt://[::1", "kt://[::1]x",
      "kt://cache1:"})
  void malformedUrlsAreRejectedWithTheUrlInTheMessage(String url) {
    assertThatThrownBy(() -> address(url)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kt:");
  }

  @ParameterizedTest
  @ValueSource(strings = {"db=-1", "db=x", "db=65536", "db=", "timeout=0", "timeout=soon",
      "noReplyWrites=maybe"})
  void badOptionsFailBeforeConnecting(String option) {
    // nothing listens on port 1: a check that connected first would fail differently
    StoreUrl url = StoreUrl.parse("kt://127.0.0.1:1?" + option);
    assertThatThrownBy(() -> new KyotoTycoonStoreProvider().open(url, InstantSource.system()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(option.substring(0, option.indexOf('=')));
  }

  @Test
  void theSchemeIsKt() {
    assertThat(new KyotoTycoonStoreProvider().schemes()).containsExactly("kt");
  }
}
