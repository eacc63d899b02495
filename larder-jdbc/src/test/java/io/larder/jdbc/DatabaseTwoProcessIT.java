package io.larder.jdbc;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two JVMs count on one database table at the same time and lose nothing: two web servers
 * sharing a PostgreSQL or MariaDB cache.
 */
class DatabaseTwoProcessIT {
  private static final int INCREMENTS = 1_000;
  private static final int CAS_UPDATES = 300;

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"postgresql", "mariadb"})
  void twoProcessesCountExactlyOnOneTable(String dialect) throws Exception {
    String url = (dialect.equals("postgresql")
        ? TestDatabases.postgres().url() : TestDatabases.mariaDb().url())
        + "?table=two_jvms&poolSize=4&minIdle=1&timeout=10s";
    Path childErr = dir.resolve("child.err");
    try (DatabaseCacheStore store = DatabaseStores.open(url)) {
      store.delete(SqliteWorker.COUNTER);
      store.set(SqliteWorker.CAS_COUNTER, "0".getBytes(US_ASCII), 0);
      Process child = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"),
          DatabaseWorker.class.getName(),
          url, Integer.toString(INCREMENTS), Integer.toString(CAS_UPDATES))
          .redirectError(childErr.toFile())
          .start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            US_ASCII));
        String ready = CompletableFuture.supplyAsync(() -> readLine(out))
            .get(60, TimeUnit.SECONDS);
        assertThat(ready).as("child stderr: %s", Files.readString(childErr))
            .isEqualTo("ready");
        OutputStream in = child.getOutputStream();
        in.write("go\n".getBytes(US_ASCII));
        in.flush();

        SqliteWorker.work(store, INCREMENTS, CAS_UPDATES);

        assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child finished").isTrue();
        assertThat(child.exitValue()).as("child stderr: %s", Files.readString(childErr))
            .isZero();
        assertThat(readLine(out)).isEqualTo("done");
      } finally {
        child.destroyForcibly();
      }
      assertThat(new String(store.get(SqliteWorker.COUNTER), US_ASCII))
          .isEqualTo(Integer.toString(2 * INCREMENTS));
      assertThat(new String(store.get(SqliteWorker.CAS_COUNTER), US_ASCII))
          .isEqualTo(Integer.toString(2 * CAS_UPDATES));
    }
  }

  private static String readLine(BufferedReader reader) {
    try {
      return reader.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
