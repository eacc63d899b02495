package io.larder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.NearStats;
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

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theNearLineSaysWhetherTheServerPushesOrTheTtlBounds() {
    assertThat(LiveChecks.nearMode(NearStats.NONE)).isNull();
    assertThat(LiveChecks.nearMode(new NearStats(true, true, 0, 0, 0, 0)))
        .startsWith("near: tracking: ").contains("nearLag");
    assertThat(LiveChecks.nearMode(new NearStats(true, false, 0, 0, 0, 0)))
        .startsWith("near: TTL-bounded: ").contains("nearTtl");
  }

  @Test
  void checkReportsAnUnknownStoreInOneLineAndExitsNonZero() {
    assertThat(run("check", "nope:x")).isEqualTo(1);
    assertThat(out()).startsWith("FAIL  no store for scheme 'nope:' in 'nope:x'; available: [")
        .endsWith("\n0 passed, 1 failed\n").hasLineCount(2);
  }

  @Test
  void aMistypedSchemeGetsADidYouMean() {
    assertThat(run("check", "reddis://127.0.0.1:6379/0")).isEqualTo(1);
    assertThat(out()).contains("no store for scheme 'reddis:'")
        .contains("(did you mean 'redis:'?)").hasLineCount(2);
  }

  @Test
  void aMistypedOptionGetsADidYouMean() {
    assertThat(run("check", "mem:?tll=5m")).isEqualTo(1);
    assertThat(out()).isEqualTo(
        "FAIL  unknown option [tll] in 'mem:?tll=5m' (did you mean 'ttl'?)\n0 passed, 1 failed\n");
  }

  @Test
  void aPasswordInTheUrlIsNeverPrinted() {
    assertThat(run("check", "nope://user:s3cret@127.0.0.1:1/0")).isEqualTo(1);
    assertThat(out()).contains("nope://user:***@127.0.0.1:1/0").doesNotContain("s3cret");
  }

  @Test
  void theHelpListsEveryCommandTheSchemesHereAndTheExitCodes() {
    for (String help : new String[] {"--help", "help", "-h"}) {
      out.reset();
      assertThat(run(help)).as(help).isZero();
      assertThat(out()).as(help)
          .containsPattern("(?m)^  check URL +run the live checks")
          .containsPattern("(?m)^  example \\[--cache URL\\] \\.\\.\\. +start the example book site")
          .containsPattern("(?m)^  bench \\[SUITE\\.\\.\\.\\] \\[--quick\\] +run Larder beside")
          .containsPattern("(?m)^URL schemes here: .*\\bmem: .*\\bsqlite:")
          .contains(" redis: ").contains(" rediss: ").contains(" redis-cluster: ")
          .contains(" memcached: ").contains(" kt: ")
          .contains("exit status: 0 success; 1 failure (a check failed, the store could not be"
              + " opened, the site could not start); 2 bad usage");
    }
    // the test class path adds broken:, which the help shows because it is there
    assertThat(out()).contains(" broken: ");
    String help = out();
    out.reset();
    assertThat(run()).as("no command").isEqualTo(2);
    assertThat(err()).as("no command: the help, on stderr").isEqualTo(help);
  }

  @Test
  void anUnknownCommandGetsADidYouMean() {
    assertThat(run("chek", "mem:")).isEqualTo(2);
    assertThat(run("exmaple")).isEqualTo(2);
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err()).isEqualTo(""
        + "larder: unknown command 'chek' (did you mean 'check'?); 'larder --help' lists the commands\n"
        + "larder: unknown command 'exmaple' (did you mean 'example'?); 'larder --help' lists the"
        + " commands\n"
        + "larder: unknown command 'frobnicate'; 'larder --help' lists the commands\n");
  }

  @Test
  void exampleAndBenchPointToTheLarderScript() {
    assertThat(run("example")).isEqualTo(2);
    assertThat(err()).contains("./larder example --help");
  }

  @Test
  void logRecordsPrintAsOneLineWithoutADateHeader() {
    java.util.logging.LogRecord record = new java.util.logging.LogRecord(
        java.util.logging.Level.WARNING, "cannot connect to memcached {0}; retrying");
    record.setParameters(new Object[] {"127.0.0.1:1"});
    record.setThrown(new java.net.ConnectException("Connection refused\nsecond line"));
    assertThat(new Main.OneLine().format(record)).isEqualTo("larder: warning: cannot connect to"
        + " memcached 127.0.0.1:1; retrying: ConnectException: Connection refused; second line"
        + System.lineSeparator());
  }

  @Test
  void checkNeverPrintsThePasswordOfAStoreItCannotOpen() {
    assertThat(run("check", "postgresql://app:s3cr3t@127.0.0.1:1/db?connectTimeout=1s"))
        .isEqualTo(1);
    assertThat(out()).startsWith("FAIL  ").contains("postgresql://app:***@127.0.0.1:1/db")
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
    assertThat(run("check", "mem:", "extra")).isEqualTo(2);
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err()).contains("unknown command 'frobnicate'");
    assertThat(run("--help")).isZero();
  }
}
