package io.larder.bench;

import io.larder.Cache;
import io.larder.Larder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sqlite}: get, set and getMany(100) of 1 kB values on one thread, Larder's
 * {@code sqlite:} store beside plain JDBC prepared statements (xerial sqlite-jdbc, one
 * connection, WAL, {@code synchronous=NORMAL} as Larder sets) on a table of its own in the
 * same database file.
 */
final class SqliteSuite implements Suite {
  private static final int KEYS = 1_000;
  private static final int BATCH = 100;

  @Override
  public String name() {
    return "sqlite";
  }

  @Override
  public List<Result> run(Harness.Settings settings) throws Exception {
    Path dir = Files.createTempDirectory("larder-bench-sqlite");
    Path file = dir.resolve("bench.db");
    List<Result> results = new ArrayList<>();
    byte[] value = Harness.value(1_024);
    String[] keys = new String[KEYS];
    Map<String, Object> all = new LinkedHashMap<>();
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "k" + i;
      all.put(keys[i], value);
    }
    List<String> keyList = Arrays.asList(keys);
    try (Cache cache = Larder.open("sqlite:" + file + "?failOpen=false");
         Connection jdbc = DriverManager.getConnection("jdbc:sqlite:" + file)) {
      try (Statement s = jdbc.createStatement()) {
        s.execute("PRAGMA journal_mode = WAL");
        s.execute("PRAGMA synchronous = NORMAL");
        s.execute("CREATE TABLE IF NOT EXISTS raw_entries (k TEXT PRIMARY KEY, v BLOB NOT NULL)");
      }
      PreparedStatement select = jdbc.prepareStatement("SELECT v FROM raw_entries WHERE k = ?");
      PreparedStatement upsert =
          jdbc.prepareStatement("INSERT OR REPLACE INTO raw_entries (k, v) VALUES (?, ?)");
      PreparedStatement selectMany = jdbc.prepareStatement("SELECT k, v FROM raw_entries WHERE k IN ("
          + String.join(",", java.util.Collections.nCopies(BATCH, "?")) + ")");
      cache.setMany(all);
      for (String k : keys) {
        upsert.setString(1, k);
        upsert.setBytes(2, value);
        upsert.executeUpdate();
      }
      results.add(compare(settings, "get 1kB, 1 thr",
          r -> Harness.require(cache.get(keys[r.nextInt(KEYS)], byte[].class), value),
          r -> {
            select.setString(1, keys[r.nextInt(KEYS)]);
            try (ResultSet rs = select.executeQuery()) {
              Harness.require(rs.next() ? rs.getBytes(1) : null, value);
            }
          }, "ops/s"));
      results.add(compare(settings, "set 1kB, 1 thr",
          r -> cache.set(keys[r.nextInt(KEYS)], value),
          r -> {
            upsert.setString(1, keys[r.nextInt(KEYS)]);
            upsert.setBytes(2, value);
            upsert.executeUpdate();
          }, "ops/s"));
      results.add(compare(settings, "getMany(100) 1kB, 1 thr",
          r -> {
            int from = r.nextInt(KEYS - BATCH);
            Harness.requireSize(cache.getMany(keyList.subList(from, from + BATCH), byte[].class), BATCH, value);
          },
          r -> {
            int from = r.nextInt(KEYS - BATCH);
            for (int i = 0; i < BATCH; i++) {
              selectMany.setString(i + 1, keys[from + i]);
            }
            Map<String, byte[]> found = new LinkedHashMap<>();
            try (ResultSet rs = selectMany.executeQuery()) {
              while (rs.next()) {
                found.put(rs.getString(1), rs.getBytes(2));
              }
            }
            Harness.requireSize(found, BATCH, value);
          }, "calls/s"));
      select.close();
      upsert.close();
      selectMany.close();
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
    return results;
  }

  private static Result compare(Harness.Settings settings, String name, Harness.Work larder,
      Harness.Work jdbc, String unit) throws InterruptedException {
    Map<String, Harness.Work> contenders = new LinkedHashMap<>();
    contenders.put("larder", larder);
    contenders.put("jdbc", jdbc);
    Harness.Measurement m = Harness.throughput(settings, 1, contenders);
    return m.rate(name, "larder", "jdbc", "plain JDBC", unit);
  }
}
