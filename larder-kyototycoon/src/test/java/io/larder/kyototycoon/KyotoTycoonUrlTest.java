package io.larder.kyototycoon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheStats;
import io.larder.Larder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kt://} URLs open through the facade, as {@code larder check kt://…} opens them: the
 * provider is found with {@code ServiceLoader}, reads its own options and leaves the
 * facade's to the facade.
 */
class KyotoTycoonUrlTest {
  private static KyotoTycoonTestServer server;

  @BeforeAll
  static void startServer() {
    server = KyotoTycoonTestServer.start(2);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Test
  void theSchemeIsOnTheClassPath() {
    assertThat(Larder.schemes()).contains("kt");
  }

  @Test
  void aUrlWithStoreAndFacadeOptionsOpensAWorkingCache() {
    String url = server.url() + "?db=1&timeout=2s&noReplyWrites=false&prefix=app&ttl=60s"
        + "&compress=1k&failOpen=false";
    try (Cache cache = Larder.open(url)) {
      cache.set("title", "Dune");
      assertThat(cache.incr("hits", 2)).isEqualTo(2);
      CacheStats before = cache.stats();
      assertThat(cache.getMany(List.of("title", "hits", "missing"), String.class))
          .containsOnly(Map.entry("title", "Dune"), Map.entry("hits", "2"));
      assertThat(cache.stats().minus(before).roundTrips()).isEqualTo(1);
      assertThat(server.rawValue(1, "~app::title")).isNotNull();
      cache.clear();
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
}
