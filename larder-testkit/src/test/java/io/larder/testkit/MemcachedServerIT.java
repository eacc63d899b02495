package io.larder.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemcachedServerIT {

  @Test
  void startedServerAnswersSetAndGet() throws IOException {
    try (MemcachedServer memcached = MemcachedServer.start()) {
      assertThat(memcached.host()).isEqualTo("127.0.0.1");
      assertThat(memcached.url()).isEqualTo("memcached://127.0.0.1:" + memcached.port());
      assertThat(memcached.isRunning()).isTrue();
      try (Text text = Text.connect(memcached.port())) {
        assertThat(text.call("set greeting 0 0 5\r\nhello", "STORED")).containsExactly("STORED");
        assertThat(text.call("get greeting", "END"))
            .containsExactly("VALUE greeting 0 5", "hello", "END");
      }
    }
  }

  @Test
  void restartComesBackOnTheSamePortAndEmpty() throws IOException {
    try (MemcachedServer memcached = MemcachedServer.start()) {
      int port = memcached.port();
      try (Text text = Text.connect(port)) {
        assertThat(text.call("set k 0 0 1\r\nv", "STORED")).containsExactly("STORED");
      }

      memcached.restart();

      assertThat(memcached.port()).isEqualTo(port);
      try (Text text = Text.connect(port)) {
        assertThat(text.call("get k", "END")).containsExactly("END");
      }
    }
  }

  @Test
  void killedServerRefusesConnectionsUntilRestarted() throws IOException {
    try (MemcachedServer memcached = MemcachedServer.start()) {
      memcached.kill();
      assertThat(memcached.isRunning()).isFalse();
      assertRefused(memcached.port());
      memcached.kill(); // idempotent

      memcached.restart();

      assertThat(memcached.isRunning()).isTrue();
      try (Text text = Text.connect(memcached.port())) {
        assertThat(text.call("version", null).get(0)).startsWith("VERSION ");
      }
    }
  }

  @Test
  void stoppedServerRefusesConnectionsAndCannotRestart() throws IOException {
    MemcachedServer memcached = MemcachedServer.start();
    try (Text text = Text.connect(memcached.port())) {
      assertThat(text.call("version", null).get(0)).startsWith("VERSION ");
    }

    memcached.stop();
    memcached.stop(); // idempotent

    assertThat(memcached.isRunning()).isFalse();
    assertRefused(memcached.port());
    assertThatThrownBy(memcached::restart)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stopped");
  }

  @Test
  void closeStopsTheServer() {
    int port;
    try (MemcachedServer memcached = MemcachedServer.start()) {
      port = memcached.port();
    }
    assertRefused(port);
  }

  @Test
  void twoServersRunAtOnceOnDifferentPorts() throws IOException {
    try (MemcachedServer first = MemcachedServer.start();
        MemcachedServer second = MemcachedServer.start()) {
      assertThat(first.port()).isNotEqualTo(second.port());
      try (Text a = Text.connect(first.port());
          Text b = Text.connect(second.port())) {
        a.call("set k 0 0 5\r\nfirst", "STORED");
        b.call("set k 0 0 6\r\nsecond", "STORED");
        assertThat(a.call("get k", "END")).contains("first");
        assertThat(b.call("get k", "END")).contains("second");
      }
    }
  }

  @Test
  void extraArgumentsReachTheServer() throws IOException {
    try (MemcachedServer memcached = MemcachedServer.builder().args("-I", "2m").start();
        Text text = Text.connect(memcached.port())) {
      assertThat(text.call("stats settings", "END")).contains("STAT item_size_max 2097152");
    }
  }

  @Test
  void authFileDoesNotBlockStartup(@TempDir Path tmp) throws IOException {
    Path authFile = Files.writeString(tmp.resolve("auth"), "larder:secret\n");
    try (MemcachedServer memcached =
            MemcachedServer.builder().args("-Y", authFile.toString()).start();
        Text text = Text.connect(memcached.port())) {
      assertThat(text.call("version", null)).containsExactly("CLIENT_ERROR unauthenticated");
    }
    try (MemcachedServer memcached =
            MemcachedServer.builder().args("-Y", authFile.toString()).start();
        Text text = Text.connect(memcached.port())) {
      // ASCII auth: a set whose value is "user password".
      assertThat(text.call("set auth 0 0 13\r\nlarder secret", "STORED"))
          .containsExactly("STORED");
      assertThat(text.call("version", null).get(0)).startsWith("VERSION ");
    }
  }

  @Test
  void tlsPortAnswersOverTlsAndPlainPortStaysPlain(@TempDir Path tmp) throws Exception {
    TestCertificates certs = TestCertificates.selfSigned(tmp);
    try (MemcachedServer memcached =
        MemcachedServer.builder().tls(certs.cert, certs.key).start()) {
      assertThat(memcached.tlsPort()).isNotEqualTo(memcached.port());
      try (Text text =
          new Text(certs.trustingClient().createSocket(memcached.host(), memcached.tlsPort()))) {
        assertThat(text.call("version", null).get(0)).startsWith("VERSION ");
      }
      try (Text text = Text.connect(memcached.port())) {
        assertThat(text.call("version", null).get(0)).startsWith("VERSION ");
      }
    }
  }

  @Test
  void serverWithoutTlsHasNoTlsPort() {
    try (MemcachedServer memcached = MemcachedServer.start()) {
      assertThatThrownBy(memcached::tlsPort).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void missingExecutableSaysHowToInstall() {
    assertThatThrownBy(
            () -> MemcachedServer.builder().executable("larder-no-such-memcached").start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("larder-no-such-memcached")
        .hasMessageContaining("apt-get install -y redis-server memcached")
        .hasMessageContaining("./test");
  }

  @Test
  void serverThatExitsIsReportedWithItsOutput() {
    assertThatThrownBy(() -> MemcachedServer.builder().args("-I", "1").start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited with status")
        .hasMessageContaining("Item max size cannot be less than 1024 bytes");
  }

  @Test
  void builderRejectsWhatTheLauncherOwns() {
    for (String owned : List.of("-p", "-p11211", "--port=11211", "-l", "-U", "-d", "-s", "-Z")) {
      assertThatThrownBy(() -> MemcachedServer.builder().args(owned))
          .as(owned)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(owned);
    }
    assertThatThrownBy(() -> MemcachedServer.builder().args("-v").args("-v"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("args");
  }

  @Test
  void serverLeftRunningDiesWithTheJvm() throws Exception {
    Process jvm =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Orphan.class.getName())
            .redirectErrorStream(true)
            .start();
    String output = new String(jvm.getInputStream().readAllBytes(), UTF_8);
    assertThat(jvm.waitFor()).as(output).isZero();
    String port = output.lines().filter(l -> l.startsWith("started ")).findFirst()
        .orElseThrow(() -> new AssertionError("no server started: " + output)).substring(8);

    assertRefused(Integer.parseInt(port));
  }

  /** Starts a server and exits without stopping it. */
  static final class Orphan {
    public static void main(String[] args) {
      System.out.println("started " + MemcachedServer.start().port());
    }
  }

  private static void assertRefused(int port) {
    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
        .isInstanceOf(ConnectException.class);
  }

  /** A minimal memcached text-protocol client. */
  private static final class Text implements Closeable {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    Text(Socket socket) throws IOException {
      this.socket = socket;
      socket.setSoTimeout(5_000);
      this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8));
      this.out = socket.getOutputStream();
    }

    static Text connect(int port) throws IOException {
      return new Text(new Socket("127.0.0.1", port));
    }

    /**
     * Sends {@code request} and reads reply lines up to {@code last}, or one line if it is null;
     * an error line ends the reply early.
     */
    List<String> call(String request, String last) throws IOException {
      out.write((request + "\r\n").getBytes(UTF_8));
      out.flush();
      List<String> lines = new ArrayList<>();
      while (true) {
        String line = in.readLine();
        if (line == null) {
          throw new IOException("connection closed after " + lines);
        }
        lines.add(line);
        if (last == null || line.equals(last) || line.contains("ERROR")) {
          return lines;
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
