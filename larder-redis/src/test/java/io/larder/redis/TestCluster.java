package io.larder.redis;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.larder.testkit.RedisServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster for tests: masters started with {@code --cluster-enabled yes}, joined
 * with {@code redis-cli --cluster create … --cluster-yes}, up once every node says
 * {@code cluster_state:ok}.
 */
final class TestCluster implements AutoCloseable {
  final List<RedisServer> nodes;

  private TestCluster(List<RedisServer> nodes, TestTls tls) {
    this.nodes = nodes;
    this.tls = tls;
  }

  private final TestTls tls;

  /** Starts {@code masters} nodes (at least 3, as redis-cli requires) and joins them. */
  static TestCluster start(int masters) throws IOException, InterruptedException {
    return start(masters, null);
  }

  /**
   * Starts {@code masters} nodes and joins them; with {@code tls}, clients and the cluster bus
   * speak TLS (clients need no certificate) and the nodes announce their TLS ports.
   */
  static TestCluster start(int masters, TestTls tls) throws IOException, InterruptedException {
    List<RedisServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < masters; i++) {
        RedisServer.Builder b = RedisServer.builder();
        if (tls == null) {
          b.args("--cluster-enabled", "yes", "--cluster-node-timeout", "2000");
        } else {
          b.tls(tls.serverCert, tls.serverKey, tls.caCert).args("--cluster-enabled", "yes",
              "--cluster-node-timeout", "2000", "--tls-cluster", "yes",
              "--tls-auth-clients", "no");
        }
        nodes.add(b.start());
      }
      List<String> command = new ArrayList<>(List.of("--cluster", "create"));
      for (RedisServer n : nodes) {
        command.add(n.host() + ":" + (tls == null ? n.port() : n.tlsPort()));
      }
      command.add("--cluster-yes");
      if (tls != null) {
        command.addAll(List.of("--tls", "--cacert", tls.caCert.toString()));
      }
      redisCli(command);
      awaitState(nodes, "cluster_state:ok");
      return new TestCluster(nodes, tls);
    } catch (IOException | InterruptedException | RuntimeException e) {
      nodes.forEach(RedisServer::stop);
      throw e;
    }
  }

  /** Waits until every node's CLUSTER INFO contains {@code line}. */
  static void awaitState(List<RedisServer> nodes, String line)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    for (RedisServer n : nodes) {
      while (!redisCli(List.of("-h", n.host(), "-p", String.valueOf(n.port()), "cluster", "info"))
          .contains(line)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cluster node " + n.port() + " never reached " + line);
        }
        Thread.sleep(50);
      }
    }
  }

  /** Runs redis-cli and returns its output. */
  static String redisCli(List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("redis-cli");
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("redis-cli " + String.join(" ", args) + " failed: " + output);
    }
    return output;
  }

  /** Runs a command on one node with redis-cli. */
  String onNode(int node, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("-h", nodes.get(node).host(), "-p",
        String.valueOf(nodes.get(node).port())));
    command.addAll(List.of(args));
    return redisCli(command);
  }

  /**
   * Returns {@code redis-cluster://h:p,h:p,…}, with the TLS ports and options of a TLS
   * cluster.
   */
  String url() {
    return "redis-cluster://" + nodes.stream()
        .map(n -> n.host() + ":" + (tls == null ? n.port() : n.tlsPort()))
        .collect(Collectors.joining(","))
        + (tls == null ? "" : "?tls=true&tlsCaFile=" + tls.caCert);
  }

  @Override
  public void close() {
    nodes.forEach(RedisServer::stop);
  }
}
