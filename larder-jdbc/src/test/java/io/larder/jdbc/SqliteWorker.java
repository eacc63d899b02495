package io.larder.jdbc;

import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The second process of {@link SqliteTwoProcessIT} (and, through {@link DatabaseWorker}, of
 * {@link DatabaseTwoProcessIT}): opens the file, says {@code ready},
 * waits for {@code go} on standard input, then counts on the shared keys.
 */
public final class SqliteWorker {
  static final String COUNTER = "counter";
  static final String CAS_COUNTER = "cas-counter";

  private SqliteWorker() {}

  /**
   * Runs the worker.
   *
   * @param args the file, the number of increments and the number of compare-and-set updates
   * @throws Exception if anything fails, which ends the process with a non-zero status
   */
  public static void main(String[] args) throws Exception {
    try (SqliteCacheStore store = SqliteStores.builder(Path.of(args[0])).build()) {
      System.out.println("ready");
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
      if (!"go".equals(in.readLine())) {
        throw new IllegalStateException("expected go");
      }
      work(store, Integer.parseInt(args[1]), Integer.parseInt(args[2]));
    }
    System.out.println("done");
  }

  /** Interleaves increments and compare-and-set read-modify-write loops on the shared keys. */
  static void work(Store store, int increments, int casUpdates) {
    for (int i = 0; i < Math.max(increments, casUpdates); i++) {
      if (i < increments) {
        store.incr(COUNTER, 1, 0);
      }
      if (i < casUpdates) {
        while (true) {
          StoredValue read = store.getVersioned(CAS_COUNTER);
          long next = Long.parseLong(new String(read.bytes(), StandardCharsets.US_ASCII)) + 1;
          if (store.compareAndSet(CAS_COUNTER, read,
              Long.toString(next).getBytes(StandardCharsets.US_ASCII), 0)) {
            break;
          }
        }
      }
    }
  }
}
