package io.larder.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server run as a child process on a free loopback port, for tests.
 *
 * <p>{@code initdb} creates a cluster in a temporary directory (trust authentication, superuser
 * {@code postgres}), and {@code postgres} serves it on {@code 127.0.0.1} only, with its Unix
 * socket in the same directory. PostgreSQL refuses to run as root, so when the JVM is root both
 * run as the {@code postgres} user, who is given the directory. {@link #stop()} kills the server
 * and its backends by PID and deletes the directory. Nothing here touches a system instance.
 *
 * <pre>{@code
 * try (PostgresServer pg = PostgresServer.start()) {
 *   String url = pg.url();   // postgresql://postgres@127.0.0.1:<port>/postgres
 *   pg.restart();            // a crash and a comeback on the same port; the data survives
 * }
 * }</pre>
 *
 * <p>Unlike {@link RedisServer}, a restarted server keeps its data: PostgreSQL recovers the
 * cluster from its write-ahead log (tables created {@code UNLOGGED} come back empty).
 */
public final class PostgresServer extends TestServer {
  private static final String USER = "postgres";

  private PostgresServer(ServerProcess process) {
    super(process);
  }

  /**
   * Starts a server with default settings and waits until it accepts a session.
   *
   * @return the running server
   * @throws IllegalStateException if PostgreSQL is not installed, {@code initdb} fails, or the
   *     server does not come up within 60 seconds (the message quotes its output)
   */
  public static PostgresServer start() {
    return builder().start();
  }

  /**
   * Returns a builder for a server with extra settings.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the Larder URL of the server's {@code postgres} database as superuser.
   *
   * @return {@code postgresql://postgres@127.0.0.1:<port>/postgres}
   */
  public String url() {
    return "postgresql://" + USER + "@" + host() + ":" + port() + "/postgres";
  }

  /**
   * Returns the JDBC URL of the server's {@code postgres} database, for pgjdbc.
   *
   * @return {@code jdbc:postgresql://127.0.0.1:<port>/postgres}
   */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + host() + ":" + port() + "/postgres";
  }

  /**
   * Returns the superuser's name; any password is accepted (trust authentication).
   *
   * @return {@code "postgres"}
   */
  public String user() {
    return USER;
  }

  /** Finds the newest installed server binaries, as Debian lays them out. */
  static Path defaultBinaries() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException("PostgreSQL is not installed (no " + root + "); "
          + ServerProcess.INSTALL_HINT);
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(version -> version.resolve("bin"))
          .filter(bin -> Files.isExecutable(bin.resolve("postgres")))
          .max(Comparator.comparingInt(PostgresServer::majorVersion))
          .orElseThrow(() -> new IllegalStateException("no PostgreSQL server binaries under "
              + root + "; " + ServerProcess.INSTALL_HINT));
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + root + ": " + e, e);
    }
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Reads the first message of a session: 'R' (an authentication request, here "OK") means
   * ready; 'E' means an error such as "the database system is starting up".
   */
  static boolean acceptsSession(java.net.Socket socket) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(body);
    data.writeInt(196608); // protocol 3.0
    for (String word : new String[] {"user", USER, "database", "postgres"}) {
      data.write(word.getBytes(US_ASCII));
      data.write(0);
    }
    data.write(0);
    OutputStream out = socket.getOutputStream();
    DataOutputStream message = new DataOutputStream(out);
    message.writeInt(body.size() + 4);
    body.writeTo(message);
    message.flush();
    int type = socket.getInputStream().read();
    if (type == 'R') {
      out.write(new byte[] {'X', 0, 0, 0, 4}); // Terminate
      out.flush();
      return true;
    }
    return false;
  }

  /**
   * Builds a {@link PostgresServer}; each option may be set once. {@link #executable} names the
   * {@code postgres} binary; {@code initdb} is taken from its directory.
   */
  public static final class Builder extends TestServer.Builder<Builder> {
    private List<String> settings;

    private Builder() {}

    @Override
    Builder self() {
      return this;
    }

    /**
     * Adds server settings as {@code name=value} pairs, each passed as {@code -c name=value},
     * for example {@code settings("synchronous_commit=off")}.
     *
     * @param settings the settings
     * @return this builder
     * @throws NullPointerException if {@code settings} or one of them is null
     * @throws IllegalArgumentException if a setting has no {@code '='}, or sets
     *     {@code port}, {@code listen_addresses} or {@code unix_socket_directories}
     * @throws IllegalStateException if the settings were already set
     */
    public Builder settings(String... settings) {
      requireUnset(this.settings, "settings");
      List<String> list = List.of(settings);
      for (String setting : list) {
        int eq = setting.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("a setting is name=value, not '" + setting + "'");
        }
        String name = setting.substring(0, eq).trim();
        if (List.of("port", "listen_addresses", "unix_socket_directories").contains(name)) {
          throw new IllegalArgumentException(name + " is set by the launcher");
        }
      }
      this.settings = list;
      return this;
    }

    /**
     * Creates the cluster, starts the server and waits until it accepts a session.
     *
     * @return the running server
     * @throws IllegalStateException if PostgreSQL is not installed, {@code initdb} fails, or
     *     the server does not come up in time (the message quotes its output)
     */
    public PostgresServer start() {
      String postgres = executableOr(defaultBinaries().resolve("postgres").toString());
      Path initdb = Path.of(postgres).resolveSibling("initdb");
      List<String> extra = settings == null ? List.of() : settings;
      Duration timeout = startupTimeoutOr(Duration.ofSeconds(60));
      ServerProcess.Arguments arguments = (ports, dir) -> {
        Path data = dir.resolve("data");
        if (!Files.isDirectory(data)) {
          // the first launch creates the cluster; restarts reuse it
          SetupCommands.giveTo(dir, USER);
          List<String> init = new ArrayList<>(SetupCommands.asUser(USER));
          init.addAll(List.of(initdb.toString(), "-D", data.toString(), "-A", "trust",
              "-U", USER, "-E", "UTF8", "--locale=C", "--no-sync"));
          SetupCommands.run(init, dir.resolve("initdb.log"), timeout);
        }
        List<String> a = new ArrayList<>();
        a.addAll(List.of("-D", data.toString(), "-p", String.valueOf(ports[0])));
        a.addAll(List.of("-k", dir.toString(), "-c", "listen_addresses=" + HOST));
        // a throwaway cluster: crash safety is not worth the disk flushes here
        a.addAll(List.of("-c", "fsync=off", "-c", "full_page_writes=off"));
        a.addAll(List.of("-c", "max_connections=300", "-c", "shared_buffers=32MB"));
        for (String setting : extra) {
          a.addAll(List.of("-c", setting));
        }
        return a;
      };
      ServerProcess process = new ServerProcess(
          SetupCommands.asUser(USER),
          postgres,
          1,
          arguments,
          PostgresServer::acceptsSession,
          null,
          timeout,
          false);
      process.start();
      return new PostgresServer(process);
    }
  }
}
