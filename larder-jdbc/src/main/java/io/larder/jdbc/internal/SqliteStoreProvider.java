package io.larder.jdbc.internal;

import io.larder.jdbc.SqliteStores;
import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Set;

/**
 * Opens {@code sqlite:} URLs: {@code sqlite:data/cache.db} (relative to the working
 * directory), {@code sqlite:/var/cache/app.db} or {@code sqlite:///var/cache/app.db}.
 *
 * <p>Options: {@code maxEntries} (a count, {@code 0} for no limit; {@code 100k} means
 * 102,400), {@code purgeInterval} and {@code busyTimeout} (durations such as {@code 30s}),
 * as on {@link SqliteStores.Builder}.
 */
public final class SqliteStoreProvider implements StoreProvider {

  /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
  public SqliteStoreProvider() {}

  /**
   * Returns the one scheme this provider opens.
   *
   * @return {@code Set.of("sqlite")}
   */
  @Override
  public Set<String> schemes() {
    return Set.of("sqlite");
  }

  /**
   * Opens the SQLite file a URL names, creating it and its parent directories if missing.
   *
   * @param url a {@code sqlite:} URL
   * @param clock the time source for expiry
   * @return the open store
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the URL names no file path (no path, a host,
   *     {@code :memory:} or a {@code file:} URI), or an option is malformed
   * @throws io.larder.CacheException if the file cannot be opened
   */
  @Override
  public Store open(StoreUrl url, InstantSource clock) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(clock, "clock");
    SqliteStores.Builder builder = SqliteStores.builder(path(url)).clock(clock);
    url.sizeOption("maxEntries").ifPresent(builder::maxEntries);
    url.durationOption("purgeInterval").ifPresent(builder::purgeInterval);
    url.durationOption("busyTimeout").ifPresent(builder::busyTimeout);
    return builder.build();
  }

  private static Path path(StoreUrl url) {
    String path = url.body();
    if (path.startsWith("//")) {
      path = path.substring(2);
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("SQLite URL '" + url.redacted() + "' names a host;"
            + " write sqlite:relative/file.db or sqlite:///absolute/file.db");
      }
    }
    if (path.isEmpty()) {
      throw new IllegalArgumentException("SQLite URL '" + url.redacted() + "' names no file;"
          + " write for example sqlite:data/cache.db");
    }
    if (path.equals(":memory:") || path.startsWith("file:")) {
      // the store opens a plain file by name; SQLite's special names would not mean here
      // what they mean to SQLite
      throw new IllegalArgumentException("SQLite URL '" + url.redacted() + "' must name a"
          + " file path; use mem: for a cache in memory");
    }
    try {
      return Path.of(path);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(
          "SQLite URL '" + url.redacted() + "' names an invalid path: " + e.getMessage(), e);
    }
  }
}
