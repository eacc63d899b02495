package io.larder.kyototycoon.internal;

import io.larder.kyototycoon.KyotoTycoonStores;
import io.larder.spi.HostPort;
import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Set;

/**
 * Opens {@code kt:} URLs: {@code kt://host:port?db=0}, the port 1978 when omitted.
 *
 * <p>Options: {@code db} (the database index, default 0), {@code timeout} (a duration such as
 * {@code 500ms}, default 2 s), {@code noReplyWrites} (a boolean, default false) and
 * {@code merge} and {@code direct} (booleans, default true), as on
 * {@link KyotoTycoonStores.Builder}. The facade reads {@code prefix}, {@code ttl},
 * {@code compress} and {@code failOpen} itself.
 */
public final class KyotoTycoonStoreProvider implements StoreProvider {

  /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
  public KyotoTycoonStoreProvider() {}

  /**
   * Returns the one scheme this provider opens.
   *
   * @return {@code Set.of("kt")}
   */
  @Override
  public Set<String> schemes() {
    return Set.of("kt");
  }

  /**
   * Connects to the server a URL names and checks its database index.
   *
   * <p>The clock is not used: entries expire by the server's clock.
   *
   * @param url a {@code kt:} URL
   * @param clock ignored
   * @return the open store
   * @throws NullPointerException if {@code url} is null
   * @throws IllegalArgumentException if the URL names no host, a port above 32767, a path, or
   *     an option is malformed, or the server has no such database
   * @throws io.larder.CacheException if the server cannot be reached or answers wrongly
   */
  @Override
  public Store open(StoreUrl url, InstantSource clock) {
    Objects.requireNonNull(url, "url");
    HostPort address = address(url);
    KyotoTycoonStores.Builder builder = KyotoTycoonStores.builder(address.host(), address.port());
    url.option("db").ifPresent(v -> builder.db(db(url, v)));
    url.durationOption("timeout").ifPresent(builder::timeout);
    url.booleanOption("noReplyWrites").ifPresent(builder::noReplyWrites);
    url.booleanOption("merge").ifPresent(builder::merge);
    url.booleanOption("direct").ifPresent(builder::direct);
    return builder.build();
  }

  /**
   * Reads {@code //host[:port][/]} from a URL's body.
   *
   * @param url the URL
   * @return the address
   * @throws IllegalArgumentException if the body is not of that form or the port is not 1
   *     to 32767
   */
  static HostPort address(StoreUrl url) {
    String body = url.body();
    if (!body.startsWith("//")) {
      throw new IllegalArgumentException("Kyoto Tycoon URL '" + url.redacted()
          + "' must name a server: kt://host:port?db=0");
    }
    String authority = body.substring(2);
    if (authority.endsWith("/")) {
      authority = authority.substring(0, authority.length() - 1);
    }
    if (authority.contains("/")) {
      throw new IllegalArgumentException("Kyoto Tycoon URL '" + url.redacted()
          + "' has a path; choose the database with ?db=N: kt://host:port?db=0");
    }
    if (authority.contains("@")) {
      throw new IllegalArgumentException("Kyoto Tycoon URL '" + url.redacted()
          + "' has a user; Kyoto Tycoon has no authentication");
    }
    HostPort address = HostPort.parse(authority, KyotoTycoonStores.DEFAULT_PORT, url.redacted());
    if (address.port() > KyotoTycoonStores.MAX_PORT) {
      throw new IllegalArgumentException("Kyoto Tycoon URL '" + url.redacted() + "' has port "
          + address.port() + "; Kyoto Tycoon only listens on ports 1 to "
          + KyotoTycoonStores.MAX_PORT);
    }
    return address;
  }

  private static int db(StoreUrl url, String text) {
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)
        || Integer.parseInt(text) > 0xFFFF) {
      throw new IllegalArgumentException("option 'db' must be a database index from 0 to 65535,"
          + " was '" + text + "' in '" + url.redacted() + "'");
    }
    return Integer.parseInt(text);
  }
}
