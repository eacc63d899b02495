package io.larder.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.larder.CacheConnectionException;
import io.larder.spi.HostPort;
import io.larder.spi.StoreUrl;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Properties;

/**
 * Turns a {@code postgresql:}, {@code mariadb:} or {@code mysql:} URL into a HikariCP pool and
 * a store over it.
 */
final class DatabaseUrls {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
  static final int DEFAULT_POOL_SIZE = 10;

  /** Driver options passed through as they are, for TLS. */
  private static final List<String> POSTGRES_TLS =
      List.of("ssl", "sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword");
  private static final List<String> MARIADB_TLS = List.of("sslMode", "serverSslCert", "keyStore",
      "keyStorePassword", "trustStore", "trustStorePassword", "enabledSslProtocolSuites");

  private DatabaseUrls() {}

  /** Where a URL points: the parts of {@code //user:password@host:port/database}. */
  record Target(String user, String password, String host, int port, String database) {
    @Override
    public String toString() {
      return "Target[user=" + user + ", password=" + (password == null ? "none" : "***")
          + ", host=" + host + ", port=" + port + ", database=" + database + "]";
    }
  }

  /**
   * Parses the body of a database URL.
   *
   * @throws IllegalArgumentException if it has no host or database, or a bad port
   */
  static Target parse(StoreUrl url, int defaultPort) {
    String body = url.body();
    if (!body.startsWith("//")) {
      throw bad(url, "must start with " + url.scheme() + "://");
    }
    String rest = body.substring(2);
    int slash = rest.indexOf('/');
    if (slash < 0 || slash == rest.length() - 1) {
      throw bad(url, "names no database; write " + url.scheme()
          + "://user:password@host:port/database");
    }
    String authority = rest.substring(0, slash);
    String database = url.decode(rest.substring(slash + 1), "database");
    if (database.contains("/")) {
      throw bad(url, "has a database name with '/'");
    }
    StoreUrl.Authority parts = url.authority(authority);
    if (parts.hosts().isEmpty()) {
      throw bad(url, "names no host");
    }
    HostPort address = HostPort.parse(parts.hosts(), defaultPort, url.redacted());
    String user = parts.user();
    String password = parts.password();
    // a JDBC URL writes an IPv6 address in brackets
    String host = address.host().indexOf(':') >= 0 ? "[" + address.host() + "]" : address.host();
    int port = address.port();
    return new Target(user, password, host, port, database);
  }

  /** Opens a pool and a store over it as the URL says. */
  static DatabaseCacheStore open(StoreUrl url, InstantSource clock) {
    boolean postgresql = url.scheme().equals("postgresql") || url.scheme().equals("postgres");
    boolean mariadb = url.scheme().equals("mariadb") || url.scheme().equals("mysql");
    if (!postgresql && !mariadb) {
      throw new IllegalArgumentException("not a database URL: '" + url.redacted()
          + "' (expected postgresql://, mariadb:// or mysql://)");
    }
    Target target = parse(url, postgresql ? 5432 : 3306);
    Duration timeout = url.durationOption("timeout").orElse(DEFAULT_TIMEOUT);
    Duration connectTimeout = url.durationOption("connectTimeout").orElse(DEFAULT_CONNECT_TIMEOUT);
    int poolSize = (int) (long) url.sizeOption("poolSize").orElse((long) DEFAULT_POOL_SIZE);
    long minIdle = url.sizeOption("minIdle").orElse((long) poolSize);
    if (timeout.isZero() || timeout.isNegative()) {
      throw bad(url, "has timeout " + timeout + "; it must be positive");
    }
    if (connectTimeout.toMillis() < 250) {
      throw bad(url, "has connectTimeout " + connectTimeout + "; it must be at least 250ms");
    }
    if (poolSize < 1 || poolSize > 1_000 || minIdle > poolSize) {
      throw bad(url, "needs 1 <= poolSize <= 1000 and minIdle <= poolSize, has poolSize "
          + poolSize + " and minIdle " + minIdle);
    }

    DatabaseStores.Builder builder;
    HikariConfig config = new HikariConfig();
    Dialect dialect;
    String table = url.option("table").orElse(DatabaseStores.Builder.DEFAULT_TABLE);
    Properties driver = new Properties();
    long socketSeconds = (timeout.toMillis() + 999) / 1000 + 5;
    if (postgresql) {
      dialect = new PostgresDialect(Dialect.checkTable(table));
      config.setJdbcUrl("jdbc:postgresql://" + target.host() + ":" + target.port() + "/"
          + target.database());
      driver.setProperty("connectTimeout",
          String.valueOf(Math.max(1, (connectTimeout.toMillis() + 999) / 1000)));
      driver.setProperty("socketTimeout", String.valueOf(socketSeconds));
      driver.setProperty("tcpKeepAlive", "true");
      driver.setProperty("ApplicationName", "larder");
      passThrough(url, POSTGRES_TLS, driver);
    } else {
      dialect = new MariaDbDialect(Dialect.checkTable(table));
      config.setJdbcUrl("jdbc:mariadb://" + target.host() + ":" + target.port() + "/"
          + target.database());
      driver.setProperty("connectTimeout", String.valueOf(connectTimeout.toMillis()));
      driver.setProperty("socketTimeout", String.valueOf(socketSeconds * 1000));
      driver.setProperty("tcpKeepAlive", "true");
      // lets incr send its update and the read of the result in one round trip
      driver.setProperty("allowMultiQueries", "true");
      passThrough(url, MARIADB_TLS, driver);
    }
    config.setDataSourceProperties(driver);
    if (target.user() != null) {
      config.setUsername(target.user());
    }
    if (target.password() != null) {
      config.setPassword(target.password());
    }
    config.setPoolName("larder " + dialect.table + "@" + target.host() + ":" + target.port());
    config.setMaximumPoolSize(poolSize);
    config.setMinimumIdle((int) minIdle);
    config.setConnectionTimeout(connectTimeout.toMillis());
    config.setValidationTimeout(Math.min(connectTimeout.toMillis(), 5_000));
    config.setConnectionInitSql(dialect.sessionTimeoutSql(timeout.toMillis()));
    config.setAutoCommit(true);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");

    boolean create = url.booleanOption("createTable").orElse(true);
    boolean unlogged = url.booleanOption("unlogged").orElse(false);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      // HikariCP's PoolInitializationException: the database is unreachable or refused us
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new CacheConnectionException("cannot connect to " + dialect.product() + " at '"
          + url.redacted() + "': " + cause.getMessage(), e);
    }
    try {
      builder = postgresql ? DatabaseStores.postgresql(pool) : DatabaseStores.mariadb(pool);
      builder.ownedPool(pool).table(dialect.table).createTable(create);
      if (unlogged) {
        builder.unlogged(true);
      }
      url.sizeOption("maxEntries").ifPresent(builder::maxEntries);
      url.durationOption("purgeInterval").ifPresent(builder::purgeInterval);
      return builder.clock(clock).build();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  private static void passThrough(StoreUrl url, List<String> names, Properties driver) {
    for (String name : names) {
      url.option(name).ifPresent(value -> driver.setProperty(name, value));
    }
  }

  private static IllegalArgumentException bad(StoreUrl url, String why) {
    return new IllegalArgumentException("database URL '" + url.redacted() + "' " + why);
  }
}
