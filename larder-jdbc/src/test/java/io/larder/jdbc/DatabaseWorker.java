package io.larder.jdbc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The second process of {@link DatabaseTwoProcessIT}: opens a database URL, says
 * {@code ready}, waits for {@code go} on standard input, then counts on the shared keys as
 * {@link SqliteWorker#work} does.
 */
public final class DatabaseWorker {
  private DatabaseWorker() {}

  /**
   * Runs the worker.
   *
   * @param args the URL, the number of increments and the number of compare-and-set updates
   * @throws Exception if anything fails, which ends the process with a non-zero status
   */
  public static void main(String[] args) throws Exception {
    try (DatabaseCacheStore store = DatabaseStores.open(args[0])) {
      System.out.println("ready");
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
      if (!"go".equals(in.readLine())) {
        throw new IllegalStateException("expected go");
      }
      SqliteWorker.work(store, Integer.parseInt(args[1]), Integer.parseInt(args[2]));
    }
    System.out.println("done");
  }
}
