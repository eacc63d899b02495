package io.larder.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.testkit.Eventually;
import io.larder.testkit.ManualClock;
import io.larder.testkit.NearReads;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A near tier in front of an SQLite file that another connection writes too (as another
 * process would): {@code PRAGMA data_version} empties the tier when the other connection
 * commits, this process's own writes do not, and an entry whose expiry passes in the file ends
 * near as well. {@code nearTtl} is ten minutes of a clock that the test moves, so only the
 * watch can end an entry.
 */
class SqliteNearTest {
  @TempDir Path dir;
  private final ManualClock clock = new ManualClock();

  private Cache open(String options) {
    return Larder.builder().url("sqlite:" + dir.resolve("shared.db") + "?prefix=app" + options)
        .clock(clock).failOpen(false).build();
  }

  @Test
  void anotherConnectionsCommitEmptiesTheNearTierAndOwnWritesDoNot() {
    try (Cache other = open("")) {
      // written before the near store opens, so that its watch starts from a data_version
      // that already holds these commits: a look that sees them only after the near reads
      // below would empty the tier once more and move the count this test compares
      other.set("k", "v1");
      other.set("j", "v1");
      try (Cache near = open("&near=1m&nearTtl=10m")) {
        commitsOfAnotherConnection(near, other);
      }
    }
  }

  private static void commitsOfAnotherConnection(Cache near, Cache other) {
    assertThat(near.nearStats().tracking()).as("watched through data_version").isTrue();
    NearReads.awaitHit(near, "k", "v1");
    NearReads.awaitHit(near, "j", "v1");
    long invalidations = near.nearStats().invalidations();
    // this process's own write: its key is evicted, the rest of the tier stays
    near.set("k", "v2");
    assertThat(near.get("k", String.class)).isEqualTo("v2");
    NearReads.awaitHit(near, "k", "v2");
    NearReads.awaitHit(near, "j", "v1");
    assertThat(near.nearStats().invalidations()).as("own writes move no data_version")
        .isEqualTo(invalidations);
    // the other connection's commit: seen without any nearTtl passing
    other.set("j", "v3");
    Eventually.await("the watch sees the other connection's commit",
        () -> near.nearStats().invalidations() > invalidations);
    NearReads.awaitHit(near, "j", "v3");
    NearReads.awaitHit(near, "k", "v2");
  }

  @Test
  void anEntryThatExpiresInTheFileEndsNearToo() {
    try (Cache other = open("")) {
      // written before the near store opens: a look that saw this commit only after the near
      // hit below would empty the tier and move the count that shows the expiry was reported
      other.set("t", "v1", Duration.ofSeconds(5));
      try (Cache near = open("&near=1m&nearTtl=10m")) {
        NearReads.awaitHit(near, "t", "v1");
        long invalidations = near.nearStats().invalidations();
        clock.advance(Duration.ofSeconds(6));
        // the watch reports the expired key; a read behind it would find the file's entry
        // expired and drop the key as well, so the count is what shows the watch did it
        Eventually.await("the watch reports the expired key",
            () -> near.nearStats().invalidations() > invalidations);
        NearReads.awaitGone(near, "t");
      }
    }
  }
}
