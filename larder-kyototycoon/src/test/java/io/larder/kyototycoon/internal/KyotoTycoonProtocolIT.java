package io.larder.kyototycoon.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.larder.kyototycoon.SharedKyotoTycoon;
import io.larder.testkit.KyotoTycoonServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's messages against the real server, on raw sockets: each binary request the
 * client encodes is answered as {@link ReplyDecoder} expects, each HTTP reply decodes with
 * {@link Tsv} whatever encoding the server picks, and what the in-process fake
 * ({@code KyotoTycoonTestServer}) once guessed is checked against the real behaviour: expiry
 * times, {@code remove_bulk} of an expired record, unknown magic bytes, reply encodings,
 * {@code match_prefix} order and {@code /rpc/increment}'s expiry.
 */
@ExtendWith(SharedKyotoTycoon.class)
class KyotoTycoonProtocolIT {
  private static final int DB = 1;
  private static final byte[] AWKWARD_KEY = "k\u0000\t\n☕".getBytes(UTF_8);
  private static final byte[] AWKWARD_VALUE = {0, '\t', '\n', '\r', (byte) 0xFF, (byte) 0xBF,
      '=', '%', '+', ' '};

  private static KyotoTycoonServer server;
  private String prefix;
  private Binary bin;

  @BeforeAll
  static void server(KyotoTycoonServer shared) {
    server = shared;
  }

  @BeforeEach
  void connect() throws IOException {
    prefix = "proto-" + UUID.randomUUID() + ":";
    bin = new Binary(server.port());
  }

  @AfterEach
  void close() throws IOException {
    bin.close();
  }

  private byte[] key(String name) {
    return (prefix + name).getBytes(UTF_8);
  }

  /** One binary connection: requests encoded by {@link BinaryProtocol}, replies decoded. */
  private static final class Binary implements AutoCloseable {
    final Socket socket;
    final ReplyDecoder decoder = new ReplyDecoder();
    final ByteBuf received = Unpooled.buffer();

    Binary(int port) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(5_000);
    }

    void send(Consumer<ByteBuf> request) throws IOException {
      ByteBuf out = Unpooled.buffer();
      request.accept(out);
      sendRaw(ByteBufUtil.getBytes(out));
      out.release();
    }

    void sendRaw(byte[] bytes) throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
    }

    Reply reply() throws IOException {
      InputStream in = socket.getInputStream();
      byte[] chunk = new byte[8192];
      while (true) {
        Reply r = decoder.next(received);
        if (r != null) {
          return r;
        }
        int n = in.read(chunk);
        if (n < 0) {
          return null; // the server closed the connection
        }
        received.writeBytes(chunk, 0, n);
      }
    }

    Reply call(Consumer<ByteBuf> request) throws IOException {
      send(request);
      return reply();
    }

    /** Reads until the server closes; returns what it sent meanwhile. */
    byte[] readToEnd() throws IOException {
      return socket.getInputStream().readAllBytes();
    }

    @Override
    public void close() throws IOException {
      received.release();
      socket.close();
    }
  }

  private Reply set(long xt, byte[] key, byte[] value) throws IOException {
    return bin.call(out -> BinaryProtocol.setBulk(out, false,
        List.of(new BinaryProtocol.SetRecord(DB, key, value, xt))));
  }

  private List<BinaryProtocol.Found> get(byte[]... keys) throws IOException {
    return ((Reply.Records) bin.call(out -> BinaryProtocol.getBulk(out, DB, List.of(keys))))
        .records();
  }

  /**
   * Returns the current second of the host's clock. The server reads {@code time()}, a coarse
   * clock that may be a few milliseconds behind, so its second can be one less.
   */
  private static long nowSeconds() {
    return Math.floorDiv(System.currentTimeMillis(), 1000);
  }

  // ---- binary protocol ----------------------------------------------------------------------

  @Test
  void setGetAndRemoveBulkCarryAnyBytesAndCountWhatTheyDid() throws IOException {
    byte[] plain = key("plain");
    byte[] awkward = concat(key(""), AWKWARD_KEY);
    Reply stored = bin.call(out -> BinaryProtocol.setBulk(out, false, List.of(
        new BinaryProtocol.SetRecord(DB, plain, new byte[0], Long.MAX_VALUE),
        new BinaryProtocol.SetRecord(DB, awkward, AWKWARD_VALUE, Long.MAX_VALUE))));
    assertThat(stored).isEqualTo(new Reply.Count(BinaryProtocol.SET_BULK, 2));

    List<BinaryProtocol.Found> found = get(awkward, key("missing"), plain);
    assertThat(found).as("only the records found, in request order").hasSize(2);
    assertThat(found.get(0).db()).isEqualTo(DB);
    assertThat(found.get(0).key()).containsExactly(awkward);
    assertThat(found.get(0).value()).containsExactly(AWKWARD_VALUE);
    assertThat(found.get(0).xt()).as("never").isEqualTo(Expiry.XT_MAX);
    assertThat(found.get(1).value()).isEmpty();

    assertThat(get()).as("an empty get_bulk is answered").isEmpty();
    Reply removed = bin.call(out -> BinaryProtocol.removeBulk(out, false, DB,
        List.of(plain, key("missing"), awkward)));
    assertThat(removed).isEqualTo(new Reply.Count(BinaryProtocol.REMOVE_BULK, 2));
    assertThat(get(plain, awkward)).isEmpty();
  }

  @Test
  void aRecordForADatabaseTheServerLacksIsDroppedWithoutAnError() throws IOException {
    Reply stored = bin.call(out -> BinaryProtocol.setBulk(out, false,
        List.of(new BinaryProtocol.SetRecord(7, key("k"), new byte[] {'v'}, 60))));
    assertThat(stored).as("why the store checks db at open")
        .isEqualTo(new Reply.Count(BinaryProtocol.SET_BULK, 0));
  }

  @Test
  void noReplyWritesAreNotAnsweredAndTheNextReplyIsTheNextRequests() throws IOException {
    bin.send(out -> BinaryProtocol.setBulk(out, true,
        List.of(new BinaryProtocol.SetRecord(DB, key("quiet"), new byte[] {'q'}, 60))));
    bin.send(out -> BinaryProtocol.removeBulk(out, true, DB, List.of(key("nothing"))));
    List<BinaryProtocol.Found> found = get(key("quiet"));
    assertThat(found).hasSize(1);
    assertThat(found.get(0).value()).containsExactly('q');
  }

  @Test
  void expiryIsRelativeWhenPositiveAbsoluteWhenNegativeAndReadBackAbsolute() throws IOException {
    long before = nowSeconds();
    set(60, key("rel"), new byte[] {'r'});
    long after = nowSeconds();
    set(-(before + 3_600), key("abs"), new byte[] {'a'});
    set(45L * 86_400, key("days"), new byte[] {'d'});
    List<BinaryProtocol.Found> found = get(key("rel"), key("abs"), key("days"));
    assertThat(found.get(0).xt()).isBetween(before - 1 + 60, after + 60);
    assertThat(found.get(1).xt()).isEqualTo(before + 3_600);
    assertThat(found.get(2).xt()).as("45 days is relative, not a date")
        .isBetween(before - 1 + 45L * 86_400, after + 45L * 86_400);
  }

  @Test
  void xtZeroKeepsTheRecordToTheEndOfTheCurrentSecond() throws IOException {
    // retried until the write and the read fall within one second of the clock
    for (int attempt = 0; attempt < 20; attempt++) {
      long second = nowSeconds();
      set(0, key("zero" + attempt), new byte[] {'z'});
      List<BinaryProtocol.Found> found = get(key("zero" + attempt));
      if (nowSeconds() == second) {
        assertThat(found).as("xt=0 is not 'expired at once'").hasSize(1);
        assertThat(found.get(0).xt()).as("the current second (time() may lag a few ms behind)")
            .isBetween(second - 1, second);
        return;
      }
    }
    throw new AssertionError("20 attempts each straddled a second boundary");
  }

  @Test
  void removeBulkDeletesAnExpiredRecordButDoesNotCountIt() throws IOException {
    long count = count();
    set(-(nowSeconds() - 10), key("expired"), new byte[] {'x'});
    assertThat(count()).as("stored, though expired").isEqualTo(count + 1);
    assertThat(get(key("expired"))).isEmpty();
    Reply removed = bin.call(out -> BinaryProtocol.removeBulk(out, false, DB,
        List.of(key("expired"))));
    assertThat(removed).isEqualTo(new Reply.Count(BinaryProtocol.REMOVE_BULK, 0));
    assertThat(count()).as("but removed").isEqualTo(count);
  }

  @Test
  void playScriptWithoutAScriptingServerAnswersAnErrorAndKeepsTheConnection()
      throws IOException {
    // 0xB4: flags, name size 0, record count 0
    bin.sendRaw(new byte[] {(byte) 0xB4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    assertThat(bin.reply()).isInstanceOf(Reply.Error.class);
    assertThat(get()).as("the same connection still answers").isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {0xB0, 0xBB, 0xBF, 0x80, 0x00})
  void anUnknownMagicByteClosesTheConnectionWithoutAReply(int magic) throws IOException {
    bin.sendRaw(new byte[] {(byte) magic, 0, 0, 0, 0, 0, 0, 0, 0});
    assertThat(bin.readToEnd()).isEmpty();
  }

  // ---- HTTP RPC -----------------------------------------------------------------------------

  /** An HTTP reply: status line, content type and body. */
  private record Http(String statusLine, String contentType, byte[] body) {
    List<byte[][]> rows() {
      return Tsv.decode(body, Tsv.encoding(contentType, body.length));
    }

    byte[] value(String name) {
      for (byte[][] row : rows()) {
        if (Arrays.equals(row[0], name.getBytes(UTF_8))) {
          return row[1];
        }
      }
      return null;
    }
  }

  /** POSTs a TSV body as the client encodes it (Base64 columns) over HTTP/1.0. */
  private static Http post(String procedure, byte[]... namesAndValues) throws IOException {
    List<byte[][]> rows = new ArrayList<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      rows.add(new byte[][] {namesAndValues[i], namesAndValues[i + 1]});
    }
    byte[] body = Tsv.encode(rows);
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5_000);
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.writeBytes(("POST /rpc/" + procedure + " HTTP/1.0\r\nContent-Type: "
          + Tsv.REQUEST_CONTENT_TYPE + "\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(US_ASCII));
      request.writeBytes(body);
      socket.getOutputStream().write(request.toByteArray());
      byte[] reply = socket.getInputStream().readAllBytes();
      int end = indexOf(reply, "\r\n\r\n".getBytes(US_ASCII));
      String head = new String(reply, 0, end, US_ASCII);
      String type = null;
      for (String line : head.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
          type = line.substring("content-type:".length()).trim();
        }
      }
      return new Http(head.split("\r\n")[0], type,
          Arrays.copyOfRange(reply, end + 4, reply.length));
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(US_ASCII);
  }

  private static byte[] db() {
    return ascii(Integer.toString(DB));
  }

  private long count() throws IOException {
    return Long.parseLong(new String(post("status", ascii("DB"), db()).value("count"), UTF_8));
  }

  @Test
  void repliesAreRawUnlessAControlByteOrALongColumnForcesAnEncodingAndAlwaysDecode()
      throws IOException {
    byte[] high = "é☕ bytes from 0x80 up".getBytes(UTF_8);
    byte[] control = {'a', 1, 'b'};
    byte[] del = {'a', 0x7F};
    byte[] shortBinary = new byte[30]; // NULs: URL encoding triples them, Base64 wins
    byte[] longText = "x".repeat(300).getBytes(US_ASCII);
    record Case(String name, byte[] value, String type) {}
    List<Case> cases = List.of(
        new Case("high", high, "text/tab-separated-values"),
        new Case("control", control, "text/tab-separated-values; colenc=U"),
        new Case("del", del, "text/tab-separated-values; colenc=U"),
        new Case("nuls", shortBinary, "text/tab-separated-values; colenc=B"),
        new Case("long", longText, "text/tab-separated-values; colenc=U"));
    for (Case c : cases) {
      byte[] k = key(c.name());
      assertThat(post("set", ascii("DB"), db(), ascii("key"), k, ascii("value"), c.value())
          .statusLine()).startsWith("HTTP/1.1 200");
      Http r = post("get", ascii("DB"), db(), ascii("key"), k);
      assertThat(r.contentType()).as(c.name()).isEqualTo(c.type());
      assertThat(r.value("value")).as(c.name()).containsExactly(c.value());
    }
  }

  @Test
  void aFailedConditionIsStatus450WithItsReasonPhrase() throws IOException {
    post("set", ascii("DB"), db(), ascii("key"), key("k"), ascii("value"), ascii("v"));
    Http r = post("add", ascii("DB"), db(), ascii("key"), key("k"), ascii("value"), ascii("w"));
    assertThat(r.statusLine()).isEqualTo("HTTP/1.1 450 Logical Inconsistency");
    assertThat(new String(r.value("ERROR"), UTF_8)).contains("record duplication");
  }

  @Test
  void matchPrefixListsKeysSortedByNameWithNumLast() throws IOException {
    for (String k : List.of("b", "a", "c\u0001")) {
      post("set", ascii("DB"), db(), ascii("key"), key(k), ascii("value"), ascii("v"));
    }
    List<byte[][]> rows = post("match_prefix", ascii("DB"), db(), ascii("prefix"), key(""))
        .rows();
    List<String> names = rows.stream().map(row -> new String(row[0], UTF_8)).toList();
    assertThat(names).containsExactly("_" + prefix + "a", "_" + prefix + "b",
        "_" + prefix + "c\u0001", "num");
    assertThat(rows.get(3)[1]).containsExactly(ascii("3"));
  }

  @Test
  void incrementTakesTheXtSentAndWithoutOneTheRecordNeverExpires() throws IOException {
    long before = nowSeconds();
    Http first = post("increment", ascii("DB"), db(), ascii("key"), key("n"), ascii("num"),
        ascii("5"), ascii("xt"), ascii("100"));
    assertThat(first.value("num")).containsExactly(ascii("5"));
    assertThat(Long.parseLong(new String(post("check", ascii("DB"), db(), ascii("key"), key("n"))
        .value("xt"), US_ASCII))).isBetween(before - 1 + 100, nowSeconds() + 100);

    post("increment", ascii("DB"), db(), ascii("key"), key("n"), ascii("num"), ascii("2"),
        ascii("xt"), ascii("5000"));
    Http check = post("check", ascii("DB"), db(), ascii("key"), key("n"));
    assertThat(Long.parseLong(new String(check.value("xt"), US_ASCII)))
        .as("an existing record takes the new xt").isGreaterThanOrEqualTo(before - 1 + 5000);

    Http third = post("increment", ascii("DB"), db(), ascii("key"), key("n"), ascii("num"),
        ascii("3"));
    assertThat(third.value("num")).containsExactly(ascii("10"));
    assertThat(post("check", ascii("DB"), db(), ascii("key"), key("n")).value("xt"))
        .as("no xt: never expires").isNull();
    assertThat(get(key("n")).get(0).value()).as("8-byte big-endian")
        .containsExactly(0, 0, 0, 0, 0, 0, 0, 10);
  }

  @AfterEach
  void clearPrefix() throws IOException {
    List<byte[][]> rows = post("match_prefix", ascii("DB"), db(), ascii("prefix"), key(""))
        .rows();
    List<byte[]> keys = new ArrayList<>();
    for (byte[][] row : rows) {
      if (row[0].length > 0 && row[0][0] == '_') {
        keys.add(Arrays.copyOfRange(row[0], 1, row[0].length));
      }
    }
    if (!keys.isEmpty()) {
      try (Binary cleanup = new Binary(server.port())) {
        cleanup.call(out -> BinaryProtocol.removeBulk(out, false, DB, keys));
      }
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("no end of headers in the reply");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
