package io.larder.kyototycoon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TSV-RPC bodies both ways: requests are Base64 in every column, and replies are decoded by
 * the encoding their {@code Content-Type} declares (raw, B, U or Q), with binary values
 * holding NUL, tab, newline and high bytes.
 */
class TsvTest {
  private static final byte[] BINARY = {0, '\t', '\n', '\r', '=', '%', '+', ' ', (byte) 0xE2,
      (byte) 0x98, (byte) 0x95, (byte) 0xFF};

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void requestsEncodeEveryColumnInBase64AndANullValueAsAnEmptyColumn() {
    byte[] body = Tsv.encode(List.of(
        new byte[][] {ascii("key"), BINARY},
        new byte[][] {ascii("oval"), new byte[0]},
        new byte[][] {ascii("nval"), null}));
    assertThat(new String(body, StandardCharsets.US_ASCII))
        .isEqualTo("a2V5\tAAkKDT0lKyDimJX/\nb3ZhbA==\t\nbnZhbA==\t\n");
    assertThat(Tsv.decode(body, Tsv.Encoding.BASE64)).satisfiesExactly(
        row -> {
          assertThat(row[0]).containsExactly(ascii("key"));
          assertThat(row[1]).containsExactly(BINARY);
        },
        row -> assertThat(row[1]).isEmpty(),
        row -> assertThat(row[1]).isEmpty());
  }

  @Test
  void contentTypeDeclaresTheEncoding() {
    assertThat(Tsv.encoding("text/tab-separated-values", 5)).isEqualTo(Tsv.Encoding.RAW);
    assertThat(Tsv.encoding("text/tab-separated-values; colenc=B", 5))
        .isEqualTo(Tsv.Encoding.BASE64);
    assertThat(Tsv.encoding("Text/Tab-Separated-Values;colenc=u", 5))
        .isEqualTo(Tsv.Encoding.URL);
    assertThat(Tsv.encoding("text/tab-separated-values; charset=UTF-8; colenc=\"Q\"", 5))
        .isEqualTo(Tsv.Encoding.QUOTED_PRINTABLE);
    assertThat(Tsv.encoding(null, 0)).as("an empty body needs no type").isEqualTo(Tsv.Encoding.RAW);
    assertThatThrownBy(() -> Tsv.encoding(null, 3)).isInstanceOf(CacheException.class);
    assertThatThrownBy(() -> Tsv.encoding("text/html", 3)).isInstanceOf(CacheException.class)
        .hasMessageContaining("text/html");
    assertThatThrownBy(() -> Tsv.encoding("text/tab-separated-values; colenc=X", 3))
        .isInstanceOf(CacheException.class).hasMessageContaining("colenc=X");
  }

  @Test
  void rawRepliesSplitOnTabAndNewlineAndToleranceForCrAndBareNames() {
    List<byte[][]> rows = Tsv.decode(ascii("num\t42\r\nSIGNALBROAD\n\n_k 1\t0\n"),
        Tsv.Encoding.RAW);
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0)[0]).containsExactly(ascii("num"));
    assertThat(rows.get(0)[1]).containsExactly(ascii("42"));
    assertThat(rows.get(1)[0]).containsExactly(ascii("SIGNALBROAD"));
    assertThat(rows.get(1)[1]).isEmpty();
    assertThat(rows.get(2)[0]).containsExactly(ascii("_k 1"));
  }

  @Test
  void urlEncodedRepliesDecodeAsTheServerWritesThem() {
    // ktutil's urlencode: lower-case hex, and only A-Z a-z 0-9 _ - . ~ left as they are
    String body = "_%00%09%0a%0d%3d%25%2b%20%e2%98%95%ff\t0\nnum\t1\n";
    List<byte[][]> rows = Tsv.decode(ascii(body), Tsv.Encoding.URL);
    assertThat(rows.get(0)[0]).containsExactly(concat(new byte[] {'_'}, BINARY));
    assertThat(rows.get(1)[1]).containsExactly(ascii("1"));
    assertThat(Tsv.urlDecode(ascii("a+b%2B%2"), 0, 8)).as("+ is a space, as kc::urldecode has it")
        .containsExactly(ascii("a b+%2"));
  }

  @Test
  void quotedPrintableRepliesDecode() {
    String body = "=00=09=0A=0D=3D%+ =E2=98=95=FF\tv=\r\nalue\n";
    List<byte[][]> rows = Tsv.decode(ascii(body), Tsv.Encoding.QUOTED_PRINTABLE);
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0)[0]).containsExactly(BINARY);
    assertThat(rows.get(0)[1]).as("a soft break would split the line; the column stops there")
        .containsExactly(ascii("v"));
    assertThat(Tsv.quotedPrintableDecode(ascii("v=\r\nalue=41"), 0, 11))
        .containsExactly(ascii("valueA"));
  }

  @Test
  void base64RepliesDecodeAndSkipStrayCharacters() {
    List<byte[][]> rows = Tsv.decode(ascii("X2sA\tAAkKDT0lKyDimJX/\n"), Tsv.Encoding.BASE64);
    assertThat(rows.get(0)[0]).containsExactly('_', 'k', 0);
    assertThat(rows.get(0)[1]).containsExactly(BINARY);
  }

  @Test
  void printableEscapesControlCharacters() {
    assertThat(Tsv.printable(new byte[] {'D', 'B', ':', 0, '\t'})).isEqualTo("DB:\\x00\\x09");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
