package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.StoreUrl;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The caller-thread connection against a fake server on a local socket: its reply parser, with
 * every reply sent in chunks of 1 to 700 bytes, so that values start and end at every kind of
 * read boundary (values around the read buffer's size and past it, and hundreds in one array,
 * compared byte for byte); and the thread its reconnection runs on.
 */
class DirectConnectionReadTest {
  /** Sizes at and around the 64 kB read buffer, and one read partly straight into the value. */
  private static final int[] EDGES = {0, 1, 65_535, 65_536, 65_537, 200_000};

  @Test
  void repliesSplitAnywhereAreReadByteForByte() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    List<byte[]> edges = new ArrayList<>();
    for (int size : EDGES) {
      edges.add(bytes(random, size));
    }
    List<byte[]> many = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      many.add(bytes(random, random.nextInt(10) == 0 ? random.nextInt(140_000)
          : random.nextInt(2_000)));
    }
    List<byte[]> replies = new ArrayList<>();
    replies.add(ascii("+OK\r\n")); // CLIENT SETNAME
    for (byte[] value : edges) {
      replies.add(bulk(value)); // one GET each, pipelined
    }
    replies.add(array(many));
    replies.add(array(edges));

    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> serve(server, replies,
          new Random(seed + 1)));
      DirectConnection connection = new DirectConnection(RedisConfig.parse(StoreUrl.parse(
          "redis://127.0.0.1:" + server.getLocalPort())), r -> { });
      connection.connect();
      try {
        assertThat(connection.connected()).as("the handshake's +OK read").isTrue();
        List<byte[][]> gets = new ArrayList<>();
        for (int i = 0; i < edges.size(); i++) {
          gets.add(new byte[][] {ascii("GET"), ascii("edge " + i)});
        }
        List<Object> got = connection.run(far(), gets);
        assertThat(got).hasSize(edges.size());
        for (int i = 0; i < edges.size(); i++) {
          same((byte[]) got.get(i), edges.get(i), "GET of " + EDGES[i] + " bytes", seed);
        }
        sameArray(connection.run(far(), List.<byte[][]>of(mget(many.size()))), many, seed);
        sameArray(connection.run(far(), List.<byte[][]>of(mget(edges.size()))), edges, seed);
      } finally {
        connection.close();
      }
      serving.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aDroppedConnectionReconnectsOnALarderThreadNotLettuces() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(30_000);
      CompletableFuture<String> reconnecting = CompletableFuture.supplyAsync(() -> {
        try {
          try (Socket first = server.accept()) {
            answerHandshake(first);
            readRequest(first.getInputStream()); // then hangs up instead of answering it
          }
          try (Socket second = server.accept()) {
            readRequest(second.getInputStream());
            // the reconnecting thread waits in open() for this answer
            String who = Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> java.util.Arrays.stream(e.getValue()).anyMatch(f ->
                    f.getClassName().equals(DirectConnection.class.getName())
                        && f.getMethodName().equals("open")))
                .map(e -> e.getKey().getName() + (e.getKey().isDaemon() ? " (daemon)" : ""))
                .findFirst().orElse("none");
            second.getOutputStream().write(ascii("+OK\r\n"));
            return who;
          }
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      DirectConnections pool = new DirectConnections(RedisConfig.parse(StoreUrl.parse(
          "redis://127.0.0.1:" + server.getLocalPort())), 1); // as a store makes them
      pool.connect();
      try {
        // the server hangs up: the connection reconnects in the background
        assertThatThrownBy(() -> pool.run(far(),
            List.<byte[][]>of(new byte[][] {ascii("GET"), ascii("k")}), false))
            .isInstanceOf(IOException.class);
        assertThat(reconnecting.get(30, TimeUnit.SECONDS))
            .isEqualTo("larder-redis-reconnect (daemon)");
      } finally {
        pool.close();
      }
    }
  }

  @Test
  void closeEndsTheWatchdogThread() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(30_000);
      CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> serve(server,
          List.of(ascii("+OK\r\n")), new Random())); // the handshake, then the hang-up
      DirectConnection connection = new DirectConnection(RedisConfig.parse(StoreUrl.parse(
          "redis://127.0.0.1:" + server.getLocalPort())), r -> { });
      Thread watchdog;
      try {
        connection.connect();
        assertThat(connection.connected()).isTrue();
        watchdog = Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("larder-redis-watchdog 127.0.0.1:"
                + server.getLocalPort()))
            .findFirst().orElseThrow();
      } finally {
        connection.close();
      }
      watchdog.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(watchdog.isAlive()).as("the watchdog thread after close()").isFalse();
      serving.get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * The socket has no timeout of its own (its reads block in one read(2)): a reply that never
   * comes must still end the call at its deadline, as a timeout, and close the connection.
   * Without the watchdog the call would block for good and the test fail at its 30 s bound.
   */
  @Test
  void aReplyThatNeverComesTimesTheCallOutAtItsDeadline() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> silent = new CompletableFuture<>();
      CompletableFuture<Void> serving = silentAfter(server, true, silent); // the GET
      DirectConnection connection = new DirectConnection(RedisConfig.parse(StoreUrl.parse(
          "redis://127.0.0.1:" + server.getLocalPort())), r -> { });
      connection.connect();
      try {
        assertThat(connection.connected()).isTrue();
        CompletableFuture<List<Object>> call = CompletableFuture.supplyAsync(() -> {
          try {
            return connection.run(System.nanoTime() + 200_000_000L,
                List.<byte[][]>of(new byte[][] {ascii("GET"), ascii("k")}));
          } catch (IOException e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        });
        assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
            .hasCauseInstanceOf(java.net.SocketTimeoutException.class);
        assertThat(connection.connected()).as("a timed-out socket is not used again").isFalse();
      } finally {
        silent.complete(null);
        connection.close();
      }
      serving.get(30, TimeUnit.SECONDS);
    }
  }

  /** A server that accepts but never answers the handshake: connecting gives up by its timeout. */
  @Test
  void aHandshakeThatNeverComesGivesUpByTheConnectTimeout() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> silent = new CompletableFuture<>();
      CompletableFuture<Void> serving = silentAfter(server, false, silent); // CLIENT SETNAME
      DirectConnection connection = new DirectConnection(RedisConfig.parse(StoreUrl.parse(
          "redis://127.0.0.1:" + server.getLocalPort() + "?connectTimeout=200ms")), r -> { });
      try {
        CompletableFuture.runAsync(connection::connect).get(30, TimeUnit.SECONDS);
        assertThat(connection.connected()).isFalse();
      } finally {
        silent.complete(null);
        connection.close();
      }
      serving.get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * A fake server that accepts one connection, answers the handshake if asked, reads the next
   * request and never answers it, until {@code release} completes.
   */
  private static CompletableFuture<Void> silentAfter(ServerSocket server, boolean handshake,
      CompletableFuture<Void> release) throws IOException {
    server.setSoTimeout(30_000);
    return CompletableFuture.runAsync(() -> {
      try (Socket s = server.accept()) {
        if (handshake) {
          answerHandshake(s);
        }
        readRequest(s.getInputStream());
        release.get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static void answerHandshake(Socket s) throws IOException {
    readRequest(s.getInputStream());
    s.getOutputStream().write(ascii("+OK\r\n"));
  }

  private static void sameArray(List<Object> got, List<byte[]> expected, long seed) {
    assertThat(got).hasSize(1);
    List<?> values = (List<?>) got.get(0);
    assertThat(values).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      same((byte[]) values.get(i), expected.get(i), "value " + i + " of an MGET", seed);
    }
  }

  private static void same(byte[] got, byte[] expected, String what, long seed) {
    assertThat(got.length).as("%s: length (seed %d)", what, seed).isEqualTo(expected.length);
    assertThat(java.util.Arrays.mismatch(got, expected))
        .as("%s: the first differing byte (seed %d)", what, seed).isEqualTo(-1);
  }

  /**
   * The fake server: accepts one connection, reads each request (a RESP array) and answers it
   * with the next reply, written in chunks of 1 to 700 bytes.
   */
  private static void serve(ServerSocket server, List<byte[]> replies, Random random) {
    try (Socket s = server.accept()) {
      s.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      for (byte[] reply : replies) {
        readRequest(in);
        for (int at = 0; at < reply.length; ) {
          int n = Math.min(reply.length - at, 1 + random.nextInt(700));
          out.write(reply, at, n);
          out.flush();
          at += n;
        }
      }
      assertThat(in.read()).as("no request beyond the replies").isEqualTo(-1);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Reads one command: {@code *N}, then N times {@code $len}, the bytes and CR LF. */
  private static void readRequest(InputStream in) throws IOException {
    String count = readLine(in);
    assertThat(count).startsWith("*");
    for (int i = Integer.parseInt(count.substring(1)); i > 0; i--) {
      String length = readLine(in);
      assertThat(length).startsWith("$");
      long skip = Long.parseLong(length.substring(1)) + 2;
      while (skip > 0) {
        long n = in.skip(skip);
        if (n <= 0) {
          throw new EOFException("in a request");
        }
        skip -= n;
      }
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\r'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("in a request line");
      }
      line.write(c);
    }
    assertThat(in.read()).isEqualTo('\n');
    return line.toString(StandardCharsets.US_ASCII);
  }

  private static byte[] bulk(byte[] value) {
    ByteArrayOutputStream reply = new ByteArrayOutputStream(value.length + 16);
    reply.writeBytes(ascii("$" + value.length + "\r\n"));
    reply.writeBytes(value);
    reply.writeBytes(ascii("\r\n"));
    return reply.toByteArray();
  }

  private static byte[] array(List<byte[]> values) {
    ByteArrayOutputStream reply = new ByteArrayOutputStream();
    reply.writeBytes(ascii("*" + values.size() + "\r\n"));
    for (byte[] value : values) {
      reply.writeBytes(bulk(value));
    }
    return reply.toByteArray();
  }

  private static byte[][] mget(int keys) {
    byte[][] command = new byte[keys + 1][];
    command[0] = ascii("MGET");
    for (int i = 1; i <= keys; i++) {
      command[i] = ascii("key " + i);
    }
    return command;
  }

  /** Random bytes, CR and LF among them. */
  private static byte[] bytes(Random random, int size) {
    byte[] value = new byte[size];
    random.nextBytes(value);
    return value;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static long far() {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
  }
}
