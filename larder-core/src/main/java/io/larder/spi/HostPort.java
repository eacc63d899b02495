package io.larder.spi;

import java.util.Objects;

/**
 * A server address as written in a cache URL: {@code host}, {@code host:port}, or for IPv6
 * {@code [addr]} / {@code [addr]:port}. The one parser every store uses, with one set of
 * error messages.
 *
 * @param host the host name or address, an IPv6 address without its brackets
 * @param port the port, 1 to 65535
 */
public record HostPort(String host, int port) {

  /**
   * Creates an address.
   *
   * @param host the host name or address, an IPv6 address without brackets
   * @param port the port
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if {@code host} is empty or {@code port} is not 1 to
   *     65535
   */
  public HostPort {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port must be 1 to 65535, was " + port);
    }
  }

  /**
   * Parses {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}.
   *
   * @param text the address as written
   * @param defaultPort the port when the text names none
   * @return the address
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if the text is not such an address, naming it
   */
  public static HostPort parse(String text, int defaultPort) {
    return parse(text, defaultPort, null);
  }

  /**
   * Parses {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port} found in a
   * larger text, such as a cache URL, that error messages name too.
   *
   * @param text the address as written
   * @param defaultPort the port when the text names none
   * @param source where the text was found (a redacted URL, an option name), or {@code null}
   * @return the address
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if the text is not such an address: no host, an unclosed
   *     {@code '['}, text after {@code ']'} other than {@code :port}, an IPv6 address without
   *     brackets, a space, control character, {@code ','} or {@code '/'} in the host, or a port
   *     that is not a number from 1 to 65535
   */
  public static HostPort parse(String text, int defaultPort, String source) {
    Objects.requireNonNull(text, "text");
    String host;
    String port = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw bad(text, source, "an unclosed '['");
      }
      host = text.substring(1, close);
      String rest = text.substring(close + 1);
      if (!rest.isEmpty()) {
        if (rest.charAt(0) != ':') {
          throw bad(text, source, "text after ']' that is not :port");
        }
        port = rest.substring(1);
      }
    } else {
      int colon = text.lastIndexOf(':');
      host = colon < 0 ? text : text.substring(0, colon);
      port = colon < 0 ? null : text.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw bad(text, source, "an IPv6 address not in brackets; write e.g. [::1]:"
            + defaultPort);
      }
    }
    if (host.isEmpty()) {
      throw bad(text, source, "no host");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c <= ' ' || c == 0x7f || c == ',' || c == '/') {
        throw bad(text, source, "a space, control character, ',' or '/' in the host");
      }
    }
    if (port == null) {
      return new HostPort(host, defaultPort);
    }
    if (port.isEmpty() || port.length() > 5
        || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw bad(text, source, "a port that is not a number");
    }
    int p = Integer.parseInt(port);
    if (p < 1 || p > 65_535) {
      throw bad(text, source, "port " + p + " outside 1 to 65535");
    }
    return new HostPort(host, p);
  }

  private static IllegalArgumentException bad(String text, String source, String why) {
    return new IllegalArgumentException("server address must be host or host:port, was '" + text
        + "'" + (source == null ? "" : " in '" + source + "'") + " (" + why + ")");
  }

  /**
   * Returns the address as a URL writes it: {@code host:port}, an IPv6 address in brackets.
   *
   * @return for example {@code cache1:11211} or {@code [::1]:6379}
   */
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
