package io.larder.memcached.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scripted stand-in for memcached on a loopback port, for client tests that need a server to
 * misbehave on cue: stop answering, hang up, claim an old version or a small item size limit.
 * It answers the opening {@code version}/{@code stats} itself and every other command line
 * with what {@link #answer} returns ({@code null}: no answer at all). Data blocks of
 * {@code ms} are read and recorded with their command.
 */
final class FakeMemcached implements AutoCloseable {
  private final ServerSocket socket;
  private final List<Socket> clients = new CopyOnWriteArrayList<>();
  /** Every command line received, in order (data blocks appended after a space). */
  final BlockingQueue<String> received = new LinkedBlockingQueue<>();
  /** The command lines of each connection, in the order the connections were accepted. */
  final List<BlockingQueue<String>> receivedOn = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();
  /** How many replies the fake has written (each is in the client's socket once counted). */
  final AtomicInteger answers = new AtomicInteger();
  /** The command lines answered, each added once its reply is in the client's socket. */
  final BlockingQueue<String> answered = new LinkedBlockingQueue<>();
  /** Connections past this many are refused as memcached at {@code maxconns} refuses them. */
  volatile int maxConnections = Integer.MAX_VALUE;
  /** How many connections were refused so. */
  final AtomicInteger refused = new AtomicInteger();
  volatile String version = "1.6.18";
  volatile long itemSizeMax = 1 << 20;
  /**
   * In an answer, where the fake writes the part before, pauses a moment and then writes the
   * rest: a reply split over two reads.
   */
  static final String PAUSE = "<pause>";
  volatile Function<String, String> answer = line -> line.startsWith("mg") ? "EN" : "HD";
  private final Thread acceptor;

  FakeMemcached() throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "fake-memcached-" + socket.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket client = socket.accept();
        if (connections.get() >= maxConnections) {
          try (client) {
            client.getOutputStream().write(
                "ERROR Too many open connections\r\n".getBytes(US_ASCII));
          }
          refused.incrementAndGet();
          continue;
        }
        clients.add(client);
        connections.incrementAndGet();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        receivedOn.add(lines);
        Thread t = new Thread(() -> serve(client, lines), "fake-memcached-client");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client, BlockingQueue<String> lines) {
    try (client; InputStream in = client.getInputStream();
         OutputStream out = client.getOutputStream()) {
      String line;
      while ((line = readLine(in)) != null) {
        String reply;
        if (line.startsWith("ms ") || line.startsWith("set ")) {
          String[] words = line.split(" ");
          int length = Integer.parseInt(words[line.startsWith("ms ") ? 2 : 4]);
          byte[] data = in.readNBytes(length + 2);
          received.add(line + " " + new String(data, 0, length, US_ASCII));
        } else {
          received.add(line);
        }
        lines.add(line);
        switch (line) {
          case "version" -> reply = "VERSION " + version;
          case "stats settings" -> reply = "STAT maxbytes 67108864\r\nSTAT item_size_max "
              + itemSizeMax + "\r\nEND";
          case "stats" -> reply = "STAT pid 1\r\nSTAT time " + System.currentTimeMillis() / 1000
              + "\r\nEND";
          case "mn" -> reply = "MN";
          default -> reply = answer.apply(line);
        }
        boolean quiet = line.startsWith("m") && line.matches(".* q( .*)?");
        if (quiet && reply != null && (reply.equals("HD") || reply.equals("EN"))) {
          reply = null; // what quiet mode suppresses
        }
        if (reply != null) {
          int pause = reply.indexOf(PAUSE);
          if (pause >= 0) { // the first part alone, as a slow network delivers it
            out.write(reply.substring(0, pause).getBytes(US_ASCII));
            out.flush();
            pause();
            reply = reply.substring(pause + PAUSE.length());
          }
          out.write((reply + "\r\n").getBytes(US_ASCII));
          out.flush();
          answers.incrementAndGet();
          answered.add(line);
        }
      }
    } catch (IOException e) {
      // the client or the test hung up
    }
  }

  /** Holds the rest of the reply back for a moment, so the client reads the first part alone. */
  private static void pause() {
    try {
      new CountDownLatch(1).await(100, TimeUnit.MILLISECONDS); // nobody counts it down
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        String s = line.toString(US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    return null;
  }

  /** Hangs up on every client, as a crashed server would. */
  void dropClients() throws IOException {
    for (Socket c : clients) {
      c.close();
    }
    clients.clear();
  }

  @Override
  public void close() throws IOException {
    socket.close();
    dropClients();
  }
}
