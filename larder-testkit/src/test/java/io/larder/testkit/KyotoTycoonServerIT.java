package io.larder.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

/** The launcher against the real {@code ktserver}; skipped when there is none. */
class KyotoTycoonServerIT {

  /** Sends one HTTP/1.0 request and returns the whole reply. */
  private static String http(int port, String pathAndQuery, int timeoutMillis)
      throws IOException {
    try (Socket socket = new Socket(FreePorts.LOOPBACK, port)) {
      socket.setSoTimeout(timeoutMillis);
      socket.getOutputStream().write(("GET " + pathAndQuery + " HTTP/1.0\r\n\r\n")
          .getBytes(US_ASCII));
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  @Test
  void startedServerHasTwoInMemoryDatabasesOnALowPort() throws IOException {
    try (KyotoTycoonServer kt = KyotoTycoonServer.startOrSkip()) {
      assertThat(kt.port()).isBetween(10_000, KyotoTycoonServer.MAX_PORT);
      assertThat(kt.url()).isEqualTo("kt://127.0.0.1:" + kt.port());
      assertThat(kt.version()).startsWith("0.9.");
      assertThat(kt.executable()).isAbsolute();
      String report = http(kt.port(), "/rpc/report", 5_000);
      assertThat(report).contains("db_0\tcount=0").contains("db_1\tcount=0")
          .contains("path=:").contains("serv_proc_id\t" + kt.pid());
      assertThat(http(kt.port(), "/rpc/set?DB=1&key=k&value=v", 5_000)).startsWith("HTTP/1.1 200");
      assertThat(http(kt.port(), "/rpc/get?DB=1&key=k", 5_000)).endsWith("value\tv\n");
    }
  }

  @Test
  void restartComesBackOnTheSamePortAndEmpty() throws IOException {
    try (KyotoTycoonServer kt = KyotoTycoonServer.startOrSkip()) {
      int port = kt.port();
      long pid = kt.pid();
      http(port, "/rpc/set?key=k&value=v", 5_000);
      kt.kill();
      assertThat(kt.isRunning()).isFalse();
      assertThatThrownBy(() -> http(port, "/rpc/void", 5_000)).isInstanceOf(ConnectException.class);
      kt.restart();
      assertThat(kt.port()).isEqualTo(port);
      assertThat(kt.pid()).isNotEqualTo(pid);
      assertThat(http(port, "/rpc/get?key=k", 5_000)).startsWith("HTTP/1.1 450");
    }
  }

  @Test
  void aPausedServerAcceptsButDoesNotAnswerUntilResumed() throws Exception {
    try (KyotoTycoonServer kt = KyotoTycoonServer.startOrSkip()) {
      kt.pause();
      assertThatThrownBy(() -> http(kt.port(), "/rpc/void", 300))
          .isInstanceOf(SocketTimeoutException.class);
      kt.resume();
      assertThat(http(kt.port(), "/rpc/void", 5_000)).startsWith("HTTP/1.1 200");
      kt.pause();
    } // stop() resumes a paused server before asking it to exit
  }

  @Test
  void stoppedServerRefusesConnectionsAndCannotRestart() {
    KyotoTycoonServer kt = KyotoTycoonServer.startOrSkip();
    kt.stop();
    kt.stop(); // idempotent
    assertThat(kt.isRunning()).isFalse();
    assertThatThrownBy(() -> http(kt.port(), "/rpc/void", 5_000))
        .isInstanceOf(ConnectException.class);
    assertThatThrownBy(kt::restart).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stopped");
  }

  @Test
  void databasesAndArgumentsReachTheServer() throws IOException {
    try (KyotoTycoonServer kt = KyotoTycoonServer.builder().databases("*#capsiz=1m")
        .args("-th", "2").startOrSkip()) {
      String report = http(kt.port(), "/rpc/report", 5_000);
      assertThat(report).contains("db_0\t").doesNotContain("db_1\t")
          .contains("serv_thread_count\t2");
    }
  }

  @Test
  void aServerThatExitsIsReportedWithItsOutput() {
    KyotoTycoonServer.Builder bad = KyotoTycoonServer.builder().databases("/nonexistent/dir/x.kch");
    KyotoTycoonServer.locate().ifPresentOrElse(
        path -> assertThatThrownBy(bad::start).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("exited with status").hasMessageContaining("x.kch"),
        () -> bad.startOrSkip());
  }
}
