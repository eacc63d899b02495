package io.larder.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway MariaDB server run as a child process on a free loopback port, for tests.
 *
 * <p>{@code mariadb-install-db} creates the system tables in a temporary directory, and
 * {@code mariadbd} serves them on {@code 127.0.0.1} only, with its socket, PID file and logs in
 * the same directory and no option files read ({@code --no-defaults}), so no system instance or
 * configuration is involved. At every start an init file creates the database {@code larder}
 * and the user {@code larder} (password {@code larder}) with every privilege. When the JVM is
 * root, both programs run as the {@code mysql} user, who is given the directory.
 * {@link #stop()} kills the server by PID and deletes the directory.
 *
 * <pre>{@code
 * try (MariaDbServer db = MariaDbServer.start()) {
 *   String url = db.url();   // mariadb://larder:larder@127.0.0.1:<port>/larder
 * }
 * }</pre>
 *
 * <p>A restarted server keeps its data: InnoDB recovers from its redo log.
 */
public final class MariaDbServer extends TestServer {
  private static final String OS_USER = "mysql";
  private static final String USER = "larder";
  private static final String PASSWORD = "larder";
  private static final String DATABASE = "larder";
  private static final String INIT = String.join("\n",
      "CREATE DATABASE IF NOT EXISTS " + DATABASE + ";",
      "CREATE USER IF NOT EXISTS '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "';",
      "GRANT ALL PRIVILEGES ON *.* TO '" + USER + "'@'%';",
      "");

  private MariaDbServer(ServerProcess process) {
    super(process);
  }

  /**
   * Starts a server with default settings and waits until it greets a client.
   *
   * @return the running server
   * @throws IllegalStateException if MariaDB is not installed, {@code mariadb-install-db}
   *     fails, or the server does not come up within 60 seconds (the message quotes its output)
   */
  public static MariaDbServer start() {
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
   * Returns the Larder URL of the {@code larder} database, with the user's password.
   *
   * @return {@code mariadb://larder:larder@127.0.0.1:<port>/larder}
   */
  public String url() {
    return "mariadb://" + USER + ":" + PASSWORD + "@" + host() + ":" + port() + "/" + DATABASE;
  }

  /**
   * Returns the JDBC URL of the {@code larder} database, for MariaDB Connector/J.
   *
   * @return {@code jdbc:mariadb://127.0.0.1:<port>/larder}
   */
  public String jdbcUrl() {
    return "jdbc:mariadb://" + host() + ":" + port() + "/" + DATABASE;
  }

  /**
   * Returns the name of the user with every privilege.
   *
   * @return {@code "larder"}
   */
  public String user() {
    return USER;
  }

  /**
   * Returns that user's password.
   *
   * @return {@code "larder"}
   */
  public String password() {
    return PASSWORD;
  }

  /** Reads the server's greeting: protocol version 10 means ready, 0xff an error packet. */
  static boolean greets(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    byte[] header = in.readNBytes(5);
    return header.length == 5 && header[4] == 10;
  }

  /**
   * Builds a {@link MariaDbServer}; each option may be set once. {@link #executable} names the
   * {@code mariadbd} binary; {@code mariadb-install-db} is looked up on {@code PATH}.
   */
  public static final class Builder extends TestServer.Builder<Builder> {
    private List<String> args;

    private Builder() {}

    @Override
    Builder self() {
      return this;
    }

    /**
     * Adds server options after the launcher's own, for example
     * {@code args("--innodb-flush-log-at-trx-commit=2")}.
     *
     * @param args the options
     * @return this builder
     * @throws NullPointerException if {@code args} or one of them is null
     * @throws IllegalArgumentException if an option is one the launcher sets (port, bind
     *     address, socket, data directory)
     * @throws IllegalStateException if the options were already set
     */
    public Builder args(String... args) {
      requireUnset(this.args, "args");
      List<String> list = List.of(args);
      for (String arg : list) {
        for (String reserved : List.of("--port", "--bind-address", "--socket", "--datadir")) {
          if (arg.startsWith(reserved)) {
            throw new IllegalArgumentException(arg + " is set by the launcher");
          }
        }
      }
      this.args = list;
      return this;
    }

    /**
     * Creates the data directory, starts the server and waits until it greets a client.
     *
     * @return the running server
     * @throws IllegalStateException if MariaDB is not installed, {@code mariadb-install-db}
     *     fails, or the server does not come up in time (the message quotes its output)
     */
    public MariaDbServer start() {
      List<String> extra = args == null ? List.of() : args;
      Duration timeout = startupTimeoutOr(Duration.ofSeconds(60));
      ServerProcess.Arguments arguments = (ports, dir) -> {
        Path data = dir.resolve("data");
        Path init = dir.resolve("init.sql");
        if (!Files.isDirectory(data)) {
          // the first launch creates the system tables; restarts reuse them
          try {
            Files.writeString(init, INIT);
          } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + init, e);
          }
          SetupCommands.giveTo(dir, OS_USER);
          List<String> install = new ArrayList<>(SetupCommands.asUser(OS_USER));
          install.addAll(List.of(SetupCommands.locate("mariadb-install-db"), "--no-defaults",
              "--datadir=" + data, "--skip-test-db", "--auth-root-authentication-method=socket"));
          SetupCommands.run(install, dir.resolve("install-db.log"), timeout);
        }
        List<String> a = new ArrayList<>();
        a.add("--no-defaults");
        a.addAll(List.of("--datadir=" + data, "--port=" + ports[0], "--bind-address=" + HOST));
        a.addAll(List.of("--socket=" + dir.resolve("mariadb.sock"),
            "--pid-file=" + dir.resolve("mariadb.pid"), "--init-file=" + init));
        a.addAll(List.of("--skip-name-resolve", "--skip-log-bin", "--max-connections=300",
            "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=48M"));
        a.addAll(extra);
        return a;
      };
      ServerProcess process = new ServerProcess(
          SetupCommands.asUser(OS_USER),
          SetupCommands.locate(executableOr("mariadbd")),
          1,
          arguments,
          MariaDbServer::greets,
          null,
          timeout,
          false);
      process.start();
      return new MariaDbServer(process);
    }
  }
}
