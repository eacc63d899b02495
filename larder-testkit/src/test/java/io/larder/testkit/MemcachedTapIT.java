package io.larder.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How {@link MemcachedTap} counts turns (round trips), driven by a raw client that chooses
 * where its requests are cut: a request the client sends in two pieces, the server answering
 * the first before the second arrives (as TCP may hand a large write over), is one turn; a
 * client that waits for each answer before it writes again takes a turn each, and
 * {@link ServerRequests#checkBulk} fails such a "bulk" call.
 */
class MemcachedTapIT {
  private static MemcachedServer server;

  @BeforeAll
  static void start() throws IOException {
    server = MemcachedServer.start();
    try (Raw direct = new Raw(server.port())) { // straight to the server: no tap counts it
      direct.send("set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\n");
      assertThat(direct.readLines(2)).containsExactly("STORED", "STORED");
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aRequestCutInsideACommandAfterTheServerAnsweredItsStartIsOneTurn() throws IOException {
    try (MemcachedTap tap = MemcachedTap.start(server); Raw client = new Raw(tap.port())) {
      client.send("mg a v q\r\nmg b v");
      // the hit of a is back before the rest is sent: the server answered between the pieces
      assertThat(client.readLines(2)).containsExactly("VA 1", "1");
      client.send(" q\r\nmn\r\n");
      assertThat(client.readLines(3)).containsExactly("VA 1", "2", "MN");

      assertThat(tap.counts().get("mg")).isEqualTo(2);
      assertThat(tap.counts().get("turns")).as("turns; the tap saw %s", tap.counts())
          .isEqualTo(1);
    }
  }

  @Test
  void aRequestCutAfterAnAnsweredCommandAndItsDataIsOneTurn() throws IOException {
    try (MemcachedTap tap = MemcachedTap.start(server); Raw client = new Raw(tap.port())) {
      // memcached answers nothing while a data block is half in, but a command line may be
      client.send("ms c 2\r\nxx\r\nms d 5");
      assertThat(client.readLines(1)).containsExactly("HD");
      client.send("\r\nhello\r\nmn\r\n");
      assertThat(client.readLines(2)).containsExactly("HD", "MN");

      assertThat(tap.counts().get("ms")).isEqualTo(2);
      assertThat(tap.counts().get("turns")).as("turns; the tap saw %s", tap.counts())
          .isEqualTo(1);
    }
  }

  @Test
  void aRequestCutRightAfterAQuietCommandIsOneTurn() throws IOException {
    try (MemcachedTap tap = MemcachedTap.start(server); Raw client = new Raw(tap.port())) {
      client.send("mg a v q\r\n");
      assertThat(client.readLines(2)).containsExactly("VA 1", "1");
      client.send("mg b v q\r\nmn\r\n");
      assertThat(client.readLines(3)).containsExactly("VA 1", "2", "MN");

      assertThat(tap.counts().get("turns")).as("turns; the tap saw %s", tap.counts())
          .isEqualTo(1);
    }
  }

  @Test
  void aClientThatWaitsForEachAnswerTakesATurnEach() throws IOException {
    try (MemcachedTap tap = MemcachedTap.start(server); Raw client = new Raw(tap.port())) {
      client.send("mg a v q\r\nmn\r\n");
      assertThat(client.readLines(3)).containsExactly("VA 1", "1", "MN");
      client.send("get b\r\n");
      assertThat(client.readLines(3)).containsExactly("VALUE b 0 1", "2", "END");
      client.send("ms e 1 q\r\nz\r\nmn\r\n");
      assertThat(client.readLines(1)).containsExactly("MN");

      assertThat(tap.counts().get("turns")).as("turns; the tap saw %s", tap.counts())
          .isEqualTo(3);
    }
  }

  @Test
  void aGetWhoseLastKeyIsSpelledNoreplyIsStillAnsweredSoTheNextGetIsATurnOfItsOwn()
      throws IOException {
    try (MemcachedTap tap = MemcachedTap.start(server); Raw client = new Raw(tap.port())) {
      // on a get line "noreply" is a key, not the flag: the server answers, the client waits
      client.send("get a noreply\r\n");
      assertThat(client.readLines(3)).containsExactly("VALUE a 0 1", "1", "END");
      client.send("get b\r\n");
      assertThat(client.readLines(3)).containsExactly("VALUE b 0 1", "2", "END");

      assertThat(tap.counts().get("turns")).as("turns; the tap saw %s", tap.counts())
          .isEqualTo(2);
    }
  }

  @Test
  void aBulkReadThatTookTwoRoundTripsToOneServerFailsTheBulkCheck() throws IOException {
    try (MemcachedTap tap = MemcachedTap.start(server); Raw client = new Raw(tap.port())) {
      ServerRequests requests = ServerRequests.memcached(List.of(tap));

      RequestCounts before = requests.read();
      client.send("get a b\r\n");
      assertThat(client.readLines(5)).containsExactly("VALUE a 0 1", "1", "VALUE b 0 1", "2",
          "END");
      requests.checkBulk(ServerRequests.Bulk.READ, 2, requests.read().minus(before));

      RequestCounts again = requests.read();
      client.send("get a\r\n");
      assertThat(client.readLines(3)).containsExactly("VALUE a 0 1", "1", "END");
      client.send("get b\r\n");
      assertThat(client.readLines(3)).containsExactly("VALUE b 0 1", "2", "END");
      RequestCounts twoTrips = requests.read().minus(again);
      assertThatThrownBy(() -> requests.checkBulk(ServerRequests.Bulk.READ, 2, twoTrips))
          .isInstanceOf(AssertionError.class).hasMessageContaining("round trips to server 0");
    }
  }

  /** A text-protocol client whose writes go out exactly as given. */
  private static final class Raw implements Closeable {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    Raw(int port) throws IOException {
      socket = new Socket(TestServer.HOST, port);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(10_000);
      in = new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII));
      out = socket.getOutputStream();
    }

    void send(String bytes) throws IOException {
      out.write(bytes.getBytes(US_ASCII));
      out.flush();
    }

    List<String> readLines(int n) throws IOException {
      List<String> lines = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String line = in.readLine();
        if (line == null) {
          throw new IOException("connection closed after " + lines);
        }
        lines.add(line);
      }
      return lines;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
