package io.larder.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A real {@code redis-server} run as a child process on a free loopback port, for tests.
 *
 * <p>The server listens on {@code 127.0.0.1} only, keeps nothing on disk ({@code --save ""
 * --appendonly no}) and works in a temporary directory deleted by {@link #stop()}. It is up when
 * {@link #start()} returns: it has answered {@code PING}.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *   String url = redis.url();             // redis://127.0.0.1:<port>/0
 *   redis.restart();                      // a crash and a comeback, on the same port
 * }
 *
 * RedisServer secured = RedisServer.builder().args("--requirepass", "secret").start();
 * }</pre>
 *
 * <p>Instances are thread-safe. A JVM shutdown hook kills servers a test forgot to stop.
 */
public final class RedisServer extends TestServer {
  /** The host every launched server listens on. */
  private final boolean tls;

  private RedisServer(ServerProcess process, boolean tls) {
    super(process);
    this.tls = tls;
  }

  /**
   * Starts a {@code redis-server} with default settings and waits until it answers.
   *
   * @return the running server
   * @throws IllegalStateException if {@code redis-server} is not installed, exits, or does not
   *     answer {@code PING} within 20 seconds (the message quotes its output)
   */
  public static RedisServer start() {
    return builder().start();
  }

  /**
   * Returns a builder for a server with extra arguments, a given working directory or TLS.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the URL of the server's database 0 on the plain-text port.
   *
   * @return {@code redis://127.0.0.1:<port>/0}
   */
  public String url() {
    return "redis://" + host() + ":" + port() + "/0";
  }

  /**
   * Returns the TLS port, when the server was built with {@link Builder#tls}.
   *
   * @return the TLS port
   * @throws IllegalStateException if the server has no TLS port
   */
  public int tlsPort() {
    if (!tls) {
      throw new IllegalStateException("this redis-server has no TLS port; use builder().tls(...)");
    }
    return process.port(1);
  }

  /**
   * Returns the URL of the server's database 0 on the TLS port.
   *
   * @return {@code rediss://127.0.0.1:<tlsPort>/0}
   * @throws IllegalStateException if the server has no TLS port
   */
  public String tlsUrl() {
    return "rediss://" + host() + ":" + tlsPort() + "/0";
  }

  /**
   * Returns the server's working directory ({@code --dir}), where files such as
   * {@code nodes-<port>.conf} live.
   *
   * @return the absolute path of the directory
   */
  public Path workingDir() {
    return process.dir();
  }

  /**
   * Builds a {@link RedisServer} with extra settings; each option may be set once, and one
   * builder may start several servers (the nodes of a cluster, say), each on its own ports.
   *
   * <pre>{@code
   * RedisServer node = RedisServer.builder().args("--cluster-enabled", "yes").start();
   * }</pre>
   */
  public static final class Builder extends TestServer.Builder<Builder> {
    // Set by the launcher itself; taking them from args would break port handling or cleanup.
    private static final Set<String> RESERVED =
        Set.of("--port", "--bind", "--daemonize", "--dir", "--tls-port", "--cluster-port");

    private List<String> args;
    private Path workingDir;
    private Path tlsCertFile;
    private Path tlsKeyFile;
    private Path tlsCaCertFile;

    private Builder() {}

    @Override
    Builder self() {
      return this;
    }

    /**
     * Adds arguments after the launcher's own, one word per argument, for example
     * {@code args("--requirepass", "secret")} or {@code args("--maxmemory", "10mb")}.
     *
     * <p>With {@code --cluster-enabled yes} the launcher also reserves a free cluster bus port
     * ({@code --cluster-port}) and names the node file {@code nodes-<port>.conf} unless
     * {@code --cluster-config-file} is given. Relative paths are resolved against the working
     * directory, as Redis changes into it first.
     *
     * @param args the extra arguments
     * @return this builder
     * @throws NullPointerException if {@code args} or one of them is null
     * @throws IllegalArgumentException if an argument is one the launcher sets ({@code --port},
     *     {@code --bind}, {@code --daemonize}, {@code --dir}, {@code --tls-port},
     *     {@code --cluster-port})
     * @throws IllegalStateException if the arguments were already set
     */
    public Builder args(String... args) {
      this.args =
          checkArgs(this.args, args, RESERVED::contains, "; see workingDir(...) and tls(...)");
      return this;
    }

    /**
     * Sets the server's working directory ({@code --dir}), created if missing and kept after
     * {@link RedisServer#stop()}; by default a fresh temporary directory is used and deleted.
     *
     * @param dir the directory
     * @return this builder
     * @throws NullPointerException if {@code dir} is null
     * @throws IllegalStateException if the working directory was already set
     */
    public Builder workingDir(Path dir) {
      Objects.requireNonNull(dir, "dir");
      requireUnset(workingDir, "workingDir");
      workingDir = dir;
      return this;
    }

    /**
     * Opens a TLS port as well, from PEM files; {@link RedisServer#tlsPort()} tells which. The
     * plain port stays open. Redis asks TLS clients for a certificate signed by the CA unless
     * {@code args("--tls-auth-clients", "no")} is given.
     *
     * @param certFile the server certificate ({@code --tls-cert-file})
     * @param keyFile the server's private key ({@code --tls-key-file})
     * @param caCertFile the CA that signs client certificates ({@code --tls-ca-cert-file})
     * @return this builder
     * @throws NullPointerException if a file is null
     * @throws IllegalArgumentException if a file is not a readable regular file
     * @throws IllegalStateException if TLS was already set
     */
    public Builder tls(Path certFile, Path keyFile, Path caCertFile) {
      Objects.requireNonNull(certFile, "certFile");
      Objects.requireNonNull(keyFile, "keyFile");
      Objects.requireNonNull(caCertFile, "caCertFile");
      requireUnset(tlsCertFile, "tls");
      tlsCertFile = readable(certFile);
      tlsKeyFile = readable(keyFile);
      tlsCaCertFile = readable(caCertFile);
      return this;
    }

    /**
     * Starts the server and waits until it answers {@code PING} (or says authentication is
     * required, when started with {@code --requirepass}).
     *
     * @return the running server
     * @throws IllegalStateException if the executable is not installed (the message says how to
     *     install it), the server exits or does not answer in time (the message quotes its
     *     output), or the thread is interrupted
     * @throws java.io.UncheckedIOException if the working directory cannot be created or no
     *     loopback port can be bound
     */
    public RedisServer start() {
      List<String> extra = args == null ? List.of() : args;
      boolean tls = tlsCertFile != null;
      boolean cluster = enabled(extra, "--cluster-enabled");
      boolean namedNodeFile = extra.contains("--cluster-config-file");
      int portCount = 1 + (tls ? 1 : 0) + (cluster ? 1 : 0);
      Path certFile = tlsCertFile;
      Path keyFile = tlsKeyFile;
      Path caCertFile = tlsCaCertFile;
      ServerProcess.Arguments arguments =
          (ports, dir) -> {
            List<String> a = new ArrayList<>();
            a.addAll(List.of("--port", String.valueOf(ports[0]), "--bind", HOST));
            a.addAll(List.of("--save", "", "--appendonly", "no", "--daemonize", "no"));
            a.addAll(List.of("--dir", dir.toString()));
            int next = 1;
            if (tls) {
              a.addAll(List.of("--tls-port", String.valueOf(ports[next++])));
              a.addAll(List.of("--tls-cert-file", certFile.toString()));
              a.addAll(List.of("--tls-key-file", keyFile.toString()));
              a.addAll(List.of("--tls-ca-cert-file", caCertFile.toString()));
            }
            if (cluster) {
              // The default bus port is port + 10000, which can pass 65535 or be taken.
              a.addAll(List.of("--cluster-port", String.valueOf(ports[next++])));
              if (!namedNodeFile) {
                a.addAll(List.of("--cluster-config-file", "nodes-" + ports[0] + ".conf"));
              }
            }
            a.addAll(extra);
            return a;
          };
      ServerProcess process =
          new ServerProcess(
              executableOr("redis-server"),
              portCount,
              arguments,
              "PING\r\n",
              reply -> reply.startsWith("+PONG") || reply.startsWith("-NOAUTH"),
              workingDir,
              startupTimeoutOr(Duration.ofSeconds(20)),
              true);
      process.start();
      return new RedisServer(process, tls);
    }

    private static boolean enabled(List<String> args, String option) {
      int i = args.indexOf(option);
      return i >= 0 && i + 1 < args.size() && args.get(i + 1).equalsIgnoreCase("yes");
    }

    private static Path readable(Path file) {
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new IllegalArgumentException("not a readable file: " + file);
      }
      // Absolute, because Redis changes into its working directory before reading the files.
      return file.toAbsolutePath();
    }

  }
}
