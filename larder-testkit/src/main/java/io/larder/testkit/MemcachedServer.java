package io.larder.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A real {@code memcached} run as a child process on a free loopback port, for tests.
 *
 * <p>The server listens on {@code 127.0.0.1} over TCP only (UDP is off). It is up when
 * {@link #start()} returns: it has answered {@code version}. When the JVM runs as root the
 * launcher adds {@code -u root}, without which memcached refuses to start.
 *
 * <pre>{@code
 * try (MemcachedServer memcached = MemcachedServer.start()) {
 *   String url = memcached.url();         // memcached://127.0.0.1:<port>
 *   memcached.restart();                  // a crash and a comeback, on the same port
 * }
 *
 * MemcachedServer big = MemcachedServer.builder().args("-I", "2m").start();
 * }</pre>
 *
 * <p>Instances are thread-safe. A JVM shutdown hook kills servers a test forgot to stop.
 */
public final class MemcachedServer extends TestServer {
  private final boolean tls;

  private MemcachedServer(ServerProcess process, boolean tls) {
    super(process);
    this.tls = tls;
  }

  /**
   * Starts a {@code memcached} with default settings and waits until it answers.
   *
   * @return the running server
   * @throws IllegalStateException if {@code memcached} is not installed, exits, or does not
   *     answer {@code version} within 20 seconds (the message quotes its output)
   */
  public static MemcachedServer start() {
    return builder().start();
  }

  /**
   * Returns a builder for a server with extra arguments or TLS.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the URL of the server on the plain-text port.
   *
   * @return {@code memcached://127.0.0.1:<port>}
   */
  public String url() {
    return "memcached://" + host() + ":" + port();
  }

  /**
   * Returns the TLS port, when the server was built with {@link Builder#tls}.
   *
   * @return the TLS port
   * @throws IllegalStateException if the server has no TLS port
   */
  public int tlsPort() {
    if (!tls) {
      throw new IllegalStateException("this memcached has no TLS port; use builder().tls(...)");
    }
    return process.port(1);
  }

  /**
   * Builds a {@link MemcachedServer} with extra settings; each option may be set once, and one
   * builder may start several servers (a pool, say), each on its own port.
   *
   * <pre>{@code
   * MemcachedServer server = MemcachedServer.builder().args("-I", "2m").start();
   * }</pre>
   */
  public static final class Builder extends TestServer.Builder<Builder> {
    // Set by the launcher itself; taking them from args would break port handling or TLS.
    private static final List<String> RESERVED_SHORT = List.of("-p", "-l", "-U", "-d", "-s", "-Z");
    private static final List<String> RESERVED_LONG =
        List.of("--port", "--listen", "--udp-port", "--daemon", "--unix-socket", "--enable-ssl");

    private List<String> args;
    private Path tlsCertChainFile;
    private Path tlsKeyFile;

    private Builder() {}

    @Override
    Builder self() {
      return this;
    }

    /**
     * Adds arguments after the launcher's own, one word per argument, for example
     * {@code args("-I", "2m")}, {@code args("-Y", authFile.toString())} or
     * {@code args("-o", "ssl_ca_cert=/path/ca.pem")}. With {@code -u} or {@code --user} the
     * launcher does not add {@code -u root}.
     *
     * @param args the extra arguments
     * @return this builder
     * @throws NullPointerException if {@code args} or one of them is null
     * @throws IllegalArgumentException if an argument is one the launcher sets ({@code -p},
     *     {@code -l}, {@code -U}, {@code -d}, {@code -s}, {@code -Z} or their long forms)
     * @throws IllegalStateException if the arguments were already set
     */
    public Builder args(String... args) {
      this.args = checkArgs(this.args, args,
          arg -> isOption(arg, RESERVED_SHORT, RESERVED_LONG), "; see tls(...)");
      return this;
    }

    /**
     * Opens a TLS port as well ({@code -Z}), from PEM files; {@link MemcachedServer#tlsPort()}
     * tells which. The plain port stays open, without TLS.
     *
     * @param certChainFile the server's certificate chain ({@code ssl_chain_cert})
     * @param keyFile the server's private key ({@code ssl_key})
     * @return this builder
     * @throws NullPointerException if a file is null
     * @throws IllegalArgumentException if a file is not a readable regular file, or its path
     *     holds a comma (memcached's {@code -o} separator)
     * @throws IllegalStateException if TLS was already set
     */
    public Builder tls(Path certChainFile, Path keyFile) {
      Objects.requireNonNull(certChainFile, "certChainFile");
      Objects.requireNonNull(keyFile, "keyFile");
      requireUnset(tlsCertChainFile, "tls");
      tlsCertChainFile = readable(certChainFile);
      tlsKeyFile = readable(keyFile);
      return this;
    }

    /**
     * Starts the server and waits until it answers {@code version} (or says authentication is
     * required, when started with {@code -Y}).
     *
     * @return the running server
     * @throws IllegalStateException if the executable is not installed (the message says how to
     *     install it), the server exits or does not answer in time (the message quotes its
     *     output), or the thread is interrupted
     * @throws java.io.UncheckedIOException if the temporary directory cannot be created or no
     *     loopback port can be bound
     */
    public MemcachedServer start() {
      List<String> extra = args == null ? List.of() : args;
      boolean tls = tlsCertChainFile != null;
      boolean userGiven =
          extra.stream().anyMatch(arg -> isOption(arg, List.of("-u"), List.of("--user")));
      boolean asRoot = runningAsRoot() && !userGiven;
      Path certChainFile = tlsCertChainFile;
      Path keyFile = tlsKeyFile;
      ServerProcess.Arguments arguments =
          (ports, dir) -> {
            List<String> a = new ArrayList<>();
            if (asRoot) {
              a.addAll(List.of("-u", "root"));
            }
            a.addAll(List.of("-U", "0"));
            if (tls) {
              a.addAll(List.of("-Z", "-o", "ssl_chain_cert=" + certChainFile));
              a.addAll(List.of("-o", "ssl_key=" + keyFile));
              // With -Z every listener speaks TLS unless marked notls; the probe needs plain text.
              a.addAll(List.of("-l", "notls:" + HOST + ":" + ports[0]));
              a.addAll(List.of("-l", HOST + ":" + ports[1]));
            } else {
              a.addAll(List.of("-l", HOST, "-p", String.valueOf(ports[0])));
            }
            a.addAll(extra);
            return a;
          };
      ServerProcess process =
          new ServerProcess(
              executableOr("memcached"),
              tls ? 2 : 1,
              arguments,
              "version\r\n",
              reply ->
                  reply.startsWith("VERSION ") || reply.startsWith("CLIENT_ERROR unauthenticated"),
              null,
              startupTimeoutOr(Duration.ofSeconds(20)),
              false);
      process.start();
      return new MemcachedServer(process, tls);
    }

    /** Whether {@code arg} is one of the options, alone or with its value attached. */
    private static boolean isOption(String arg, List<String> shortForms, List<String> longForms) {
      for (String option : shortForms) {
        if (arg.startsWith(option) && !arg.startsWith("--")) {
          return true;
        }
      }
      for (String option : longForms) {
        if (arg.equals(option) || arg.startsWith(option + "=")) {
          return true;
        }
      }
      return false;
    }

    /**
     * Whether this JVM runs as root, where memcached insists on {@code -u}. {@code user.name}
     * alone misses a uid 0 without a passwd entry, as in some containers.
     */
    private static boolean runningAsRoot() {
      if ("root".equals(System.getProperty("user.name"))) {
        return true;
      }
      try {
        // /proc/self belongs to the process's effective uid (Linux).
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
      } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
        return false;
      }
    }

    private static Path readable(Path file) {
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new IllegalArgumentException("not a readable file: " + file);
      }
      Path absolute = file.toAbsolutePath();
      if (absolute.toString().contains(",")) {
        throw new IllegalArgumentException("memcached cannot take a path with a comma: " + file);
      }
      return absolute;
    }

  }
}
