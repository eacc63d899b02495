package io.larder.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link ReplyRelay} against a one-shot server on loopback: it relays to loopback only, and
 * what the server sent before it hung up, or before the client stopped sending, still reaches
 * the client, delayed as every reply is.
 */
class ReplyRelayTest {

  @Test
  void aTargetOutsideTheLoopbackIsRefused() {
    assertThatThrownBy(() -> ReplyRelay.start("192.0.2.1", 11211, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("192.0.2.1");
  }

  @Test
  void theLastReplyBeforeTheServerHangsUpReachesTheClient() throws Exception {
    byte[] refusal = "ERROR Too many open connections\r\n".getBytes(US_ASCII);
    assertThat(throughRelay(refusal, false)).isEqualTo(refusal);
  }

  @Test
  void repliesToWhatTheClientSentBeforeItsHalfCloseReachIt() throws Exception {
    byte[] answer = "VERSION 1.6\r\n".getBytes(US_ASCII);
    assertThat(throughRelay(answer, true)).isEqualTo(answer);
  }

  /**
   * Sends {@code version} through a relay with a 1 ms delay to a server that answers
   * {@code reply} and hangs up (after the client's end of stream, if {@code clientHalfCloses});
   * returns all the client read before the end of the stream.
   */
  private static byte[] throughRelay(byte[] reply, boolean clientHalfCloses) throws Exception {
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(FreePorts.LOOPBACK, 0));
      Thread serving = new Thread(() -> {
        try (Socket s = server.accept()) {
          InputStream in = s.getInputStream();
          in.readNBytes("version\r\n".length());
          s.getOutputStream().write(reply);
          if (clientHalfCloses) {
            assertThat(in.read()).as("end of the client's stream").isEqualTo(-1);
          }
        } catch (Exception e) {
          // the test's read fails then
        }
      });
      serving.start();
      try (ReplyRelay relay = ReplyRelay.start(TestServer.HOST, server.getLocalPort(),
              Duration.ofMillis(1));
          Socket client = new Socket(relay.host(), relay.port())) {
        client.setSoTimeout(30_000);
        client.getOutputStream().write("version\r\n".getBytes(US_ASCII));
        if (clientHalfCloses) {
          client.shutdownOutput();
        }
        byte[] got = client.getInputStream().readAllBytes();
        serving.join(30_000);
        return got;
      }
    }
  }
}
