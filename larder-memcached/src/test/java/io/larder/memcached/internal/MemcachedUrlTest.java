package io.larder.memcached.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.StoreUrl;
import org.junit.jupiter.api.Test;

class MemcachedUrlTest {

  private static MemcachedUrl parse(String url) {
    return MemcachedUrl.parse(StoreUrl.parse(url));
  }

  @Test
  void readsServersAsWritten() {
    MemcachedUrl url = parse("memcached://cache1:11211,cache2,10.0.0.3:11311/?ttl=60s");
    assertThat(url.servers()).containsExactly(
        new MemcachedUrl.Server("cache1:11211", "cache1", 11211),
        new MemcachedUrl.Server("cache2", "cache2", 11211),
        new MemcachedUrl.Server("10.0.0.3:11311", "10.0.0.3", 11311));
    assertThat(url.user()).isNull();
  }

  @Test
  void readsIpv6AndCredentials() {
    MemcachedUrl url = parse("memcacheds://us%3Aer:p%40ss+word@[::1]:11212,[fe80::1]");
    assertThat(url.user()).isEqualTo("us:er");
    assertThat(url.password()).isEqualTo("p@ss+word");
    assertThat(url.servers()).containsExactly(new MemcachedUrl.Server("[::1]:11212", "::1", 11212),
        new MemcachedUrl.Server("[fe80::1]", "fe80::1", 11211));
  }

  @Test
  void refusesMalformedUrls() {
    for (String bad : new String[] {"memcached:host:1", "memcached://", "memcached://h:0",
        "memcached://h:x", "memcached://h:1/0", "memcached://a:1,,b:2", "memcached://u@h:1",
        "memcached://h:1,h:1", "memcached://[::1"}) {
      assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void messagesNeverShowThePassword() {
    assertThatThrownBy(() -> parse("memcached://u:secret@h:99999"))
        .hasMessageNotContaining("secret");
    assertThat(parse("memcached://u:secret@h:1").toString())
        .doesNotContain("secret").contains("password=***");
  }
}
