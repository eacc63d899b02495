package io.larder.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RedisServerIT {

  @Test
  void startedServerAnswersSetAndGet() throws IOException {
    try (RedisServer redis = RedisServer.start()) {
      assertThat(redis.host()).isEqualTo("127.0.0.1");
      assertThat(redis.url()).isEqualTo("redis://127.0.0.1:" + redis.port() + "/0");
      assertThat(redis.isRunning()).isTrue();
      try (Resp resp = Resp.connect(redis.port())) {
        assertThat(resp.call("SET", "greeting", "hello")).isEqualTo("OK");
        assertThat(resp.call("GET", "greeting")).isEqualTo("hello");
      }
    }
  }

  @Test
  void restartComesBackOnTheSamePortAndEmpty() throws IOException {
    try (RedisServer redis = RedisServer.start()) {
      int port = redis.port();
      try (Resp resp = Resp.connect(port)) {
        assertThat(resp.call("SET", "k", "v")).isEqualTo("OK");
      }

      redis.restart();

      assertThat(redis.port()).isEqualTo(port);
      try (Resp resp = Resp.connect(port)) {
        assertThat(resp.call("PING")).isEqualTo("PONG");
        assertThat(resp.call("GET", "k")).isNull();
      }
    }
  }

  @Test
  void killedServerRefusesConnectionsUntilRestarted() throws IOException {
    try (RedisServer redis = RedisServer.start()) {
      redis.kill();
      assertThat(redis.isRunning()).isFalse();
      assertRefused(redis.port());
      redis.kill(); // idempotent

      redis.restart();

      assertThat(redis.isRunning()).isTrue();
      try (Resp resp = Resp.connect(redis.port())) {
        assertThat(resp.call("PING")).isEqualTo("PONG");
      }
    }
  }

  @Test
  void stoppedServerRefusesConnectionsAndCannotRestart() throws IOException {
    RedisServer redis = RedisServer.start();
    try (Resp resp = Resp.connect(redis.port())) {
      assertThat(resp.call("PING")).isEqualTo("PONG");
    }
    Path dir = redis.workingDir();

    redis.stop();
    redis.stop(); // idempotent

    assertThat(redis.isRunning()).isFalse();
    assertRefused(redis.port());
    assertThat(dir).doesNotExist();
    assertThatThrownBy(redis::restart)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stopped");
  }

  @Test
  void closeStopsTheServer() throws IOException {
    int port;
    try (RedisServer redis = RedisServer.start()) {
      port = redis.port();
    }
    assertRefused(port);
  }

  @Test
  void twoServersRunAtOnceOnDifferentPorts() throws IOException {
    try (RedisServer first = RedisServer.start();
        RedisServer second = RedisServer.start()) {
      assertThat(first.port()).isNotEqualTo(second.port());
      try (Resp a = Resp.connect(first.port());
          Resp b = Resp.connect(second.port())) {
        a.call("SET", "k", "first");
        b.call("SET", "k", "second");
        assertThat(a.call("GET", "k")).isEqualTo("first");
        assertThat(b.call("GET", "k")).isEqualTo("second");
      }
    }
  }

  @Test
  void extraArgumentsReachTheServerAndAuthDoesNotBlockStartup() throws IOException {
    try (RedisServer redis = RedisServer.builder().args("--requirepass", "secret").start();
        Resp resp = Resp.connect(redis.port())) {
      assertThat(resp.call("PING")).asString().startsWith("-NOAUTH");
      assertThat(resp.call("AUTH", "secret")).isEqualTo("OK");
      assertThat(resp.call("PING")).isEqualTo("PONG");
    }
  }

  @Test
  void clusterNodeGetsItsOwnBusPortAndNodeFile() throws IOException {
    try (RedisServer node = RedisServer.builder().args("--cluster-enabled", "yes").start();
        Resp resp = Resp.connect(node.port())) {
      assertThat(resp.call("INFO", "cluster")).asString().contains("cluster_enabled:1");
      List<?> busPort = (List<?>) resp.call("CONFIG", "GET", "cluster-port");
      int bus = Integer.parseInt((String) busPort.get(1));
      assertThat(bus).isPositive().isNotEqualTo(node.port());
      try (Socket socket = new Socket(node.host(), bus)) {
        assertThat(socket.isConnected()).isTrue();
      }
      assertThat(node.workingDir().resolve("nodes-" + node.port() + ".conf")).exists();
    }
  }

  @Test
  void tlsPortAnswersOverTls(@TempDir Path tmp) throws Exception {
    TestCertificates certs = TestCertificates.selfSigned(tmp);
    try (RedisServer redis =
        RedisServer.builder()
            .tls(certs.cert, certs.key, certs.cert)
            .args("--tls-auth-clients", "no")
            .start()) {
      assertThat(redis.tlsPort()).isNotEqualTo(redis.port());
      assertThat(redis.tlsUrl()).isEqualTo("rediss://127.0.0.1:" + redis.tlsPort() + "/0");
      try (SSLSocket socket =
              (SSLSocket) certs.trustingClient().createSocket(redis.host(), redis.tlsPort());
          Resp resp = new Resp(socket)) {
        assertThat(resp.call("PING")).isEqualTo("PONG");
      }
    }
  }

  @Test
  void serverWithoutTlsHasNoTlsPort() {
    try (RedisServer redis = RedisServer.start()) {
      assertThatThrownBy(redis::tlsPort).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void givenWorkingDirIsUsedAndKept(@TempDir Path tmp) {
    Path dir = tmp.resolve("redis");
    try (RedisServer redis = RedisServer.builder().workingDir(dir).start()) {
      assertThat(redis.workingDir()).isEqualTo(dir.toAbsolutePath());
      assertThat(redis.output()).contains("Ready to accept connections");
    }
    assertThat(dir).isDirectory();
  }

  @Test
  void missingExecutableSaysHowToInstall() {
    assertThatThrownBy(() -> RedisServer.builder().executable("larder-no-such-redis").start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("larder-no-such-redis")
        .hasMessageContaining("apt-get install -y redis-server memcached")
        .hasMessageContaining("./test");
  }

  @Test
  void serverThatExitsIsReportedWithItsOutput() {
    assertThatThrownBy(() -> RedisServer.builder().args("--no-such-directive", "1").start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited with status")
        .hasMessageContaining("no-such-directive")
        .hasMessageContaining("Bad directive");
  }

  @Test
  void serverThatNeverAnswersTimesOutWithItsOutput(@TempDir Path tmp) throws IOException {
    // A "server" that lives but never listens.
    Path fake = tmp.resolve("silent-redis");
    Files.writeString(fake, "#!/bin/sh\necho silent server here\nexec sleep 60\n");
    fake.toFile().setExecutable(true);

    assertThatThrownBy(
            () ->
                RedisServer.builder()
                    .executable(fake.toString())
                    .startupTimeout(Duration.ofMillis(500))
                    .start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("did not answer")
        .hasMessageContaining("silent server here");
  }

  @Test
  void builderRejectsWhatTheLauncherOwns() {
    assertThatThrownBy(() -> RedisServer.builder().args("--port", "6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--port");
    assertThatThrownBy(() -> RedisServer.builder().args("--dir", "/tmp"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--dir");
    assertThatThrownBy(() -> RedisServer.builder().args("a").args("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("args");
    assertThatThrownBy(() -> RedisServer.builder().startupTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT0S");
    Path missing = Path.of("/no/cert");
    assertThatThrownBy(() -> RedisServer.builder().tls(missing, missing, missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/no/cert");
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
    String[] started = output.lines().filter(l -> l.startsWith("started ")).findFirst()
        .orElseThrow(() -> new AssertionError("no server started: " + output)).split(" ");

    assertRefused(Integer.parseInt(started[1]));
    assertThat(Path.of(started[2])).doesNotExist();
  }

  /** Starts a server and exits without stopping it. */
  static final class Orphan {
    public static void main(String[] args) {
      RedisServer redis = RedisServer.start();
      System.out.println("started " + redis.port() + " " + redis.workingDir());
    }
  }

  private static void assertRefused(int port) {
    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
        .isInstanceOf(ConnectException.class);
  }

  /** A minimal RESP client: one command at a time, reply as String, Long, List or null. */
  private static final class Resp implements Closeable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Resp(Socket socket) throws IOException {
      this.socket = socket;
      socket.setSoTimeout(5_000);
      this.in = new BufferedInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
    }

    static Resp connect(int port) throws IOException {
      return new Resp(new Socket("127.0.0.1", port));
    }

    /** Sends a command; an error reply comes back as its line, starting with "-". */
    Object call(String... words) throws IOException {
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.writeBytes(("*" + words.length + "\r\n").getBytes(UTF_8));
      for (String word : words) {
        byte[] bytes = word.getBytes(UTF_8);
        request.writeBytes(("$" + bytes.length + "\r\n").getBytes(UTF_8));
        request.writeBytes(bytes);
        request.writeBytes("\r\n".getBytes(UTF_8));
      }
      out.write(request.toByteArray());
      out.flush();
      return reply();
    }

    private Object reply() throws IOException {
      String line = line();
      switch (line.charAt(0)) {
        case '+':
          return line.substring(1);
        case '-':
          return line;
        case ':':
          return Long.parseLong(line.substring(1));
        case '$':
          int length = Integer.parseInt(line.substring(1));
          if (length < 0) {
            return null;
          }
          String bulk = new String(in.readNBytes(length), UTF_8);
          in.readNBytes(2);
          return bulk;
        case '*':
          int count = Integer.parseInt(line.substring(1));
          List<Object> items = new ArrayList<>();
          for (int i = 0; i < count; i++) {
            items.add(reply());
          }
          return items;
        default:
          throw new IOException("not RESP: " + line);
      }
    }

    private String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b == -1) {
          throw new IOException("connection closed");
        }
        if (b != '\r') {
          line.write(b);
        }
      }
      return line.toString(UTF_8);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
