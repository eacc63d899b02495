package io.larder.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A cache server run as a child process on reserved loopback ports: the lifecycle shared by
 * {@link RedisServer} and {@link MemcachedServer}.
 *
 * <p>The child's stdout and stderr go straight to a log file in the working directory, so no
 * pipe can fill up and block it, and the log can be quoted when the server does not come up.
 * Every running child is also killed by a JVM shutdown hook, so a test run that dies leaves no
 * stray servers behind (short of the JVM itself being killed with SIGKILL).
 */
final class ServerProcess {
  /** Builds a server's arguments (without the executable) for one launch. */
  interface Arguments {
    /**
     * Returns the arguments for a launch on {@code ports} with {@code dir} as working directory.
     */
    List<String> build(int[] ports, Path dir);
  }

  /** Tells whether a server answers as ready on a connected socket. */
  interface Probe {
    /**
     * Talks to the server on {@code socket} (read timeout already set) and judges its answer.
     *
     * @throws IOException if the server closes the connection or does not answer in time
     */
    boolean answers(Socket socket) throws IOException;
  }

  static final String INSTALL_HINT =
      "install with `apt-get install -y redis-server memcached postgresql mariadb-server`"
          + " or run ./test";

  private static final System.Logger LOG = System.getLogger(ServerProcess.class.getName());
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  private static final int PORT_ATTEMPTS = 5;
  private static final int OUTPUT_TAIL = 8_000;

  // Every child still running, for the shutdown hook; JVM-wide because the hook is.
  private static final Set<ServerProcess> LIVE = ConcurrentHashMap.newKeySet();
  private static final AtomicBoolean HOOK_ADDED = new AtomicBoolean();

  private final String executable;
  private final String name;
  private final int portCount;
  private final List<String> wrapper;
  private final Arguments arguments;
  private final Probe probe;
  private final Path dir;
  private final boolean ownsDir;
  private final Duration startupTimeout;
  private final boolean gracefulStop;
  private int maxPort = 65_535;

  private int[] ports;
  private List<String> command = List.of();
  private Path log;
  private volatile Process process;
  private boolean stopped;
  private String outputAtStop = "";

  /**
   * Prepares a server; {@link #start} launches it.
   *
   * @param executable a name looked up on {@code PATH}, or a path
   * @param portCount how many ports each launch reserves; the first is the probed one
   * @param probe the request whose first reply line {@code ready} judges, e.g. {@code PING\r\n}
   * @param workingDir the server's directory, or null for a fresh temporary one deleted on stop
   * @param gracefulStop whether {@link #stop} sends SIGTERM first; memcached only exits on its
   *     next clock tick (up to a second), with nothing to save, so it is better killed at once
   * @throws UncheckedIOException if the working directory cannot be created
   */
  ServerProcess(
      String executable,
      int portCount,
      Arguments arguments,
      String probe,
      Predicate<String> ready,
      Path workingDir,
      Duration startupTimeout,
      boolean gracefulStop) {
    this(List.of(), executable, portCount, arguments, lineProbe(probe, ready), workingDir,
        startupTimeout, gracefulStop);
  }

  /**
   * Prepares a server run through a wrapper command and judged by a probe of its own; used for
   * servers that refuse to run as root, or whose protocol is not line-based.
   *
   * @param wrapper words put before the executable, e.g. {@code setpriv --reuid=postgres ... --}
   *     (the wrapper must exec the server, so that its PID is the server's); empty for none
   * @param executable a path, or a name looked up on {@code PATH}
   * @param probe judges whether the server is ready on a fresh connection to the first port
   * @throws UncheckedIOException if the working directory cannot be created
   */
  ServerProcess(
      List<String> wrapper,
      String executable,
      int portCount,
      Arguments arguments,
      Probe probe,
      Path workingDir,
      Duration startupTimeout,
      boolean gracefulStop) {
    this.wrapper = List.copyOf(wrapper);
    this.executable = executable;
    this.name = Path.of(executable).getFileName().toString();
    this.portCount = portCount;
    this.arguments = arguments;
    this.probe = probe;
    this.startupTimeout = startupTimeout;
    this.gracefulStop = gracefulStop;
    try {
      if (workingDir == null) {
        this.dir = Files.createTempDirectory("larder-" + name + "-");
        this.ownsDir = true;
      } else {
        this.dir = Files.createDirectories(workingDir.toAbsolutePath());
        this.ownsDir = false;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a working directory for " + name, e);
    }
  }

  /**
   * Launches the server on fresh ports and waits until it answers, retrying on other ports if
   * another process took one first.
   *
   * @throws IllegalStateException if the executable is missing, the server exits or does not
   *     answer in time (the message quotes its output), or the thread is interrupted
   */
  synchronized void start() {
    long deadline = System.nanoTime() + startupTimeout.toNanos();
    try {
      requireExecutable();
      for (int attempt = 1; ; attempt++) {
        ports = FreePorts.reserve(portCount, maxPort);
        try {
          launch(deadline);
          return;
        } catch (PortInUseException e) {
          FreePorts.release(ports);
          ports = null; // released: stop() must not release them again, they may be reused
          if (attempt == PORT_ATTEMPTS) {
            throw new IllegalStateException(
                name + " lost the race for a free port " + PORT_ATTEMPTS + " times; output:\n"
                    + e.output);
          }
        }
      }
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
  }

  /**
   * Keeps every port this server reserves at or below {@code maxPort}, for servers that refuse
   * high ports; call before {@link #start}.
   */
  synchronized void limitPorts(int maxPort) {
    this.maxPort = maxPort;
  }

  /**
   * Kills the server if it runs and launches it again on the same ports, waiting until it
   * answers.
   *
   * @throws IllegalStateException if the server was stopped, another process holds one of its
   *     ports, it does not come up (the message quotes its output), or the thread is interrupted
   */
  synchronized void restart() {
    if (stopped) {
      throw new IllegalStateException(
          name + " on port " + port(0) + " was stopped; start a new one");
    }
    kill();
    long deadline = System.nanoTime() + startupTimeout.toNanos();
    while (true) {
      try {
        launch(deadline);
        return;
      } catch (PortInUseException e) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              name + " cannot listen on 127.0.0.1:" + port(0) + " again: another process holds"
                  + " one of its ports; output:\n" + e.output);
        }
        sleep(100);
      }
    }
  }

  /** Kills the server at once (SIGKILL, like a crash) and waits for it; it may be restarted. */
  synchronized void kill() {
    Process p = process;
    if (p == null) {
      return;
    }
    killTree(p);
    process = null;
    LIVE.remove(this);
  }

  /**
   * Stops the server for good: asks it to exit (if stopped gracefully), kills it if it lingers,
   * frees its ports and deletes its temporary directory. Does nothing if already stopped.
   */
  synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    Process p = process;
    if (p != null) {
      if (gracefulStop) {
        p.destroy();
      }
      if (!gracefulStop || !awaitExit(p, STOP_GRACE)) {
        killTree(p);
      }
      process = null;
    }
    LIVE.remove(this);
    outputAtStop = output();
    if (ports != null) {
      FreePorts.release(ports);
    }
    if (ownsDir) {
      deleteTree(dir);
    }
  }

  /**
   * Returns the process id of the running server.
   *
   * @throws IllegalStateException if it is not running
   */
  long pid() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException(name + " is not running");
    }
    return p.pid();
  }

  /** Returns whether the server process is alive. */
  boolean isRunning() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Returns the {@code i}th reserved port of the current (or last) launch. */
  synchronized int port(int i) {
    if (ports == null) {
      throw new IllegalStateException(name + " was never started");
    }
    return ports[i];
  }

  /** Returns the processes the server has forked, for tests of this launcher. */
  List<ProcessHandle> descendantsForTest() {
    Process p = process;
    return p == null ? List.of() : p.descendants().toList();
  }

  /** Returns the server's working directory. */
  Path dir() {
    return dir;
  }

  /** Returns everything the server wrote to stdout and stderr, across restarts. */
  synchronized String output() {
    if (stopped && ownsDir) {
      return outputAtStop;
    }
    if (log == null) {
      return "";
    }
    try {
      return new String(Files.readAllBytes(log), UTF_8);
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }

  @Override
  public synchronized String toString() {
    String state = stopped ? "stopped" : isRunning() ? "running" : "not running";
    return name + "[127.0.0.1:" + (ports == null ? "-" : ports[0]) + ", " + state + "]";
  }

  private void launch(long deadline) throws PortInUseException {
    List<String> cmd = new ArrayList<>(wrapper);
    cmd.add(executable);
    cmd.addAll(arguments.build(ports.clone(), dir));
    command = List.copyOf(cmd);
    log = dir.resolve(name + "-" + ports[0] + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(Redirect.appendTo(log.toFile()));
    Process p;
    try {
      p = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run " + name + " (" + e.getMessage() + "); " + INSTALL_HINT, e);
    }
    process = p;
    LIVE.add(this);
    addShutdownHookOnce();
    try {
      p.getOutputStream().close(); // no server here reads stdin; EOF rather than a silent pipe
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot close stdin of " + name, e);
    }
    awaitReady(p, deadline);
  }

  private void awaitReady(Process p, long deadline) throws PortInUseException {
    while (true) {
      if (!p.isAlive()) {
        throw exited(p);
      }
      // The second isAlive() makes sure the answer came from our child, not from a process
      // that holds the port and made ours exit.
      if (answers() && p.isAlive()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        kill();
        throw new IllegalStateException(
            name + " did not answer on 127.0.0.1:" + port(0) + " within " + startupTimeout
                + "; command: " + commandLine() + "; output:\n" + tail());
      }
      sleep(20);
    }
  }

  private RuntimeException exited(Process p) throws PortInUseException {
    awaitExit(p, KILL_WAIT);
    process = null;
    LIVE.remove(this);
    String output = tail();
    // redis-server and memcached say "Address already in use", ktserver "bind failed"
    if (output.contains("Address already in use") || output.contains("msg=bind failed")) {
      throw new PortInUseException(output);
    }
    return new IllegalStateException(
        name + " exited with status " + p.exitValue() + " before it answered; command: "
            + commandLine() + "; output:\n" + output);
  }

  /** Sends the probe and judges the first line of the reply. */
  private boolean answers() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(FreePorts.LOOPBACK, ports[0]), 250);
      socket.setSoTimeout(1_000);
      return probe.answers(socket);
    } catch (IOException e) {
      return false; // not listening yet, or closed the connection on us: try again
    }
  }

  /** A probe that sends a request and judges the first line of the reply. */
  private static Probe lineProbe(String request, Predicate<String> ready) {
    byte[] bytes = request.getBytes(US_ASCII);
    return socket -> {
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
      return ready.test(readLine(socket.getInputStream()));
    };
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != -1 && b != '\n' && line.length() < 1_000; b = in.read()) {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  private void requireExecutable() {
    if (executable.contains(File.separator)) {
      if (!Files.isExecutable(Path.of(executable))) {
        throw new IllegalStateException(executable + " is not an executable file; " + INSTALL_HINT);
      }
      return;
    }
    String path = System.getenv().getOrDefault("PATH", "");
    boolean found =
        Stream.of(path.split(File.pathSeparator))
            .filter(entry -> !entry.isEmpty())
            .anyMatch(entry -> Files.isExecutable(Path.of(entry, executable)));
    if (!found) {
      throw new IllegalStateException(
          executable + " was not found on PATH (" + path + "); " + INSTALL_HINT);
    }
  }

  private String tail() {
    String output = output();
    return output.length() <= OUTPUT_TAIL
        ? output
        : "..." + output.substring(output.length() - OUTPUT_TAIL);
  }

  private String commandLine() {
    return command.stream()
        .map(arg -> arg.isEmpty() || arg.contains(" ") ? '"' + arg + '"' : arg)
        .collect(Collectors.joining(" "));
  }

  /**
   * Kills {@code p} and every process it forked (SIGKILL) and waits for them: a server that
   * forks workers, as PostgreSQL does, leaves them holding its shared memory and files unless
   * they die too.
   */
  private void killTree(Process p) {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    awaitExit(p, KILL_WAIT);
    for (ProcessHandle child : children) {
      child.onExit().completeOnTimeout(child, KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }
  }

  /** Waits for {@code p} to exit; false if it is still alive after {@code timeout}. */
  private boolean awaitExit(Process p, Duration timeout) {
    try {
      if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return true;
      }
      LOG.log(System.Logger.Level.WARNING, name + " (pid " + p.pid() + ") has not exited yet");
      return false;
    } catch (InterruptedException e) {
      // Stopping must not be cut short: kill outright and let the caller see the interrupt.
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      throw new IllegalStateException("interrupted while waiting for " + name, e);
    }
  }

  private static void addShutdownHookOnce() {
    if (HOOK_ADDED.compareAndSet(false, true)) {
      Runtime.getRuntime()
          .addShutdownHook(new Thread(ServerProcess::killAll, "larder-testkit-server-reaper"));
    }
  }

  /** Runs at JVM exit: kills every child still running, then deletes their temporary dirs. */
  private static void killAll() {
    // No locks here: a test thread may hold one while the JVM is going down.
    List<ServerProcess> servers = List.copyOf(LIVE);
    for (ServerProcess server : servers) {
      Process p = server.process;
      if (p != null) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
    for (ServerProcess server : servers) {
      Process p = server.process;
      if (p != null) {
        server.awaitExit(p, Duration.ofSeconds(2));
      }
      if (server.ownsDir) {
        deleteTree(server.dir);
      }
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (NoSuchFileException e) {
      // Already gone.
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot delete " + root, e);
    }
  }

  /** The server exited because one of its ports was taken; carries its output. */
  private static final class PortInUseException extends Exception {
    final String output;

    PortInUseException(String output) {
      super("address already in use", null, false, false);
      this.output = output;
    }
  }
}
