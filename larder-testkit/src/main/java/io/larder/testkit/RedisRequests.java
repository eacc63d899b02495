package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** {@link ServerRequests} for redis-server and Redis Cluster: {@code INFO commandstats}. */
final class RedisRequests implements ServerRequests {
  private static final int TIMEOUT_MILLIS = 5_000;
  // commands that touch no data: the client's handshake, topology refreshes, this reader's INFO
  private static final Set<String> ADMIN = Set.of("info", "ping", "hello", "select", "auth",
      "readonly", "cluster", "client", "command", "config", "script");

  private final List<TestServer> nodes;
  private final boolean oneGroup;

  RedisRequests(List<TestServer> nodes, boolean oneGroup) {
    this.nodes = nodes;
    this.oneGroup = oneGroup;
  }

  @Override
  public RequestCounts read() {
    RequestCounts sum = RequestCounts.none();
    for (TestServer n : nodes) {
      sum = sum.plus(commandStats(n.host(), n.port()));
    }
    return sum;
  }

  @Override
  public void checkBulk(Bulk op, int keys, RequestCounts seen) {
    long most = oneGroup ? 1 : keys;
    switch (op) {
      case READ -> {
        assertThat(seen.get("get")).as("GETs for a bulk read of %d keys; server saw %s", keys, seen)
            .isZero();
        assertThat(seen.get("mget")).as("MGETs for a bulk read of %d keys; server saw %s", keys, seen)
            .isBetween(1L, most);
      }
      // plain commands, pipelined (one SET per key, one UNLINK per group): the server cannot
      // see a pipeline, so this checks that nothing else ran; the facade counts the round trip
      case WRITE -> {
        assertThat(seen.sum("evalsha", "eval")).as("scripts for a bulk write; server saw %s", seen)
            .isZero();
        assertThat(seen.get("set")).as("SETs for a bulk write of %d keys; server saw %s", keys,
            seen).isEqualTo(keys);
      }
      case DELETE -> {
        assertThat(seen.sum("evalsha", "eval")).as("scripts for a bulk delete; server saw %s",
            seen).isZero();
        assertThat(seen.get("unlink")).as("UNLINKs for a bulk delete of %d keys; server saw %s",
            keys, seen).isBetween(1L, most);
      }
    }
  }

  @Override
  public void checkNone(RequestCounts seen) {
    Map<String, Long> data = new TreeMap<>();
    for (String name : seen.names()) {
      if (!ADMIN.contains(name.contains("|") ? name.substring(0, name.indexOf('|')) : name)) {
        data.put(name, seen.get(name));
      }
    }
    assertThat(data).as("commands the server saw").isEmpty();
  }

  /**
   * Reads {@code INFO commandstats} from one redis-server.
   *
   * @return calls by lower-case command name ({@code "client|setname"} for subcommands)
   * @throws IllegalStateException if the server cannot be reached or answers something else
   */
  static RequestCounts commandStats(String host, int port) {
    String info = info(host, port, "commandstats");
    Map<String, Long> calls = new TreeMap<>();
    for (String line : info.split("\r\n")) {
      // cmdstat_get:calls=12,usec=40,usec_per_call=3.33,rejected_calls=0,failed_calls=0
      if (line.startsWith("cmdstat_")) {
        int colon = line.indexOf(':');
        int start = line.indexOf("calls=", colon) + "calls=".length();
        int end = line.indexOf(',', start);
        calls.put(line.substring("cmdstat_".length(), colon).toLowerCase(java.util.Locale.ROOT),
            Long.parseLong(line.substring(start, end < 0 ? line.length() : end)));
      }
    }
    return RequestCounts.of(calls);
  }

  private static String info(String host, int port, String section) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
      s.setSoTimeout(TIMEOUT_MILLIS);
      s.getOutputStream().write(("*2\r\n$4\r\nINFO\r\n$" + section.length() + "\r\n" + section
          + "\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = new BufferedInputStream(s.getInputStream());
      String header = Lines.read(in);
      if (!header.startsWith("$")) {
        throw new IllegalStateException("redis " + host + ":" + port + " answered INFO with "
            + header);
      }
      byte[] body = in.readNBytes(Integer.parseInt(header.substring(1)));
      return new String(body, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read INFO from redis " + host + ":" + port, e);
    }
  }
}
