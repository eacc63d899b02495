package io.larder.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a store's servers counted of the requests they served, for {@code larder check} to
 * print beside Larder's own round-trip count: Redis {@code INFO commandstats} (calls per
 * command) on each host of a plain-text {@code redis://} or {@code redis-cluster://} URL,
 * memcached {@code stats} ({@code cmd_get}, {@code cmd_set}: keys, as memcached counts) on each
 * server of a {@code memcached://} URL. Other URLs, TLS and servers that refuse are not read.
 */
final class ServerCounts {
  private static final int TIMEOUT_MILLIS = 3_000;

  private final boolean redis;
  private final List<InetSocketAddress> servers;
  private final String password;

  private ServerCounts(boolean redis, List<InetSocketAddress> servers, String password) {
    this.redis = redis;
    this.servers = servers;
    this.password = password;
  }

  /** Returns the counters of the URL's servers, or {@code null} when they cannot be read. */
  static ServerCounts of(String url) {
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return null;
    }
    String kind = url.substring(0, scheme);
    boolean isRedis = kind.equals("redis") || kind.equals("redis-cluster");
    if (!isRedis && !kind.equals("memcached")) {
      return null;
    }
    String rest = url.substring(scheme + 3);
    int end = indexOfAny(rest, "/?");
    String authority = end < 0 ? rest : rest.substring(0, end);
    String password = null;
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String user = authority.substring(0, at);
      password = user.substring(user.indexOf(':') + 1);
      authority = authority.substring(at + 1);
    }
    if (rest.contains("tls=true")) {
      return null;
    }
    List<InetSocketAddress> servers = new ArrayList<>();
    for (String hostPort : authority.split(",")) {
      try {
        URI u = URI.create("x://" + hostPort);
        servers.add(InetSocketAddress.createUnresolved(u.getHost(),
            u.getPort() < 0 ? (isRedis ? 6379 : 11211) : u.getPort()));
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return new ServerCounts(isRedis, servers, password);
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** Reads every server's counters now, added up; throws if a server cannot be read. */
  Map<String, Long> read() throws IOException {
    Map<String, Long> sum = new TreeMap<>();
    for (InetSocketAddress s : servers) {
      (redis ? commandStats(s) : stats(s)).forEach((k, v) -> sum.merge(k, v, Long::sum));
    }
    return sum;
  }

  /** Describes what changed between two reads, leaving out this reader's own requests. */
  String describe(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> diff = new TreeMap<>();
    after.forEach((k, v) -> {
      long d = v - before.getOrDefault(k, 0L);
      if (d != 0 && !k.equals("info") && !k.startsWith("cluster")) {
        diff.put(k, d);
      }
    });
    return (redis ? "commands (a script's own included) " : "keys ") + diff;
  }

  private Map<String, Long> commandStats(InetSocketAddress server) throws IOException {
    try (Socket s = connect(server)) {
      OutputStream out = s.getOutputStream();
      InputStream in = new BufferedInputStream(s.getInputStream());
      if (password != null) {
        out.write(command("AUTH", password));
        String reply = line(in);
        if (!reply.startsWith("+")) {
          throw new IOException("AUTH: " + reply);
        }
      }
      out.write(command("INFO", "commandstats"));
      String header = line(in);
      if (!header.startsWith("$")) {
        throw new IOException("INFO: " + header);
      }
      String info = new String(in.readNBytes(Integer.parseInt(header.substring(1))),
          StandardCharsets.UTF_8);
      Map<String, Long> calls = new TreeMap<>();
      for (String l : info.split("\r\n")) {
        if (l.startsWith("cmdstat_")) {
          int colon = l.indexOf(':');
          int from = l.indexOf("calls=") + "calls=".length();
          int to = l.indexOf(',', from);
          calls.put(l.substring("cmdstat_".length(), colon).toLowerCase(Locale.ROOT),
              Long.parseLong(l.substring(from, to < 0 ? l.length() : to)));
        }
      }
      return calls;
    }
  }

  private static Map<String, Long> stats(InetSocketAddress server) throws IOException {
    try (Socket s = connect(server)) {
      s.getOutputStream().write("stats\r\n".getBytes(StandardCharsets.US_ASCII));
      InputStream in = new BufferedInputStream(s.getInputStream());
      Map<String, Long> stats = new TreeMap<>();
      for (String l = line(in); !l.equals("END"); l = line(in)) {
        String[] parts = l.split(" ");
        if (parts.length == 3 && (parts[1].equals("cmd_get") || parts[1].equals("cmd_set"))) {
          stats.put(parts[1], Long.parseLong(parts[2]));
        }
      }
      return stats;
    }
  }

  private static Socket connect(InetSocketAddress server) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(server.getHostString(), server.getPort()), TIMEOUT_MILLIS);
    s.setSoTimeout(TIMEOUT_MILLIS);
    return s;
  }

  private static byte[] command(String... args) {
    StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
    for (String a : args) {
      b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a)
          .append("\r\n");
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int b; (b = in.read()) != '\n'; ) {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b != '\r') {
        out.write(b);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
