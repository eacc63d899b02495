package io.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoresBuilderTest {
  @TempDir Path dir;

  @Test
  void badValuesAreRefusedWithTheValueInTheMessage() {
    SqliteStores.Builder builder = SqliteStores.builder(dir.resolve("c.db"));
    assertThatThrownBy(() -> builder.maxEntries(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxEntries").hasMessageContaining("-1");
    assertThatThrownBy(() -> builder.purgeInterval(Duration.ofSeconds(-2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("purgeInterval").hasMessageContaining("PT-2S");
    assertThatThrownBy(() -> builder.busyTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("busyTimeout").hasMessageContaining("PT0S");
    assertThatThrownBy(() -> builder.busyTimeout(Duration.ofDays(30)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("busyTimeout").hasMessageContaining("PT720H");
  }

  @Test
  void nullsAreRefusedNamingTheOption() {
    SqliteStores.Builder builder = SqliteStores.builder(dir.resolve("c.db"));
    assertThatThrownBy(() -> SqliteStores.builder(null))
        .isInstanceOf(NullPointerException.class).hasMessage("file");
    assertThatThrownBy(() -> builder.purgeInterval(null))
        .isInstanceOf(NullPointerException.class).hasMessage("purgeInterval");
    assertThatThrownBy(() -> builder.busyTimeout(null))
        .isInstanceOf(NullPointerException.class).hasMessage("busyTimeout");
    assertThatThrownBy(() -> builder.clock(null))
        .isInstanceOf(NullPointerException.class).hasMessage("clock");
  }

  @Test
  void eachOptionCanBeSetOnce() {
    SqliteStores.Builder builder = SqliteStores.builder(dir.resolve("c.db"))
        .maxEntries(10)
        .purgeInterval(Duration.ZERO)
        .busyTimeout(Duration.ofSeconds(1))
        .clock(InstantSource.system());
    assertThatThrownBy(() -> builder.maxEntries(20))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("maxEntries");
    assertThatThrownBy(() -> builder.purgeInterval(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("purgeInterval");
    assertThatThrownBy(() -> builder.busyTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("busyTimeout");
    assertThatThrownBy(() -> builder.clock(InstantSource.system()))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("clock");
  }

  @Test
  void zeroMeansNoLimitAndNoSchedule() {
    try (SqliteCacheStore store = SqliteStores.builder(dir.resolve("c.db"))
        .maxEntries(0).purgeInterval(Duration.ZERO).build()) {
      for (int i = 0; i < 100; i++) {
        store.set("k" + i, new byte[] {1}, 0);
      }
      assertThat(store.exists("k0")).isTrue();
    }
  }

  @Test
  void buildCreatesMissingParentDirectories() {
    Path nested = dir.resolve("a/b/c/cache.db");
    try (SqliteCacheStore store = SqliteStores.builder(nested).build()) {
      store.set("k", new byte[] {1}, 0);
    }
    assertThat(nested).exists();
  }
}
