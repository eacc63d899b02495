package io.larder.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.larder.spi.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real server run as a child process on loopback for a test: what {@link RedisServer} and
 * {@link MemcachedServer} have in common.
 */
public abstract class TestServer implements AutoCloseable {
  /** The only address test servers listen on. */
  static final String HOST = "127.0.0.1";

  final ServerProcess process;
  private boolean paused;

  TestServer(ServerProcess process) {
    this.process = process;
  }

  /**
   * Returns the host the server listens on.
   *
   * @return always {@code "127.0.0.1"}
   */
  public String host() {
    return HOST;
  }

  /**
   * Returns the main port; it stays the same across {@link #restart()}.
   *
   * @return the port
   */
  public int port() {
    return process.port(0);
  }

  /**
   * Returns what the server has written to stdout and stderr so far, across restarts.
   *
   * @return the server's log
   */
  public String output() {
    return process.output();
  }

  /**
   * Returns whether the server process is alive.
   *
   * @return false after {@link #kill()} or {@link #stop()}
   */
  public boolean isRunning() {
    return process.isRunning();
  }

  /**
   * Kills the server at once, as a crash would (SIGKILL), and waits until it is gone; the data is
   * lost. {@link #restart()} brings it back on the same port. Does nothing if it is not running.
   */
  public synchronized void kill() {
    process.kill();
    paused = false;
  }

  /**
   * Kills the server if it runs, starts it again on the same port and waits until it answers;
   * the new server starts empty.
   *
   * @throws IllegalStateException if the server was stopped, another process took its port, or
   *     it does not come up (the message quotes its output)
   */
  public synchronized void restart() {
    paused = false;
    process.restart();
  }

  /**
   * Stops the server for good and deletes its temporary directory: redis-server is asked to
   * exit (SIGTERM) and killed after five seconds; memcached, which has nothing to save, is
   * killed at once; a paused server is resumed first. Does nothing if already stopped.
   */
  public synchronized void stop() {
    if (paused && isRunning()) {
      resume();
    }
    process.stop();
  }

  /**
   * Returns the process id of the running server.
   *
   * @return the pid
   * @throws IllegalStateException if it is not running
   */
  public long pid() {
    return process.pid();
  }

  /**
   * Stops the server process (SIGSTOP) without closing anything: connections stay open and
   * requests are accepted by the kernel but not answered, as on a host that hangs, for as long
   * as a test needs. Does nothing if already paused.
   *
   * @throws IllegalStateException if it is not running, or {@code kill} fails
   */
  public synchronized void pause() {
    if (!paused) {
      signal("STOP");
      paused = true;
    }
  }

  /**
   * Lets a paused server run again (SIGCONT); it then answers what it was sent meanwhile. Does
   * nothing if not paused.
   *
   * @throws IllegalStateException if it is not running, or {@code kill} fails
   */
  public synchronized void resume() {
    if (paused) {
      signal("CONT");
      paused = false;
    }
  }

  private void signal(String name) {
    long pid = pid();
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid))
          .redirectErrorStream(true).start();
      String out = new String(kill.getInputStream().readAllBytes(), UTF_8).trim();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + pid + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -" + name + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + name + " to " + pid, e);
    }
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  @Override
  public String toString() {
    return process.toString();
  }

  /**
   * What the builders of test servers share: how long to wait for a server and which program
   * to run. Each option may be set once.
   *
   * @param <B> the concrete builder
   */
  public abstract static class Builder<B extends Builder<B>> {
    private Duration startupTimeout;
    private String executable;

    Builder() {}

    abstract B self();

    /**
     * Sets how long starting and restarting wait for the server to answer; 20 seconds by
     * default.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     * @throws IllegalStateException if the timeout was already set
     */
    public B startupTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      requireUnset(startupTimeout, "startupTimeout");
      startupTimeout = Durations.requirePositive(timeout, "startupTimeout");
      return self();
    }

    /**
     * Sets the program to run: a name looked up on {@code PATH} or a path; by default the
     * server's usual name ({@code redis-server}, {@code memcached}).
     *
     * @param executable the program
     * @return this builder
     * @throws NullPointerException if {@code executable} is null
     * @throws IllegalArgumentException if {@code executable} is blank
     * @throws IllegalStateException if the executable was already set
     */
    public B executable(String executable) {
      Objects.requireNonNull(executable, "executable");
      requireUnset(this.executable, "executable");
      if (executable.isBlank()) {
        throw new IllegalArgumentException("executable is blank: '" + executable + "'");
      }
      this.executable = executable;
      return self();
    }

    Duration startupTimeoutOr(Duration otherwise) {
      return startupTimeout == null ? otherwise : startupTimeout;
    }

    String executableOr(String otherwise) {
      return executable == null ? otherwise : executable;
    }

    /**
     * Checks a builder's extra arguments: none null, set once, none the launcher owns.
     *
     * @param current the arguments set so far, null if none
     * @param args the new arguments
     * @param owned which arguments the launcher sets itself
     * @param hint what to use instead, appended to the message, e.g. {@code "; see tls(...)"}
     * @return the arguments as an immutable list
     */
    static List<String> checkArgs(
        List<String> current, String[] args, Predicate<String> owned, String hint) {
      Objects.requireNonNull(args, "args");
      requireUnset(current, "args");
      List<String> list = List.of(args); // rejects null elements
      for (String arg : list) {
        if (owned.test(arg)) {
          throw new IllegalArgumentException(
              arg + " is set by the launcher, not by args(...)" + hint);
        }
      }
      return list;
    }

    static void requireUnset(Object value, String option) {
      if (value != null) {
        throw new IllegalStateException(option + " was already set to " + value);
      }
    }
  }
}
