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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two JVMs count on one SQLite file at the same time and lose nothing. */
class SqliteTwoProcessIT {
  private static final int INCREMENTS = 1_000;
  private static final int CAS_UPDATES = 300;

  @TempDir Path dir;

  @Test
  void twoProcessesCountExactlyOnOneFile() throws Exception {
    Path file = dir.resolve("shared.db");
    Path childErr = dir.resolve("child.err");
    try (SqliteCacheStore store = SqliteStores.builder(file).build()) {
      store.set(SqliteWorker.CAS_COUNTER, "0".getBytes(US_ASCII), 0);
      Process child = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"),
          SqliteWorker.class.getName(),
          file.toString(), Integer.toString(INCREMENTS), Integer.toString(CAS_UPDATES))
          .redirectError(childErr.toFile())
          .start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            US_ASCII));
        String ready = CompletableFuture.supplyAsync(() -> readLine(out))
            .get(30, TimeUnit.SECONDS);
        assertThat(ready).as("child stderr: %s", Files.readString(childErr))
            .isEqualTo("ready");
        OutputStream in = child.getOutputStream();
        in.write("go\n".getBytes(US_ASCII));
        in.flush();

        SqliteWorker.work(store, INCREMENTS, CAS_UPDATES);

        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child finished").isTrue();
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
