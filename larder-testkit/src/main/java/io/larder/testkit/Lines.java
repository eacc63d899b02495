package io.larder.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads the CRLF-ended lines of the text protocols the request counters speak. */
final class Lines {
  private Lines() {}

  /**
   * Reads one line, without its CR and LF.
   *
   * @throws IOException if the stream fails or ends mid-line
   */
  static String read(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("connection closed mid-line");
      }
      if (b != '\r') {
        out.write(b);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
