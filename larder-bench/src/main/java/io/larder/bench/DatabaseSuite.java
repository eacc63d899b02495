package io.larder.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.larder.Cache;
import io.larder.Larder;
import io.larder.jdbc.DatabaseCacheStore;
import io.larder.jdbc.DatabaseStores;
import io.larder.testkit.MariaDbServer;
import io.larder.testkit.PostgresServer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code database}: get, set and getMany(100) of 1 kB values at 1 and 16 threads on a
 * throwaway PostgreSQL and MariaDB, Larder's database store beside plain JDBC prepared
 * statements and beside Spring's {@link JdbcTemplate}, all three on the same HikariCP pool and
 * the same table, running the statements Larder runs (the peers on keys of their own).
 */
final class DatabaseSuite implements Suite {
  private static final int KEYS = 1_000;
  private static final int BATCH = 100;
  private static final String TABLE = "bench_cache";

  @Override
  public String name() {
    return "database";
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    List<Result> results = new ArrayList<>();
    try (PostgresServer pg = PostgresServer.start()) {
      results.addAll(run(settings, "pg", pg.jdbcUrl(), pg.user(), "", true));
    }
    try (MariaDbServer db = MariaDbServer.start()) {
      results.addAll(run(settings, "mariadb", db.jdbcUrl(), db.user(), db.password(), false));
    }
    return results;
  }

  private static List<Result> run(Harness.Settings settings, String label, String jdbcUrl,
      String user, String password, boolean postgresql) throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(16);
    config.setConnectionInitSql(postgresql ? "SET statement_timeout = 5000"
        : "SET SESSION max_statement_time = 5");
    List<Result> results = new ArrayList<>();
    try (HikariDataSource pool = new HikariDataSource(config)) {
      DatabaseStores.Builder builder =
          postgresql ? DatabaseStores.postgresql(pool) : DatabaseStores.mariadb(pool);
      try (DatabaseCacheStore store = builder.table(TABLE).unlogged(false).build();
          Cache cache = Larder.builder().store(store).failOpen(false).build()) {
        byte[] value = Harness.value(1_024);
        String[] keys = new String[KEYS];
        byte[][] rawKeys = new byte[KEYS][];
        Map<String, Object> all = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
          keys[i] = "k" + i;
          rawKeys[i] = ("raw:k" + i).getBytes(StandardCharsets.UTF_8);
          all.put(keys[i], value);
        }
        List<String> keyList = Arrays.asList(keys);
        String live = " AND (expires_at = 0 OR expires_at > ?)";
        String get = "SELECT cache_value FROM " + TABLE + " WHERE cache_key = ?" + live;
        String version = postgresql ? "nextval('" + TABLE + "_version')" : "NEXTVAL(" + TABLE
            + "_version)";
        String set = "INSERT INTO " + TABLE + " (cache_key, cache_value, expires_at, version,"
            + " accessed_at) VALUES (?, ?, 0, " + version + ", ?) " + (postgresql
            ? "ON CONFLICT (cache_key) DO UPDATE SET cache_value = EXCLUDED.cache_value,"
                + " expires_at = EXCLUDED.expires_at, version = EXCLUDED.version,"
                + " accessed_at = EXCLUDED.accessed_at"
            : "ON DUPLICATE KEY UPDATE cache_value = VALUES(cache_value),"
                + " expires_at = VALUES(expires_at), version = VALUES(version),"
                + " accessed_at = VALUES(accessed_at)");
        String getMany = "SELECT cache_key, cache_value FROM " + TABLE + " WHERE "
            + (postgresql ? "cache_key = ANY (?)"
                : "cache_key IN (" + String.join(", ", Collections.nCopies(BATCH, "?")) + ")")
            + live;
        cache.setMany(all);
        JdbcTemplate template = new JdbcTemplate(pool);
        for (byte[] k : rawKeys) {
          template.update(set, k, value, System.currentTimeMillis());
        }

        for (int threads : new int[] {1, 16}) {
          String suffix = " 1kB, " + threads + " thr, " + label;
          compare(results, settings, threads, "get" + suffix, "ops/s",
              r -> Harness.require(cache.get(keys[r.nextInt(KEYS)], byte[].class), value),
              r -> {
                try (Connection c = pool.getConnection();
                    PreparedStatement s = c.prepareStatement(get)) {
                  s.setBytes(1, rawKeys[r.nextInt(KEYS)]);
                  s.setLong(2, System.currentTimeMillis());
                  try (ResultSet rs = s.executeQuery()) {
                    Harness.require(rs.next() ? rs.getBytes(1) : null, value);
                  }
                }
              },
              r -> Harness.require(template.query(get,
                  rs -> rs.next() ? rs.getBytes(1) : null,
                  rawKeys[r.nextInt(KEYS)], System.currentTimeMillis()), value));
          compare(results, settings, threads, "set" + suffix, "ops/s",
              r -> cache.set(keys[r.nextInt(KEYS)], value),
              r -> {
                try (Connection c = pool.getConnection();
                    PreparedStatement s = c.prepareStatement(set)) {
                  s.setBytes(1, rawKeys[r.nextInt(KEYS)]);
                  s.setBytes(2, value);
                  s.setLong(3, System.currentTimeMillis());
                  s.executeUpdate();
                }
              },
              r -> template.update(set, rawKeys[r.nextInt(KEYS)], value,
                  System.currentTimeMillis()));
          compare(results, settings, threads, "getMany(100)" + suffix, "calls/s",
              r -> {
                int from = r.nextInt(KEYS - BATCH);
                Harness.requireSize(
                    cache.getMany(keyList.subList(from, from + BATCH), byte[].class), BATCH, value);
              },
              r -> {
                int from = r.nextInt(KEYS - BATCH);
                try (Connection c = pool.getConnection();
                    PreparedStatement s = c.prepareStatement(getMany)) {
                  int next = bindBatch(c, s, from, rawKeys, postgresql);
                  s.setLong(next, System.currentTimeMillis());
                  Map<String, byte[]> found = new HashMap<>();
                  try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                      found.put(new String(rs.getBytes(1), StandardCharsets.UTF_8),
                          rs.getBytes(2));
                    }
                  }
                  Harness.requireSize(found, BATCH, value);
                }
              },
              r -> {
                int from = r.nextInt(KEYS - BATCH);
                Map<String, byte[]> found = new HashMap<>();
                template.query(getMany, s -> {
                  int next = bindBatch(s.getConnection(), s, from, rawKeys, postgresql);
                  s.setLong(next, System.currentTimeMillis());
                }, rs -> {
                  found.put(new String(rs.getBytes(1), StandardCharsets.UTF_8), rs.getBytes(2));
                });
                Harness.requireSize(found, BATCH, value);
              });
        }
      }
    }
    return results;
  }

  private static int bindBatch(Connection c, PreparedStatement s, int from, byte[][] rawKeys,
      boolean postgresql) throws java.sql.SQLException {
    byte[][] batch = Arrays.copyOfRange(rawKeys, from, from + BATCH);
    if (postgresql) {
      s.setArray(1, c.createArrayOf("bytea", batch));
      return 2;
    }
    for (int i = 0; i < BATCH; i++) {
      s.setBytes(i + 1, batch[i]);
    }
    return BATCH + 1;
  }

  private static void compare(List<Result> results, Harness.Settings settings, int threads,
      String name, String unit, Harness.Work larder, Harness.Work jdbc, Harness.Work spring)
      throws InterruptedException {
    Map<String, Harness.Work> contenders = new LinkedHashMap<>();
    contenders.put("larder", larder);
    contenders.put("jdbc", jdbc);
    contenders.put("spring", spring);
    Harness.Measurement m = Harness.throughput(settings, threads, contenders);
    results.add(m.rate(name, "larder", "jdbc", "plain JDBC", unit));
    results.add(m.rate(name, "larder", "spring", "JdbcTemplate", unit));
  }
}
