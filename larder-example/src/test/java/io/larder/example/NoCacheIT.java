package io.larder.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The site with {@code --no-cache}: no Larder at all, so every view runs every query; the
 * uncached baseline of {@code larder bench page}.
 */
class NoCacheIT {
  @TempDir
  Path data;

  @Test
  void everyViewRunsEveryQueryAndSaysItIsNotCached() throws Exception {
    try (ExampleApp app = ExampleApp.start("--no-cache", "--port", "0", "--data",
        data.toString())) {
      assertThat(app.cache()).isNull();
      assertThat(data.resolve("larder-example-cache.db")).doesNotExist();
      HttpResponse<String> first = Http.get(app.uri(), "/books/1");
      long queries = app.library().library().queries();
      HttpResponse<String> second = Http.get(app.uri(), "/books/1");
      assertThat(second.statusCode()).isEqualTo(200);
      assertThat(Http.xCache(second)).isNull();
      assertThat(second.body()).contains("<h1>Frankenstein</h1>")
          .contains("A <strong>masterpiece</strong> of dread.")
          .contains("Read it for class, loved it anyway.");
      assertThat(Http.badge(second.body())).isEqualTo("NOT CACHED");
      // the book, its reviews and its comments: all asked again
      assertThat(queries).isEqualTo(3);
      assertThat(app.library().library().queries() - queries).isEqualTo(3);
      assertThat(app.library().stats()).allSatisfy(f -> assertThat(f.namespace()).isNull());
      assertThat(Http.get(app.uri(), "/books/1/views.svg").body()).contains("1 view<");
      HttpResponse<String> stats = Http.get(app.uri(), "/stats");
      assertThat(stats.body()).contains("no cache (--no-cache)").contains("called directly")
          .doesNotContain("PageCacheFilter");
      assertThat(first.body()).contains("no cache (--no-cache)");
    }
  }
}
