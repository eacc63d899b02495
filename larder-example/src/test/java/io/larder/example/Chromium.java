package io.larder.example;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless Chromium, started per command with the flags a root user in a container
 * needs, and a fresh profile each time.
 */
final class Chromium {
  private static final String[] NAMES = {"chromium", "chromium-browser", "google-chrome"};

  private final Path binary;

  private Chromium(Path binary) {
    this.binary = binary;
  }

  /**
   * Finds Chromium on the PATH; when it is missing and this process runs as root with
   * apt-get, installs Debian's package first. Returns {@code null} if it cannot be had.
   */
  static Chromium findOrInstall() throws IOException, InterruptedException {
    Path found = find();
    if (found == null && isRoot() && find("apt-get") != null) {
      System.err.println("Chromium is missing: installing Debian's chromium package for the browser test");
      if (!aptInstall()) {
        run(List.of("apt-get", "update"), 600);
        aptInstall();
      }
      found = find();
    }
    return found == null ? null : new Chromium(found);
  }

  private static boolean aptInstall() throws IOException, InterruptedException {
    return run(List.of("apt-get", "install", "-y", "--no-install-recommends", "chromium"), 900) == 0;
  }

  private static Path find() {
    for (String name : NAMES) {
      Path p = find(name);
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  private static Path find(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static int run(List<String> command, int timeoutSeconds)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  private List<String> command(Path profile, String... args) {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--user-data-dir=" + profile.toAbsolutePath()));
    command.addAll(List.of(args));
    return command;
  }

  /** Loads a page and returns the DOM as Chromium built it. */
  String dumpDom(Path profile, String url) throws IOException, InterruptedException {
    Path out = Files.createTempFile("chromium-dom", ".html");
    try {
      Process p = new ProcessBuilder(command(profile, "--dump-dom", url))
          .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      finish(p);
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** Loads a page and saves a screenshot of it. */
  void screenshot(Path profile, String url, Path png, int width, int height)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command(profile, "--screenshot=" + png.toAbsolutePath(),
        "--window-size=" + width + "," + height, "--hide-scrollbars", url))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    finish(p);
  }

  private static void finish(Process p) throws InterruptedException, IOException {
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new IOException("chromium did not finish in 120 s");
    }
    if (p.exitValue() != 0) {
      throw new IOException("chromium exited with " + p.exitValue());
    }
  }

  @Override
  public String toString() {
    return binary.toString();
  }
}
