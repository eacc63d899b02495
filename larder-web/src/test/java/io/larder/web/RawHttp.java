package io.larder.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A bare HTTP/1.1 client over a socket, so tests control every header (Host included) and
 * see exactly what the server sent.
 */
final class RawHttp {
  private RawHttp() {}

  /** A response: status, header values by lower-case name, body. */
  record Response(int status, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : values.get(0);
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String xCache() {
      return header("X-Cache");
    }
  }

  static Response send(int port, String method, String target, String... headers)
      throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      StringBuilder req = new StringBuilder();
      req.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      boolean host = false;
      for (int i = 0; i < headers.length; i += 2) {
        host |= headers[i].equalsIgnoreCase("Host");
        req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
      if (!host) {
        req.append("Host: 127.0.0.1:").append(port).append("\r\n");
      }
      req.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return read(socket.getInputStream(), method.equals("HEAD"));
    }
  }

  private static Response read(InputStream in, boolean head) throws IOException {
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String l = line(in); !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          k -> new ArrayList<>()).add(l.substring(colon + 1).trim());
    }
    byte[] body;
    List<String> te = headers.get("transfer-encoding");
    List<String> cl = headers.get("content-length");
    if (head || status == 304 || status == 204) {
      body = new byte[0];
    } else if (te != null && te.get(0).equalsIgnoreCase("chunked")) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int n = Integer.parseInt(line(in).split(";")[0].trim(), 16); n > 0;
          n = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
        b.write(in.readNBytes(n));
        line(in);
      }
      while (!line(in).isEmpty()) {
        // trailers
      }
      body = b.toByteArray();
    } else if (cl != null) {
      body = in.readNBytes(Integer.parseInt(cl.get(0)));
    } else {
      body = in.readAllBytes();
    }
    return new Response(status, headers, body);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        b.write(c);
      }
    }
    if (c == -1 && b.size() == 0) {
      throw new IOException("connection closed");
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }
}
