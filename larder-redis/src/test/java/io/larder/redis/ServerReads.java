package io.larder.redis;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.larder.testkit.TestServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Counts the round trips a redis-server served: its {@code total_reads_processed} (one per
 * time it read a client's socket, so a pipeline written at once is one) and its {@code SET}
 * calls, read with {@code INFO stats commandstats} over one connection kept open, so that the
 * counting adds exactly one read of its own between two snapshots and no connection's close
 * lands in between.
 */
final class ServerReads implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;

  /** What the server had counted at one moment. */
  record Snapshot(long reads, long sets) {}

  ServerReads(TestServer server) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(server.host(), server.port()), 5_000);
    socket.setSoTimeout(5_000);
    out = socket.getOutputStream();
    in = new BufferedInputStream(socket.getInputStream());
    snapshot(); // the connection's first read is not counted between two snapshots
  }

  /** Reads the counters now; this read is itself one of the server's reads. */
  Snapshot snapshot() throws IOException {
    out.write("*3\r\n$4\r\nINFO\r\n$5\r\nstats\r\n$12\r\ncommandstats\r\n".getBytes(US_ASCII));
    out.flush();
    String header = line();
    if (!header.startsWith("$")) {
      throw new IOException("INFO answered " + header);
    }
    String info = new String(in.readNBytes(Integer.parseInt(header.substring(1)) + 2), UTF_8);
    return new Snapshot(field(info, "total_reads_processed:"), setCalls(info));
  }

  private static long field(String info, String name) {
    int at = info.indexOf(name);
    if (at < 0) {
      throw new IllegalStateException("no " + name + " in INFO");
    }
    int end = info.indexOf('\r', at);
    return Long.parseLong(info.substring(at + name.length(), end).strip());
  }

  private static long setCalls(String info) {
    int at = info.indexOf("cmdstat_set:calls=");
    if (at < 0) {
      return 0;
    }
    int start = at + "cmdstat_set:calls=".length();
    return Long.parseLong(info.substring(start, info.indexOf(',', start)));
  }

  private String line() throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
