package io.larder.testkit;

/**
 * A real server run as a child process on loopback for a test: what {@link RedisServer} and
 * {@link MemcachedServer} have in common.
 */
public abstract class TestServer implements AutoCloseable {
  /** The only address test servers listen on. */
  static final String HOST = "127.0.0.1";

  final ServerProcess process;

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
  public void kill() {
    process.kill();
  }

  /**
   * Kills the server if it runs, starts it again on the same port and waits until it answers;
   * the new server starts empty.
   *
   * @throws IllegalStateException if the server was stopped, another process took its port, or
   *     it does not come up (the message quotes its output)
   */
  public void restart() {
    process.restart();
  }

  /**
   * Stops the server for good and deletes its temporary directory: redis-server is asked to
   * exit (SIGTERM) and killed after five seconds; memcached, which has nothing to save, is
   * killed at once. Does nothing if already stopped.
   */
  public void stop() {
    process.stop();
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
}
