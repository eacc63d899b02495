package io.larder.memcached.internal;

import io.larder.spi.HostPort;
import io.larder.spi.StoreUrl;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of a {@code memcached://} URL: {@code //[user:password@]host[:port],host[:port]...}.
 * Pure.
 *
 * @param servers the servers in the order written
 * @param user the user, or {@code null}
 * @param password the password, or {@code null}
 */
record MemcachedUrl(List<Server> servers, String user, String password) {
  /** memcached's port when a server has none. */
  static final int DEFAULT_PORT = 11211;

  /** Describes the URL for messages and logs, with the password masked. */
  @Override
  public String toString() {
    return "MemcachedUrl[servers=" + servers + ", user=" + user
        + ", password=" + (password == null ? null : "***") + "]";
  }

  /**
   * One server of a URL.
   *
   * @param name the server as written, for example {@code cache1:11211} or {@code cache1}:
   *     what consistent hashing hashes, so that other clients agree
   * @param host the host, without IPv6 brackets
   * @param port the port
   */
  record Server(String name, String host, int port) {}

  /**
   * Parses the body of a URL.
   *
   * @throws IllegalArgumentException naming the URL if it has no server, a bad port, a path, or
   *     a server listed twice
   */
  static MemcachedUrl parse(StoreUrl url) {
    String body = url.body();
    if (!body.startsWith("//")) {
      throw new IllegalArgumentException("expected " + url.scheme() + "://host:port[,host:port...]"
          + ", got '" + url.redacted() + "'");
    }
    String authority = body.substring(2);
    if (authority.endsWith("/")) {
      authority = authority.substring(0, authority.length() - 1);
    }
    if (authority.contains("/")) {
      throw new IllegalArgumentException("memcached URLs take no path (memcached has no "
          + "databases): '" + url.redacted() + "'");
    }
    StoreUrl.Authority parts = url.authority(authority);
    if (parts.user() != null && parts.password() == null) {
      throw new IllegalArgumentException("memcached authentication needs user:password@ in '"
          + url.redacted() + "'");
    }
    String user = parts.user();
    String password = parts.password();
    authority = parts.hosts();
    List<Server> servers = new ArrayList<>();
    for (String part : authority.split(",", -1)) {
      Server s = server(part.trim(), url);
      for (Server other : servers) {
        if (other.host().equals(s.host()) && other.port() == s.port()) {
          throw new IllegalArgumentException("server " + s.name() + " is listed twice in '"
              + url.redacted() + "'");
        }
      }
      servers.add(s);
    }
    return new MemcachedUrl(List.copyOf(servers), user, password);
  }

  private static Server server(String text, StoreUrl url) {
    HostPort address = HostPort.parse(text, DEFAULT_PORT, url.redacted());
    return new Server(text, address.host(), address.port());
  }
}
