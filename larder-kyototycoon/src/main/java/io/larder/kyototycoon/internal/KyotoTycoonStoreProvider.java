package io.larder.kyototycoon.internal;

import io.larder.kyototycoon.KyotoTycoonStores;
import io.larder.spi.Store;
import io.larder.spi.StoreProvider;
import io.larder.spi.StoreUrl;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Set;

/**
 * Opens {@code kt:} URLs: {@code kt://host:port?db=0}, the port 1978 when omitted.
 *
 * <p>Options: {@code db} (the database index, default 0), {@code timeout} (a duration such as
 * {@code 500ms}, default 2 s) and {@code noReplyWrites} (a boolean, default false), as on
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
    Address address = address(url);
    KyotoTycoonStores.Builder builder = KyotoTycoonStores.builder(address.host(), address.port());
    url.option("db").ifPresent(v -> builder.db(db(url, v)));
    url.durationOption("timeout").ifPresent(t -> builder.timeout(positive(url, t)));
    url.booleanOption("noReplyWrites").ifPresent(builder::noReplyWrites);
    return builder.build();
  }

  /**
   * A host and port taken from a URL.
   *
   * @param host the host name or address, IPv6 without brackets
   * @param port the port
   */
  record Address(String host, int port) {}

  /**
   * Reads {@code //host[:port][/]} from a URL's body.
   *
   * @param url the URL
   * @return the address
   * @throws IllegalArgumentException if the body is not of that form or the port is not 1
   *     to 32767
   */
  static Address address(StoreUrl url) {
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
    String host;
    String portText = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("Kyoto Tycoon URL '" + url.redacted()
            + "' has an unclosed '[' in its host");
      }
      host = authority.substring(1, close);
      String rest = authority.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException("Kyoto Tycoon URL '" + url.redacted()
              + "' has something other than :port after its host");
        }
        portText = rest.substring(1);
      }
    } else {
      int colon = authority.lastIndexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      portText = colon < 0 ? null : authority.substring(colon + 1);
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("Kyoto Tycoon URL '" + url.redacted()
          + "' names no host: kt://host:port?db=0");
    }
    int port = KyotoTycoonStores.DEFAULT_PORT;
    if (portText != null) {
      if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(
          Character::isDigit)) {
        throw new IllegalArgumentException("Kyoto Tycoon URL '" + url.redacted()
            + "' has a malformed port '" + portText + "'");
      }
      port = Integer.parseInt(portText);
    }
    if (port < 1 || port > KyotoTycoonStores.MAX_PORT) {
      throw new IllegalArgumentException("Kyoto Tycoon URL '" + url.redacted() + "' has port "
          + port + "; Kyoto Tycoon only listens on ports 1 to " + KyotoTycoonStores.MAX_PORT);
    }
    return new Address(host, port);
  }

  private static int db(StoreUrl url, String text) {
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)
        || Integer.parseInt(text) > 0xFFFF) {
      throw new IllegalArgumentException("option 'db' must be a database index from 0 to 65535,"
          + " was '" + text + "' in '" + url.redacted() + "'");
    }
    return Integer.parseInt(text);
  }

  private static Duration positive(StoreUrl url, Duration timeout) {
    if (timeout.isZero()) {
      throw new IllegalArgumentException(
          "option 'timeout' must be positive, was 0 in '" + url.redacted() + "'");
    }
    return timeout;
  }
}
