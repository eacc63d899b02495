package io.larder.memcached.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheConnectionException;
import java.util.List;
import org.junit.jupiter.api.Test;

class HelloTest {

  private static Reply text(String line) {
    return new Reply(Reply.TEXT, line);
  }

  @Test
  void readsTheItemSizeLimitAndTheServersClock() {
    ServerInfo info = Hello.info("1.6.18",
        List.of(text("STAT maxbytes 67108864"), text("STAT item_size_max 2097152")),
        List.of(text("STAT pid 7"), text("STAT time 1800000100")), 1_800_000_000_500L);
    assertThat(info.version()).isEqualTo("1.6.18");
    assertThat(info.itemSizeMax()).isEqualTo(2_097_152);
    assertThat(info.clockOffsetSeconds()).isEqualTo(100);
    assertThat(info.maxValueBytes(10)).isEqualTo(2_097_152 - 10 - ServerInfo.ITEM_OVERHEAD);
  }

  @Test
  void assumesDefaultsWhenTheServerDoesNotSay() {
    ServerInfo info = Hello.info("?", List.of(text("STAT item_size_max lots")), List.of(), 0);
    assertThat(info.itemSizeMax()).isEqualTo(1 << 20);
    assertThat(info.clockOffsetSeconds()).isZero();
  }

  @Test
  void needsMemcachedOneSixForTheMetaProtocol() {
    assertThatCode(() -> Hello.checkVersion("s", "VERSION 1.6.0")).doesNotThrowAnyException();
    assertThatCode(() -> Hello.checkVersion("s", "VERSION 1.10.2")).doesNotThrowAnyException();
    assertThatCode(() -> Hello.checkVersion("s", "VERSION 2.0.0-rc1")).doesNotThrowAnyException();
    assertThatCode(() -> Hello.checkVersion("s", "VERSION proxy")).doesNotThrowAnyException();
    assertThatThrownBy(() -> Hello.checkVersion("s", "VERSION 1.5.22"))
        .isInstanceOf(CacheConnectionException.class).hasMessageContaining("1.5.22");
    assertThatThrownBy(() -> Hello.checkVersion("s", "ERROR"))
        .isInstanceOf(CacheConnectionException.class);
  }

  @Test
  void reconnectsAtOnceThenBacksOffToASecond() {
    assertThat(Connection.backoffMillis(0)).isZero();
    // full jitter: anything below the attempt's ceiling
    assertThat(Connection.backoffMillis(1)).isBetween(0L, 9L);
    assertThat(Connection.backoffMillis(3)).isBetween(0L, 39L);
    for (int attempts = 8; attempts < 100; attempts++) {
      assertThat(Connection.backoffMillis(attempts)).isBetween(0L, 999L);
    }
  }
}
