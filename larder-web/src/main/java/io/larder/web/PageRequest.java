package io.larder.web;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A request as the page cache sees it: what goes into its key and what decides whether it
 * may use the shared cache at all.
 *
 * @param method the HTTP method, upper case
 * @param scheme {@code http} or {@code https}
 * @param host the host name the client asked for
 * @param port the port the client asked for
 * @param path the request URI's path, as sent (still percent-encoded)
 * @param query the raw query string, or {@code null} if there is none
 * @param headers the request's header values, by lower-case name
 * @param hasSession whether the request carries a session (a session cookie or id)
 */
record PageRequest(String method, String scheme, String host, int port, String path,
    String query, Map<String, List<String>> headers, boolean hasSession) {

  PageRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(path, "path");
    headers = Map.copyOf(headers);
  }

  /** Returns every value of a header, in the order received; empty if absent. */
  List<String> headers(String name) {
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }

  /** Returns the first value of a header, or {@code null}. */
  String header(String name) {
    List<String> values = headers(name);
    return values.isEmpty() ? null : values.get(0);
  }

  boolean isHead() {
    return method.equals("HEAD");
  }
}
