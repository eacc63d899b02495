package io.larder.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.jdbc.SqliteCacheStore;
import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreProviderTest {
  private static final InstantSource CLOCK = InstantSource.fixed(Instant.ofEpochSecond(1_000));

  @TempDir Path dir;
  private final SqliteStoreProvider provider = new SqliteStoreProvider();

  @Test
  void isFoundByServiceLoaderForTheSqliteScheme() {
    assertThat(ServiceLoader.load(StoreProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(p -> p.schemes().contains("sqlite"))
        .map(Object::getClass)
        .collect(Collectors.toList()))
        .containsExactly(SqliteStoreProvider.class);
  }

  @Test
  void opensAnAbsolutePathAndCreatesItsDirectories() {
    Path file = dir.resolve("nested/dir/cache.db");
    try (Store store = provider.open(StoreUrl.parse("sqlite:" + file), CLOCK)) {
      store.set("k", bytes("v"), 0);
      assertThat(store).isInstanceOf(SqliteCacheStore.class);
    }
    assertThat(file).exists();
  }

  @Test
  void opensTripleSlashUrls() {
    Path file = dir.resolve("triple.db");
    try (Store store = provider.open(StoreUrl.parse("sqlite://" + file), CLOCK)) {
      store.set("k", bytes("v"), 0);
    }
    assertThat(file).exists();
  }

  @Test
  void opensRelativePathsAgainstTheWorkingDirectory() throws Exception {
    String relative = "target/provider-test-" + System.nanoTime() + "/cache.db";
    Path file = Path.of(relative).toAbsolutePath();
    try (Store store = provider.open(StoreUrl.parse("sqlite:" + relative), CLOCK)) {
      store.set("k", bytes("v"), 0);
    }
    assertThat(file).exists();
    try (var files = Files.list(file.getParent())) {
      for (Path p : files.collect(Collectors.toList())) {
        Files.delete(p);
      }
    }
    Files.delete(file.getParent());
  }

  @Test
  void readsItsOwnOptionsAndLeavesTheOthersUnread() {
    StoreUrl url = StoreUrl.parse("sqlite:" + dir.resolve("o.db")
        + "?maxEntries=2&purgeInterval=0&busyTimeout=250ms&prefix=app&bogus=1");
    try (Store store = provider.open(url, CLOCK)) {
      store.set("a", bytes("1"), 0);
      store.set("b", bytes("2"), 0);
      store.set("c", bytes("3"), 0);
      assertThat(store.getMany(List.of("a", "b", "c"))).hasSize(2);
    }
    assertThat(url.unreadOptions()).containsExactly("bogus", "prefix");
  }

  @Test
  void optionNamesIgnoreCaseAndSizesTakeSuffixes() {
    StoreUrl url = StoreUrl.parse("sqlite:" + dir.resolve("o.db") + "?MAXENTRIES=1k");
    provider.open(url, CLOCK).close();
    assertThat(url.unreadOptions()).isEmpty();
  }

  @Test
  void malformedOptionsAreRefusedNamingTheOption() {
    String base = "sqlite:" + dir.resolve("o.db");
    assertThatThrownBy(() -> provider.open(StoreUrl.parse(base + "?maxEntries=lots"), CLOCK))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEntries");
    assertThatThrownBy(() -> provider.open(StoreUrl.parse(base + "?purgeInterval=soon"), CLOCK))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("purgeInterval");
    assertThatThrownBy(() -> provider.open(StoreUrl.parse(base + "?busyTimeout=0"), CLOCK))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("busyTimeout");
  }

  @Test
  void urlsWithoutAFilePathAreRefusedNamingTheUrl() {
    for (String url : new String[] {"sqlite:", "sqlite:?maxEntries=1", "sqlite://",
        "sqlite://host/cache.db", "sqlite::memory:", "sqlite:file:cache.db"}) {
      assertThatThrownBy(() -> provider.open(StoreUrl.parse(url), CLOCK))
          .as(url)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + url + "'");
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
