package io.larder.jdbc;

import io.larder.testkit.MariaDbServer;
import io.larder.testkit.PostgresServer;

/**
 * One PostgreSQL and one MariaDB server for all the tests of this module (failsafe runs them
 * in one JVM), started on first use. The testkit's shutdown hook kills them and deletes their
 * directories when the JVM exits; tests that need to crash a server start their own.
 */
final class TestDatabases {
  private static PostgresServer postgres;
  private static MariaDbServer mariaDb;

  private TestDatabases() {}

  static synchronized PostgresServer postgres() {
    if (postgres == null) {
      postgres = PostgresServer.start();
    }
    return postgres;
  }

  static synchronized MariaDbServer mariaDb() {
    if (mariaDb == null) {
      mariaDb = MariaDbServer.start();
    }
    return mariaDb;
  }
}
