package io.larder.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The simplest client a multi-get over several memcached servers can have, as a yardstick for
 * the fan-out: one blocking socket per server, a key placed by its {@code hashCode} modulo the
 * servers, each server's keys in one classic {@code get k1 … kn}, every part written before any
 * reply is read, then the replies read in server order into one map. No pipelining, no
 * timeouts, no failover, no checks beyond the protocol's shape: what a minimal blocking client
 * gets from a fan-out. Its 3 ÷ 1 is no bound for other clients (one cheaper per call shows a
 * lower ratio for the same added time); compare the time a call adds from 1 server to 3.
 * Not thread-safe.
 */
final class PlainMultiGet implements AutoCloseable {
  private final Socket[] sockets;
  private final OutputStream[] out;
  private final InputStream[] in;
  private final StringBuilder[] lines;
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int end;

  /**
   * Connects to each server.
   *
   * @param hostPorts the servers, {@code host:port} each
   * @throws IOException if a connection fails
   */
  PlainMultiGet(List<String> hostPorts) throws IOException {
    int n = hostPorts.size();
    sockets = new Socket[n];
    out = new OutputStream[n];
    in = new InputStream[n];
    lines = new StringBuilder[n];
    for (int i = 0; i < n; i++) {
      String hp = hostPorts.get(i);
      int colon = hp.lastIndexOf(':');
      Socket s = new Socket();
      s.connect(new InetSocketAddress(hp.substring(0, colon),
          Integer.parseInt(hp.substring(colon + 1))), 5_000);
      s.setTcpNoDelay(true);
      s.setSoTimeout(5_000);
      sockets[i] = s;
      out[i] = s.getOutputStream();
      in[i] = s.getInputStream();
      lines[i] = new StringBuilder(4096);
    }
  }

  /** Returns the index of the server a key lives on. */
  int serverOf(String key) {
    return Math.floorMod(key.hashCode(), sockets.length);
  }

  /**
   * Stores a value on its server, waiting for the reply.
   *
   * @throws IOException if the server fails or refuses it
   */
  void set(String key, byte[] value) throws IOException {
    int s = serverOf(key);
    OutputStream o = out[s];
    o.write(("set " + key + " 0 0 " + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    o.write(value);
    o.write(new byte[] {'\r', '\n'});
    o.flush();
    pos = end = 0;
    String reply = line(s);
    if (!reply.equals("STORED")) {
      throw new IOException("set of " + key + " answered " + reply);
    }
  }

  /**
   * Reads the keys' values: every server's part written first, then the replies read.
   *
   * @return the hits
   * @throws IOException if a server fails or answers out of protocol
   */
  Map<String, byte[]> getMany(List<String> keys) throws IOException {
    for (StringBuilder l : lines) {
      l.setLength(0);
    }
    for (String key : keys) {
      StringBuilder l = lines[serverOf(key)];
      l.append(l.length() == 0 ? "get " : " ").append(key);
    }
    for (int s = 0; s < sockets.length; s++) {
      if (lines[s].length() > 0) {
        out[s].write(lines[s].append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out[s].flush();
      }
    }
    Map<String, byte[]> found = new HashMap<>(keys.size() * 2);
    for (int s = 0; s < sockets.length; s++) {
      if (lines[s].length() == 0) {
        continue;
      }
      pos = end = 0;
      for (String line = line(s); !line.equals("END"); line = line(s)) {
        // VALUE <key> <flags> <bytes>
        int a = line.indexOf(' ', 6);
        int b = line.indexOf(' ', a + 1);
        if (!line.startsWith("VALUE ") || a < 0 || b < 0) {
          throw new IOException("unexpected reply: " + line);
        }
        byte[] value = new byte[Integer.parseInt(line.substring(b + 1))];
        read(s, value);
        line(s); // the \r\n after the data
        found.put(line.substring(6, a), value);
      }
      if (pos != end) {
        throw new IOException("bytes after END from server " + s);
      }
    }
    return found;
  }

  private String line(int s) throws IOException {
    StringBuilder sb = new StringBuilder(64);
    while (true) {
      if (pos == end) {
        fill(s);
      }
      byte c = buf[pos++];
      if (c == '\n') {
        int len = sb.length();
        return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
      }
      sb.append((char) c);
    }
  }

  private void read(int s, byte[] into) throws IOException {
    int off = 0;
    while (off < into.length) {
      if (pos == end) {
        fill(s);
      }
      int n = Math.min(into.length - off, end - pos);
      System.arraycopy(buf, pos, into, off, n);
      pos += n;
      off += n;
    }
  }

  private void fill(int s) throws IOException {
    int n = in[s].read(buf, 0, buf.length);
    if (n < 0) {
      throw new IOException("server " + s + " closed the connection");
    }
    pos = 0;
    end = n;
  }

  /** Closes every connection. */
  @Override
  public void close() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
  }
}
