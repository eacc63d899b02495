package io.larder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void checkPassesOnTheMemoryStore() {
    assertThat(run("check", "mem:")).isZero();
    String[] lines = out().split("\n");
    assertThat(lines).hasSize(LiveChecks.checks().size() + 1);
    assertThat(lines[lines.length - 1]).isEqualTo(LiveChecks.checks().size() + " passed, 0 failed");
    assertThat(out()).doesNotContain("FAIL");
  }

  @Test
  void checkPassesOnASqliteFileAndLeavesNoKeysBehind(@TempDir Path dir) {
    String url = "sqlite:" + dir.resolve("check.db");
    assertThat(run("check", url)).isZero();
    assertThat(out()).endsWith("passed, 0 failed\n");
    try (io.larder.Cache cache = io.larder.Larder.open(url)) {
      assertThat(cache.stats().roundTrips()).isZero();
      try (var sql = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("check.db"));
          var rs = sql.createStatement().executeQuery("SELECT count(*) FROM larder_entries")) {
        rs.next();
        assertThat(rs.getInt(1)).as("rows left after the check").isZero();
      }
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void checkReportsAnUnreachableOrUnknownStoreAndExitsNonZero() {
    assertThat(run("check", "nope:x")).isEqualTo(1);
    assertThat(out()).startsWith("FAIL  open nope:x").endsWith("0 passed, 1 failed\n");
  }

  @Test
  void checkNeverPrintsThePasswordOfAStoreItCannotOpen() {
    assertThat(run("check", "postgresql://app:s3cr3t@127.0.0.1:1/db?connectTimeout=1s"))
        .isEqualTo(1);
    assertThat(out()).startsWith("FAIL  open postgresql://app:***@127.0.0.1:1/db")
        .doesNotContain("s3cr3t");
  }

  @Test
  void checkFailsWhenTheStoreBreaksTheContract() {
    // a store that ignores TTLs and loses increments fails the checks that look for that
    assertThat(run("check", "broken:")).isEqualTo(1);
    assertThat(out()).contains("FAIL  TTL").contains("FAIL  incr from 8 threads")
        .contains("\nwarn  this store is broken on purpose\n")
        .containsPattern("\\d+ passed, [1-9]\\d* failed\n$");
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(run()).isEqualTo(2);
    assertThat(run("check")).isEqualTo(2);
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'frobnicate'");
    assertThat(run("--help")).isZero();
  }
}
