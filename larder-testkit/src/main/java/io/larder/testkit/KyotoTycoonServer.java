package io.larder.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Kyoto Tycoon {@code ktserver} run as a child process on a free loopback port, for
 * tests.
 *
 * <p>The server listens on {@code 127.0.0.1} on a port from 10000 to 32767 (Kyoto Tycoon
 * refuses higher ones) and by default opens two in-memory databases ({@code ':' ':'}, that is
 * {@code db=0} and {@code db=1}), so nothing touches the disk. It is up when {@link #start()}
 * returns: it has answered {@code /rpc/void}. The binary and its version are logged (INFO).
 *
 * <p>No Debian package ships {@code ktserver}, so {@link #locate()} looks for one in this order:
 * <ol>
 *   <li>the {@code KTSERVER} environment variable (a path to the executable);</li>
 *   <li>{@code ktserver} on the {@code PATH};</li>
 *   <li>{@code shared/kyototycoon/bin/ktserver} in the working directory or any directory above
 *       it, which finds {@code ../shared/kyototycoon/} beside a checkout (and beside the folder
 *       of a git worktree, such as {@code /work/wt/x} finding {@code /work/shared}).</li>
 * </ol>
 * Tests call {@link #startOrSkip()}: when no server is found it prints one line saying how to
 * get one and skips the test, unless {@code LARDER_REQUIRE_KTSERVER=1}, which makes it fail.
 *
 * <pre>{@code
 * try (KyotoTycoonServer kt = KyotoTycoonServer.startOrSkip()) {
 *   String url = kt.url() + "?db=1";      // kt://127.0.0.1:<port>?db=1
 *   kt.pause();                           // SIGSTOP: connections stay open, nothing answers
 *   kt.resume();                          // SIGCONT
 *   kt.restart();                         // a crash and a comeback, on the same port, empty
 * }
 * }</pre>
 *
 * <p>Instances are thread-safe. A JVM shutdown hook kills servers a test forgot to stop.
 */
public final class KyotoTycoonServer extends TestServer {
  /** The environment variable naming the {@code ktserver} executable: {@code KTSERVER}. */
  public static final String EXECUTABLE_VARIABLE = "KTSERVER";
  /**
   * The environment variable that turns a missing {@code ktserver} from a skip into a failure
   * when set to {@code 1}: {@code LARDER_REQUIRE_KTSERVER}.
   */
  public static final String REQUIRE_VARIABLE = "LARDER_REQUIRE_KTSERVER";
  /** The highest port Kyoto Tycoon accepts: 32767. */
  public static final int MAX_PORT = 32_767;

  private static final System.Logger LOG = System.getLogger(KyotoTycoonServer.class.getName());
  private static final Path SHARED = Path.of("shared", "kyototycoon", "bin", "ktserver");
  private static final AtomicBoolean SKIP_REPORTED = new AtomicBoolean();

  private final Path executable;
  private final String version;

  private KyotoTycoonServer(ServerProcess process, Path executable, String version) {
    super(process);
    this.executable = executable;
    this.version = version;
  }

  /**
   * Finds a {@code ktserver}: {@code $KTSERVER}, then the {@code PATH}, then
   * {@code shared/kyototycoon/bin/ktserver} in the working directory or above.
   *
   * @return the executable, absolute, or empty if there is none
   * @throws IllegalStateException if {@code KTSERVER} is set but names no executable file
   */
  public static Optional<Path> locate() {
    return locate(System.getenv(), Path.of("").toAbsolutePath());
  }

  /** {@link #locate()} with the environment and starting directory given, for tests. */
  static Optional<Path> locate(Map<String, String> env, Path start) {
    String named = env.get(EXECUTABLE_VARIABLE);
    if (named != null && !named.isBlank()) {
      Path path = Path.of(named).toAbsolutePath();
      if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
        throw new IllegalStateException(
            EXECUTABLE_VARIABLE + "=" + named + " is not an executable file");
      }
      return Optional.of(path);
    }
    Optional<Path> onPath = Stream.of(env.getOrDefault("PATH", "").split(File.pathSeparator))
        .filter(entry -> !entry.isEmpty())
        .map(entry -> Path.of(entry, "ktserver").toAbsolutePath())
        .filter(path -> Files.isRegularFile(path) && Files.isExecutable(path))
        .findFirst();
    if (onPath.isPresent()) {
      return onPath;
    }
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(SHARED);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns whether a missing {@code ktserver} must fail the tests rather than skip them:
   * {@code LARDER_REQUIRE_KTSERVER=1}, as CI sets it.
   *
   * @return true if the variable is {@code 1}
   */
  public static boolean required() {
    return "1".equals(System.getenv(REQUIRE_VARIABLE));
  }

  /**
   * Starts a server with two in-memory databases, or skips the calling test when there is no
   * {@code ktserver} (printing, once per JVM, one line that says how to get one).
   *
   * @return the running server
   * @throws org.opentest4j.TestAbortedException if no {@code ktserver} is found and
   *     {@code LARDER_REQUIRE_KTSERVER} is not {@code 1}: JUnit reports the test as skipped
   * @throws IllegalStateException if no {@code ktserver} is found and it is required, or the
   *     server exits or does not answer within 20 seconds (the message quotes its output)
   */
  public static KyotoTycoonServer startOrSkip() {
    return builder().startOrSkip();
  }

  /**
   * Starts a server with two in-memory databases and waits until it answers.
   *
   * @return the running server
   * @throws IllegalStateException if no {@code ktserver} is found (the message says where it
   *     looked and how to get one), or it exits or does not answer within 20 seconds (the message
   *     quotes its output)
   */
  public static KyotoTycoonServer start() {
    return builder().start();
  }

  /**
   * Returns a builder for a server with other databases, extra arguments or another binary.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The line printed when tests are skipped, and the failure when they may not be. */
  static String missingMessage() {
    return "no Kyoto Tycoon ktserver found (looked at $" + EXECUTABLE_VARIABLE
        + ", ktserver on PATH, and shared/kyototycoon/bin/ktserver in "
        + Path.of("").toAbsolutePath() + " and every directory above); build one with"
        + " ../shared/kyototycoon/build.sh (see its README) or set " + EXECUTABLE_VARIABLE
        + "=/path/to/ktserver";
  }

  /**
   * Returns the URL of the server, without options.
   *
   * @return {@code kt://127.0.0.1:<port>}
   */
  public String url() {
    return "kt://" + host() + ":" + port();
  }

  /**
   * Returns the executable this server runs.
   *
   * @return its absolute path
   */
  public Path executable() {
    return executable;
  }

  /**
   * Returns the version the server reported when it started, from {@code /rpc/report}.
   *
   * @return for example {@code 0.9.56b (2.19)}
   */
  public String version() {
    return version;
  }

  /** Reads {@code conf_kt_version} from {@code /rpc/report} over HTTP/1.0. */
  private static String reportedVersion(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(FreePorts.LOOPBACK, port), 2_000);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET /rpc/report HTTP/1.0\r\n\r\n".getBytes(US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String reply = new String(in.readAllBytes(), UTF_8);
      for (String line : reply.split("\r?\n")) {
        if (line.startsWith("conf_kt_version\t")) {
          return line.substring("conf_kt_version\t".length());
        }
      }
      return "unknown (no conf_kt_version in /rpc/report)";
    } catch (IOException e) {
      return "unknown (/rpc/report failed: " + e + ")";
    }
  }

  /**
   * Builds a {@link KyotoTycoonServer} with other settings; each option may be set once, and
   * one builder may start several servers, each on its own port.
   *
   * <pre>{@code
   * KyotoTycoonServer kt = KyotoTycoonServer.builder().databases("*#capsiz=64m").start();
   * }</pre>
   */
  public static final class Builder extends TestServer.Builder<Builder> {
    // Set by the launcher itself; taking them from args would break port handling or output.
    private static final Set<String> RESERVED = Set.of("-host", "-port", "-dmn", "-log", "-pid");

    private List<String> args;
    private List<String> databases;

    private Builder() {}

    @Override
    Builder self() {
      return this;
    }

    /**
     * Adds options before the databases, one word per argument, for example
     * {@code args("-tout", "5")} or {@code args("-th", "4")}. Without {@code -li}, {@code -ls},
     * {@code -le} or {@code -lz} the launcher adds {@code -le} (errors only).
     *
     * @param args the extra options
     * @return this builder
     * @throws NullPointerException if {@code args} or one of them is null
     * @throws IllegalArgumentException if an argument is one the launcher sets ({@code -host},
     *     {@code -port}, {@code -dmn}, {@code -log}, {@code -pid})
     * @throws IllegalStateException if the arguments were already set
     */
    public Builder args(String... args) {
      this.args = checkArgs(this.args, args, RESERVED::contains, "");
      return this;
    }

    /**
     * Sets the databases, in {@code db} index order; two in-memory stash databases
     * ({@code ":", ":"}) by default. {@code "*"} is an in-memory cache hash database,
     * {@code "*#capsiz=64m"} one with an LRU size cap.
     *
     * @param databases one or more database expressions
     * @return this builder
     * @throws NullPointerException if {@code databases} or one of them is null
     * @throws IllegalArgumentException if none is given, or one is blank
     * @throws IllegalStateException if the databases were already set
     */
    public Builder databases(String... databases) {
      Objects.requireNonNull(databases, "databases");
      requireUnset(this.databases, "databases");
      List<String> list = List.of(databases);
      if (list.isEmpty() || list.stream().anyMatch(String::isBlank)) {
        throw new IllegalArgumentException("databases must be one or more non-blank expressions,"
            + " was " + list);
      }
      this.databases = list;
      return this;
    }

    /**
     * Starts the server, or skips the calling test when no {@code ktserver} is found (printing,
     * once per JVM, one line that says how to get one) unless {@code LARDER_REQUIRE_KTSERVER=1}.
     *
     * @return the running server
     * @throws org.opentest4j.TestAbortedException if no {@code ktserver} is found and none is
     *     required: JUnit reports the test as skipped
     * @throws IllegalStateException if no {@code ktserver} is found and one is required, or it
     *     exits or does not answer in time (the message quotes its output)
     */
    public KyotoTycoonServer startOrSkip() {
      if (executableOr(null) == null && locate().isEmpty() && !required()) {
        String message = "Kyoto Tycoon tests skipped: " + missingMessage();
        if (SKIP_REPORTED.compareAndSet(false, true)) {
          System.err.println(message);
        }
        Assumptions.abort(message);
      }
      return start();
    }

    /**
     * Starts the server and waits until it answers {@code /rpc/void}.
     *
     * @return the running server
     * @throws IllegalStateException if no {@code ktserver} is found (the message says where it
     *     looked and how to get one), the server exits or does not answer in time (the message
     *     quotes its output), or the thread is interrupted
     * @throws java.io.UncheckedIOException if the temporary directory cannot be created
     */
    public KyotoTycoonServer start() {
      String given = executableOr(null);
      Path executable = given != null ? Path.of(given).toAbsolutePath()
          : locate().orElseThrow(() -> new IllegalStateException(missingMessage()));
      List<String> extra = args == null ? List.of() : args;
      List<String> dbs = databases == null ? List.of(":", ":") : databases;
      boolean logLevelGiven = extra.stream().anyMatch(a -> a.matches("-l[isez]"));
      ServerProcess.Arguments arguments =
          (ports, dir) -> {
            List<String> a = new ArrayList<>();
            a.addAll(List.of("-host", HOST, "-port", String.valueOf(ports[0])));
            if (!logLevelGiven) {
              a.add("-le");
            }
            a.addAll(extra);
            a.addAll(dbs);
            return a;
          };
      ServerProcess process =
          new ServerProcess(
              executable.toString(),
              1,
              arguments,
              "GET /rpc/void HTTP/1.0\r\n\r\n",
              reply -> reply.startsWith("HTTP/1.1 200"),
              null,
              startupTimeoutOr(Duration.ofSeconds(20)),
              true);
      process.limitPorts(MAX_PORT);
      process.start();
      String version = reportedVersion(process.port(0));
      LOG.log(System.Logger.Level.INFO, "started Kyoto Tycoon " + version + " from " + executable
          + " on 127.0.0.1:" + process.port(0));
      return new KyotoTycoonServer(process, executable, version);
    }
  }
}
