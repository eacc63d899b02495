package io.larder.memcached;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.larder.testkit.TestServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** Asks a memcached server directly, past any tap and client, what it holds. */
final class RawMeta {
  private RawMeta() {}

  /**
   * Returns the seconds a key has left ({@code mg <key> t}): -1 for no expiry, {@code null} if
   * the server does not hold the key.
   */
  static Long ttlSeconds(TestServer server, String key) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(server.host(), server.port()), 5_000);
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(("mg " + key + " t\r\n").getBytes(US_ASCII));
      out.flush();
      String reply = new BufferedReader(new InputStreamReader(s.getInputStream(), US_ASCII))
          .readLine();
      if (reply.equals("EN")) {
        return null;
      }
      if (!reply.startsWith("HD t")) {
        throw new IOException("mg " + key + " t answered " + reply);
      }
      return Long.parseLong(reply.substring("HD t".length()));
    }
  }
}
