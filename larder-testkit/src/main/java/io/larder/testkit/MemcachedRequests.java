package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/**
 * {@link ServerRequests} for a memcached pool: the taps' command counts ({@code mg},
 * {@code mn}, {@code quiet}, {@code getKeys}, {@code turns}, ...) and the servers' own {@code stats} (under
 * {@code "stats.cmd_get"} and so on), each also under {@code "<i>."}, the server's index.
 */
final class MemcachedRequests implements ServerRequests {
  private static final String[] DATA = {"mg", "ms", "md", "ma", "mn", "get", "gets", "gat",
      "gats", "set", "add", "replace", "append", "prepend", "cas", "delete", "incr", "decr",
      "touch"};

  private final List<MemcachedTap> taps;

  MemcachedRequests(List<MemcachedTap> taps) {
    this.taps = taps;
  }

  @Override
  public RequestCounts read() {
    RequestCounts sum = RequestCounts.none();
    for (int i = 0; i < taps.size(); i++) {
      MemcachedTap tap = taps.get(i);
      RequestCounts wire = tap.counts();
      RequestCounts stats = prefixed("stats.", tap.serverStats());
      sum = sum.plus(wire).plus(stats).plus(prefixed(i + ".", wire.plus(stats)));
    }
    return sum;
  }

  private static RequestCounts prefixed(String prefix, RequestCounts counts) {
    java.util.Map<String, Long> m = new java.util.TreeMap<>();
    for (String name : counts.names()) {
      m.put(prefix + name, counts.get(name));
    }
    return RequestCounts.of(m);
  }

  @Override
  public void checkBulk(Bulk op, int keys, RequestCounts seen) {
    String command = switch (op) {
      case READ -> "mg";
      case WRITE -> "ms";
      case DELETE -> "md";
    };
    // a bulk read sends text keys in classic get lines and base64 keys as quiet mg
    long classic = op == Bulk.READ ? seen.get("getKeys") : 0;
    assertThat(seen.get(command) + classic).as("keys in %s commands%s for a bulk %s of %d keys; "
        + "the servers saw %s", command, op == Bulk.READ ? " and get lines" : "", op, keys, seen)
        .isEqualTo(keys);
    assertThat(seen.get("quiet")).as("quiet commands of the batch; the servers saw %s", seen)
        .isEqualTo(keys - classic);
    long turns = 0;
    for (int i = 0; i < taps.size(); i++) {
      // one round trip per server: the client wrote all it had for the server, then read
      assertThat(seen.get(i + ".turns")).as("round trips to server %d (%s); the servers saw %s",
          i, taps.get(i), seen).isLessThanOrEqualTo(1);
      turns += seen.get(i + ".turns");
      if (op != Bulk.READ || seen.get(i + ".mn") > 0) { // quiet commands: one batch, one mn
        assertThat(seen.get(i + ".mn")).as("batches ended by mn at server %d; the servers saw %s",
            i, seen).isLessThanOrEqualTo(1);
      }
    }
    assertThat(turns).as("round trips; the servers saw %s", seen).isBetween(1L, (long) keys);
    if (op == Bulk.READ) {
      assertThat(seen.get("stats.cmd_get")).as("keys the servers read").isEqualTo(keys);
    }
  }

  @Override
  public void checkNone(RequestCounts seen) {
    assertThat(seen.sum(DATA)).as("data commands the servers saw: %s", seen).isZero();
  }
}
