package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.StoreUrl;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StoreUrlTest {

  @Test
  void splitsSchemeBodyAndOptions() {
    StoreUrl url = StoreUrl.parse("SQLite:data/cache.db?prefix=shop&TTL=60s&flag");
    assertThat(url.scheme()).isEqualTo("sqlite");
    assertThat(url.body()).isEqualTo("data/cache.db");
    assertThat(url.option("ttl")).contains("60s");
    assertThat(url.booleanOption("flag")).contains(true);
    assertThat(url.unreadOptions()).containsExactly("prefix");
  }

  @Test
  void keepsHostListsForClusterUrls() {
    StoreUrl url = StoreUrl.parse("redis-cluster://h1:7000,h2:7001?timeout=250ms");
    assertThat(url.scheme()).isEqualTo("redis-cluster");
    assertThat(url.body()).isEqualTo("//h1:7000,h2:7001");
    assertThat(url.durationOption("timeout")).contains(Duration.ofMillis(250));
  }

  @Test
  void decodesPercentEscapes() {
    assertThat(StoreUrl.parse("mem:?prefix=a%26b").option("prefix")).contains("a&b");
  }

  @ParameterizedTest
  @CsvSource({"250ms,PT0.25S", "60s,PT1M", "60,PT1M", "5m,PT5M", "2h,PT2H", "1d,PT24H"})
  void parsesDurations(String text, Duration expected) {
    assertThat(StoreUrl.parseDuration("ttl", text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "s", "5x", "-5s", "1.5s", "9999999999999999999s"})
  void rejectsBadDurationsNamingTheOption(String text) {
    assertThatThrownBy(() -> StoreUrl.parseDuration("ttl", text))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'ttl'");
  }

  @Test
  void parsesSizes() {
    StoreUrl url = StoreUrl.parse("mem:?a=512&b=64k&c=64m&d=1g&e=12q");
    assertThat(url.sizeOption("a")).contains(512L);
    assertThat(url.sizeOption("b")).contains(65_536L);
    assertThat(url.sizeOption("c")).contains(64L << 20);
    assertThat(url.sizeOption("d")).contains(1L << 30);
    assertThatThrownBy(() -> url.sizeOption("e")).hasMessageContaining("'e'");
    assertThatThrownBy(() -> StoreUrl.parse("mem:?m=17179869185g").sizeOption("m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too large");
    assertThatThrownBy(() -> StoreUrl.parseDuration("ttl", "999999999999999d"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too large");
  }

  @Test
  void rejectsUrlsWithoutSchemeAndRepeatedOptions() {
    assertThatThrownBy(() -> StoreUrl.parse("data/cache.db")).hasMessageContaining("no scheme");
    assertThatThrownBy(() -> StoreUrl.parse("mem:?ttl=1s&TTL=2s")).hasMessageContaining("twice");
    assertThatThrownBy(() -> StoreUrl.parse(null)).isInstanceOf(NullPointerException.class);
  }

  @ParameterizedTest
  @CsvSource({
      "tll, ttl", "TLL, ttl", "reddis, redis", "rdis, redis", "exmaple, example",
      "chek, check", "maxbtyes, maxBytes", "memcache, memcached", "redis-clustr, redis-cluster"})
  void closestFindsTheNameATypoMeant(String typed, String meant) {
    List<String> known = List.of("check", "example", "bench", "ttl", "maxBytes", "mem",
        "memcached", "redis", "rediss", "redis-cluster", "sqlite");
    assertThat(StoreUrl.closest(typed, known)).containsExactly(meant);
  }

  @Test
  void closestOffersNothingFarOffOrExact() {
    List<String> known = List.of("check", "example", "bench", "mem", "redis", "ttl");
    assertThat(StoreUrl.closest("frobnicate", known)).isEmpty();
    assertThat(StoreUrl.closest("x", known)).isEmpty();
    assertThat(StoreUrl.closest("", known)).isEmpty();
    // two edits in a three-letter name are a different word, not a typo
    assertThat(StoreUrl.closest("tag", known)).isEmpty();
    assertThat(StoreUrl.closest("redis", known)).as("an exact name needs no hint").isEmpty();
    assertThat(StoreUrl.closest("Redis", known)).as("case is ignored").isEmpty();
    // equally close: all of them, sorted, whatever the order given
    assertThat(StoreUrl.closest("tll", List.of("ttl", "tls", "tag"))).containsExactly("tls", "ttl");
    assertThat(StoreUrl.quoteChoices(StoreUrl.closest("tll", List.of("ttl", "tls"))))
        .isEqualTo("'tls' or 'ttl'");
    assertThat(StoreUrl.quoteChoices(List.of())).isEmpty();
    assertThatThrownBy(() -> StoreUrl.closest(null, known))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void redactsPasswords() {
    assertThatThrownBy(() -> StoreUrl.parse("//user:s3cret@host:6379/0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("s3cret").hasMessageContaining("user:***@");
    assertThat(StoreUrl.parse("redis://user:s3cret@host:6379/0?password=x&ttl=1s").redacted())
        .isEqualTo("redis://user:***@host:6379/0?password=***&ttl=1s");
    assertThat(StoreUrl.parse("redis://:s3cret@host/0").redacted()).isEqualTo("redis://:***@host/0");
  }
}
