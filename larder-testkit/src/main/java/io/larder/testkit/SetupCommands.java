package io.larder.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the database launchers need besides the server process: running a setup program (such
 * as {@code initdb}) to completion, and running programs as an unprivileged user when the JVM
 * runs as root, which PostgreSQL and MariaDB refuse.
 */
final class SetupCommands {
  private SetupCommands() {}

  /**
   * Finds a program on {@code PATH} or in the system directories, where Debian puts servers
   * ({@code /usr/sbin/mariadbd}) but a plain user's {@code PATH} may not reach.
   *
   * @return the program's absolute path, or {@code name} itself if it is not found
   */
  static String locate(String name) {
    if (name.contains("/")) {
      return name;
    }
    List<String> dirs = new ArrayList<>(
        List.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)));
    dirs.addAll(List.of("/usr/local/sbin", "/usr/sbin", "/sbin"));
    for (String dir : dirs) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Path.of(dir, name).toAbsolutePath().toString();
      }
    }
    return name;
  }

  /** Returns whether this JVM runs as root. */
  static boolean runningAsRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Returns the words that run a program as {@code user} when this JVM runs as root: a
   * {@code setpriv} that execs the program, so the program's PID is the one started; empty
   * otherwise.
   */
  static List<String> asUser(String user) {
    if (!runningAsRoot()) {
      return List.of();
    }
    return List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups",
        "--reset-env", "--");
  }

  /**
   * Gives {@code dir} and everything in it to {@code user} when this JVM runs as root, so that
   * a server run as that user may write there.
   *
   * @throws UncheckedIOException if the owner cannot be changed
   */
  static void giveTo(Path dir, String user) {
    if (!runningAsRoot()) {
      return;
    }
    try {
      UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService()
          .lookupPrincipalByName(user);
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path path : paths.sorted(Comparator.naturalOrder()).toList()) {
          Files.setOwner(path, owner);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot give " + dir + " to user " + user
          + " (is the server's package installed?)", e);
    }
  }

  /**
   * Runs a setup program to completion, its output appended to {@code log}.
   *
   * @throws IllegalStateException if it cannot be started, fails or outlasts {@code timeout}
   *     (the message quotes its output)
   */
  static void run(List<String> command, Path log, Duration timeout) {
    List<String> cmd = new ArrayList<>(command);
    Process p;
    try {
      p = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(Redirect.appendTo(log.toFile()))
          .redirectInput(Redirect.from(Path.of("/dev/null").toFile()))
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd.get(0) + ": " + e.getMessage()
          + "; " + ServerProcess.INSTALL_HINT, e);
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " did not finish within "
            + timeout + "; output:\n" + read(log));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + cmd.get(0), e);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed with status "
          + p.exitValue() + "; output:\n" + read(log));
    }
  }

  private static String read(Path log) {
    try {
      return new String(Files.readAllBytes(log), UTF_8);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e + ")";
    }
  }
}
