package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.HostPort;
import io.larder.spi.StoreUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RedisConfigTest {

  private static RedisConfig parse(String url) {
    return RedisConfig.parse(StoreUrl.parse(url));
  }

  @Test
  void aPlainUrlHasTheDefaults() {
    RedisConfig c = parse("redis://cache.example");
    assertThat(c.cluster()).isFalse();
    assertThat(c.hosts()).containsExactly(new HostPort("cache.example", 6379));
    assertThat(c.database()).isZero();
    assertThat(c.user()).isNull();
    assertThat(c.password()).isNull();
    assertThat(c.tls()).isFalse();
    assertThat(c.readTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.writeTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.hashTag()).isEqualTo(RedisConfig.HashTag.NONE);
  }

  @Test
  void hostPortDatabaseAndCredentialsAreRead() {
    RedisConfig c = parse("redis://app:s3cret@10.0.0.5:6380/3");
    assertThat(c.hosts()).containsExactly(new HostPort("10.0.0.5", 6380));
    assertThat(c.database()).isEqualTo(3);
    assertThat(c.user()).isEqualTo("app");
    assertThat(c.password()).isEqualTo("s3cret");
    assertThat(c.redacted()).isEqualTo("redis://app:***@10.0.0.5:6380/3").doesNotContain("s3cret");
    assertThat(c.toString()).doesNotContain("s3cret");
  }

  @Test
  void aPasswordWithoutAUserAuthenticatesTheDefaultUser() {
    RedisConfig c = parse("redis://:secret@localhost:6379/0");
    assertThat(c.user()).isNull();
    assertThat(c.password()).isEqualTo("secret");
  }

  @Test
  void aUserWithoutAPasswordGetsAnEmptyOne() {
    RedisConfig c = parse("redis://worker@localhost");
    assertThat(c.user()).isEqualTo("worker");
    assertThat(c.password()).isEmpty();
  }

  @Test
  void credentialsArePercentDecodedAndPlusStaysAPlus() {
    RedisConfig c = parse("redis://us%3Aer:p%40ss%3Aw%2Frd+x%25@localhost/0");
    assertThat(c.user()).isEqualTo("us:er");
    assertThat(c.password()).isEqualTo("p@ss:w/rd+x%");
    assertThat(parse("redis://:%C3%BC@h").password()).isEqualTo("ü");
  }

  @Test
  void ipv6HostsGoInBrackets() {
    assertThat(parse("redis://[::1]:7000/1").hosts())
        .containsExactly(new HostPort("::1", 7000));
    assertThat(parse("redis://[::1]").hosts().get(0).port()).isEqualTo(6379);
    assertThatThrownBy(() -> parse("redis://::1:7000"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("brackets");
  }

  @Test
  void aClusterUrlListsSeedNodes() {
    RedisConfig c = parse("redis-cluster://u:p@h1:7000,h2:7001,[::1]:7002?timeout=100ms");
    assertThat(c.cluster()).isTrue();
    assertThat(c.hosts()).containsExactly(new HostPort("h1", 7000),
        new HostPort("h2", 7001), new HostPort("::1", 7002));
    assertThat(c.user()).isEqualTo("u");
    assertThat(c.readTimeout()).isEqualTo(Duration.ofMillis(100));
    assertThat(parse("redis-cluster://h1:7000/0").database()).isZero();
  }

  @Test
  void aClusterHasOnlyDatabaseZero() {
    assertThatThrownBy(() -> parse("redis-cluster://h1:7000/2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only database 0");
  }

  @Test
  void severalHostsNeedTheClusterScheme() {
    assertThatThrownBy(() -> parse("redis://h1:7000,h2:7001"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis-cluster://");
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis://h:0", "redis://h:65536", "redis://h:x", "redis://h:", "redis://",
      "redis://h/x", "redis://h/-1", "redis:h", "redis-cluster://h1:1,,h2:2", "redis://h a"})
  void malformedUrlsAreRejectedNamingTheProblem(String url) {
    assertThatThrownBy(() -> parse(url)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + url.replace("redis://h a", "redis://h a") + "'");
  }

  @Test
  void badPercentEscapesAreRejectedWithoutShowingThePassword() {
    assertThatThrownBy(() -> parse("redis://:abc%zzdef@h"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("%-escape")
        .hasMessageNotContaining("abc");
  }

  @Test
  void timeoutsAreDurationsWithinBounds() {
    RedisConfig c = parse("redis://h?timeout=50ms&writeTimeout=2s&connectTimeout=5s");
    assertThat(c.readTimeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.writeTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(() -> parse("redis://h?timeout=0ms"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'timeout'");
    assertThatThrownBy(() -> parse("redis://h?writeTimeout=2d"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'writeTimeout'");
    assertThatThrownBy(() -> parse("redis://h?timeout=soon"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'timeout'");
  }

  @Test
  void tlsOptionsNeedTls(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
    RedisConfig c = parse("rediss://h:6380/0?tlsCaFile=" + ca + "&tlsVerify=ca");
    assertThat(c.tls()).isTrue();
    assertThat(c.tlsCaFile()).isEqualTo(ca);
    assertThat(c.tlsVerify()).isEqualTo(RedisConfig.TlsVerify.CA);
    assertThat(parse("rediss://h").tlsVerify()).isEqualTo(RedisConfig.TlsVerify.FULL);
    assertThatThrownBy(() -> parse("redis://h?tlsCaFile=" + ca))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rediss://");
    assertThatThrownBy(() -> parse("rediss://h?tlsVerify=maybe"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("full, ca or none");
    assertThatThrownBy(() -> parse("rediss://h?tlsCaFile=" + dir.resolve("missing.pem")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no readable file");
    assertThatThrownBy(() -> parse("rediss://h?tlsCertFile=" + ca))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("go together");
  }

  @Test
  void theTlsOptionIsForClustersOnly() {
    assertThat(parse("redis-cluster://h1:1?tls=true").tls()).isTrue();
    assertThat(parse("redis-cluster://h1:1").tls()).isFalse();
    assertThatThrownBy(() -> parse("redis://h?tls=true"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rediss://");
  }

  @Test
  void hashTagIsNoneOrNamespace() {
    assertThat(parse("redis-cluster://h:1?hashTag=namespace").hashTag())
        .isEqualTo(RedisConfig.HashTag.NAMESPACE);
    assertThatThrownBy(() -> parse("redis://h?hashTag=prefix"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none or namespace");
  }

  @Test
  void everyOptionReadIsMarkedKnownAndTheFacadesAreLeftAlone() {
    StoreUrl url = StoreUrl.parse("redis://h?timeout=1s&prefix=shop&ttl=60s&compress=1k"
        + "&failOpen=false&hashTag=none&bogus=1");
    RedisConfig.parse(url);
    assertThat(url.unreadOptions()).containsExactlyInAnyOrder("prefix", "ttl", "compress",
        "failopen", "bogus");
  }

  @Test
  void otherSchemesAreNotRedis() {
    assertThatThrownBy(() -> parse("memcached://h:11211"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a Redis URL");
    assertThat(List.of("redis", "rediss", "redis-cluster"))
        .containsExactlyInAnyOrderElementsOf(new RedisStoreProvider().schemes());
  }
}
