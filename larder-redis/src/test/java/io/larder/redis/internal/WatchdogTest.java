package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The watchdog that stands in for the caller-thread connection's socket timeout. */
class WatchdogTest {
  @Test
  void aCallDoneBeforeItsDeadlineLeavesItsSocketOpenAfterwards() throws Exception {
    watching((socket, watchdog) -> {
      long last = 0;
      for (int i = 0; i < 1_000; i++) { // each one done at once, its deadline soon after
        last = System.nanoTime() + 300_000_000L;
        watchdog.done(watchdog.watch(socket, last));
      }
      while (System.nanoTime() - last < 100_000_000L) { // the watchdog wakes past them all
        Thread.sleep(20);
      }
      assertThat(socket.isClosed()).as("closed by the watchdog after its calls were done")
          .isFalse();
    });
  }

  @Test
  void aBlockedReadPastItsDeadlineFailsAsATimeoutAndClosesItsSocket() throws Exception {
    watching((socket, watchdog) -> {
      // a later deadline first, so that the watchdog sleeps past the one that matters
      watchdog.done(watchdog.watch(socket, System.nanoTime() + TimeUnit.SECONDS.toNanos(60)));
      long id = watchdog.watch(socket, System.nanoTime() + 100_000_000L);
      assertThatThrownBy(() -> {
        try {
          socket.getInputStream().read(); // nothing is ever sent
        } catch (IOException e) {
          watchdog.done(id, e);
          throw e;
        }
      }).isInstanceOf(SocketTimeoutException.class);
      assertThat(socket.isClosed()).isTrue();
    });
  }

  @Test
  void aCallTheWatchdogTimedOutFailsEvenIfItEndsWell() throws Exception {
    watching((socket, watchdog) -> {
      long id = watchdog.watch(socket, System.nanoTime()); // due at once
      long bound = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!socket.isClosed() && System.nanoTime() - bound < 0) {
        Thread.sleep(5);
      }
      assertThat(socket.isClosed()).isTrue();
      assertThatThrownBy(() -> watchdog.done(id)).isInstanceOf(SocketTimeoutException.class);
    });
  }

  /** A test's body, given a connected loopback socket and a watchdog. */
  @FunctionalInterface
  private interface Body {
    void run(Socket socket, Watchdog watchdog) throws Exception;
  }

  /** Runs a body on a connected loopback socket (the peer never sends) and a new watchdog. */
  private static void watching(Body body) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket socket = new Socket(server.getInetAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      Watchdog watchdog = new Watchdog("test-watchdog");
      try {
        body.run(socket, watchdog);
      } finally {
        watchdog.stop();
      }
    }
  }
}
