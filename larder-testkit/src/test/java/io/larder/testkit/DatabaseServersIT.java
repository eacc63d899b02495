package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The PostgreSQL and MariaDB launchers: up, crash, back on the same port, gone for good. */
class DatabaseServersIT {

  @Test
  void postgresAcceptsSessionsSurvivesAKillAndLeavesNothingBehind() throws IOException {
    PostgresServer pg = PostgresServer.start();
    try {
      assertThat(pg.url()).isEqualTo("postgresql://postgres@127.0.0.1:" + pg.port() + "/postgres");
      assertThat(probe(pg.port(), PostgresServer::acceptsSession)).isTrue();
      List<ProcessHandle> backends = pg.process.descendantsForTest();
      assertThat(backends).isNotEmpty(); // checkpointer, writer, ... forked by postmaster

      pg.kill();
      assertThat(backends).noneMatch(ProcessHandle::isAlive);
      assertThat(probe(pg.port(), PostgresServer::acceptsSession)).isFalse();

      pg.restart();
      assertThat(probe(pg.port(), PostgresServer::acceptsSession)).isTrue();
    } finally {
      pg.stop();
    }
    assertThat(Files.exists(pg.process.dir())).isFalse();
    assertThat(pg.isRunning()).isFalse();
  }

  @Test
  void mariaDbGreetsSurvivesAKillAndLeavesNothingBehind() throws IOException {
    MariaDbServer db = MariaDbServer.start();
    Path dir = db.process.dir();
    try {
      assertThat(db.url())
          .isEqualTo("mariadb://larder:larder@127.0.0.1:" + db.port() + "/larder");
      assertThat(probe(db.port(), MariaDbServer::greets)).isTrue();

      db.kill();
      assertThat(probe(db.port(), MariaDbServer::greets)).isFalse();

      db.restart();
      assertThat(probe(db.port(), MariaDbServer::greets)).isTrue();
    } finally {
      db.stop();
    }
    assertThat(Files.exists(dir)).isFalse();
  }

  private static boolean probe(int port, ServerProcess.Probe probe) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(FreePorts.LOOPBACK, port), 1_000);
      socket.setSoTimeout(5_000);
      return probe.answers(socket);
    } catch (IOException e) {
      return false;
    }
  }
}
