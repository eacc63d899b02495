package io.larder.kyototycoon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheConnectionException;
import io.larder.CacheStats;
import io.larder.Larder;
import io.larder.spi.Store;
import io.larder.testkit.KyotoTycoonServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code kt://} URLs open through the facade, as {@code larder check kt://…} opens them: the
 * provider is found with {@code ServiceLoader}, reads its own options and leaves the
 * facade's to the facade; against the real server.
 */
@ExtendWith(SharedKyotoTycoon.class)
class KyotoTycoonUrlIT {
  private static KyotoTycoonServer server;

  @BeforeAll
  static void server(KyotoTycoonServer shared) {
    server = shared;
  }

  @Test
  void theSchemeIsOnTheClassPath() {
    assertThat(Larder.schemes()).contains("kt");
  }

  @Test
  void aUrlWithStoreAndFacadeOptionsOpensAWorkingCache() {
    String url = server.url() + "?db=1&timeout=2s&noReplyWrites=false&merge=true&direct=false"
        + "&prefix=app&ttl=60s&compress=1k&failOpen=false";
    try (Cache cache = Larder.open(url)) {
      cache.set("title", "Dune");
      assertThat(cache.incr("hits", 2)).isEqualTo(2);
      CacheStats before = cache.stats();
      assertThat(cache.getMany(List.of("title", "hits", "missing"), String.class))
          .containsOnly(Map.entry("title", "Dune"), Map.entry("hits", "2"));
      assertThat(cache.stats().minus(before).roundTrips()).isEqualTo(1);
      try (Store raw = KyotoTycoonStores.builder(server.host(), server.port()).db(1).build()) {
        assertThat(raw.get("~app::title")).as("in db 1, under the prefix").isNotNull();
        cache.clear();
        assertThat(raw.get("~app::title")).isNull();
      }
      assertThat(cache.get("title", String.class)).isNull();
    }
  }

  @Test
  void unknownOptionsAndBadServersAreReportedClearly() {
    assertThatThrownBy(() -> Larder.open(server.url() + "?colour=blue"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option")
        .hasMessageContaining("colour");
    assertThatThrownBy(() -> Larder.open("kt://127.0.0.1:40000"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32767");
    assertThatThrownBy(() -> Larder.open(server.url() + "?db=5"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'db' is 5");
  }

  @Test
  void kyotoTycoonIsIpv4OnlySoAnIpv6UrlFindsNoServer() {
    // ktserver refuses "-host ::1" ("unknown host") and listens on IPv4 only
    assertThatThrownBy(() -> Larder.open("kt://[::1]:" + server.port() + "?failOpen=false"))
        .isInstanceOf(CacheConnectionException.class);
  }
}
