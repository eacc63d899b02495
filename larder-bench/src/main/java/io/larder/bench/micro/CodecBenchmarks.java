package io.larder.bench.micro;

import io.larder.Codec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Codecs: one encode and one decode of a value per operation, through Larder's {@link Codec}s
 * beside the JDK calls a hand-written codec would make for the same value:
 *
 * <ul>
 *   <li>{@link Codec#utf8()} on 1 kB of ASCII text and on 1 kB of accented text, beside
 *       {@code String.getBytes} / {@code new String}. Larder decodes strictly (malformed bytes
 *       fail instead of turning into U+FFFD), which needs a {@code CharsetDecoder} for
 *       non-ASCII bytes; {@code new String} is lenient.
 *   <li>{@link Codec#serialized} of a small record beside plain {@code ObjectOutputStream} /
 *       {@code ObjectInputStream} with an allow-list {@link ObjectInputFilter} of the same
 *       classes and limits, so that both pay for a filter.
 *   <li>{@link Codec#compressed} over {@link Codec#utf8()} on 10 kB of JSON-like text (deflated
 *       to about a tenth) beside {@code getBytes}, {@code DeflaterOutputStream} /
 *       {@code InflaterInputStream} at the same level (zlib's default) with 8 kB buffers, and
 *       {@code new String}.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmarks {
  /**
   * A small serializable value: a book as a catalogue page caches it.
   *
   * @param id the book's id
   * @param title its title
   * @param author its author
   * @param year the year it appeared
   * @param price its price
   */
  public record Book(long id, String title, String author, int year, double price)
      implements Serializable {}

  /** The baseline's filter: the same classes and limits as Larder's serialized codec. */
  private static final ObjectInputFilter RAW_FILTER = ObjectInputFilter.Config.createFilter(
      "maxdepth=20;maxrefs=100000;maxarray=1000000;" + Book.class.getName()
          + ";java.lang.String;java.lang.Boolean;java.lang.Byte;java.lang.Character"
          + ";java.lang.Short;java.lang.Integer;java.lang.Long;java.lang.Float;java.lang.Double"
          + ";java.lang.Number;java.lang.Enum;!*");

  private static final int BUFFER = 8192;

  private final Codec<String> utf8 = Codec.utf8();
  private final Codec<Book> serialized = Codec.serialized(Book.class);
  private final Codec<String> compressed = Codec.compressed(Codec.utf8(), 256);

  // not final, so that the JIT cannot fold the values into constants
  private String ascii;
  private String accented;
  private Book book;
  private String json;

  /**
   * Builds the values and checks that every round trip, Larder's and the baseline's, works.
   *
   * @throws IOException never, the streams being in memory
   * @throws ClassNotFoundException never, the class being on the class path
   * @throws IllegalStateException if a round trip changes its value, or Larder's compressed
   *     form is not about the size of the baseline's
   */
  @Setup
  public void setUp() throws IOException, ClassNotFoundException {
    ascii = text("The quick brown fox jumps over the lazy dog; ", 1_024);
    accented = text("Zoë's café in Kraków serves crème brûlée, naïve Ωmega — ½ price! ",
        1_024);
    book = new Book(312L, "The Left Hand of Darkness", "Ursula K. Le Guin", 1969, 9.99);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < 10_240; i++) {
      sb.append(String.format(Locale.ROOT, "{\"id\":%d,\"title\":\"Book number %d\","
          + "\"tags\":[\"fiction\",\"classic\"],\"price\":%.2f,\"inStock\":%b},",
          i, i, i * 1.25, i % 3 == 0));
    }
    json = sb.substring(0, 10_240);
    check(asciiLarder(), ascii);
    check(asciiRaw(), ascii);
    check(accentedLarder(), accented);
    check(accentedRaw(), accented);
    check(serializedLarder(), book);
    check(serializedRaw(), book);
    check(compressedLarder(), json);
    check(compressedRaw(), json);
    int larderSize = compressed.encode(json).length;
    int rawSize = deflate(json.getBytes(StandardCharsets.UTF_8)).length;
    // Larder's form adds a mark, the flags and the inflated length's varint (bounded inflation)
    if (larderSize > rawSize + 8 || larderSize * 4 > json.length()) {
      throw new IllegalStateException("compressed sizes differ: Larder " + larderSize
          + " bytes, raw " + rawSize + " bytes, of " + json.length());
    }
  }

  /** Repeats {@code unit} and cuts it where its UTF-8 form reaches {@code bytes}. */
  private static String text(String unit, int bytes) {
    StringBuilder sb = new StringBuilder();
    int size = 0;
    for (int i = 0; ; i = (i + 1) % unit.length()) {
      int cp = unit.charAt(i); // the units hold no surrogates
      int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
      if (size + n > bytes) {
        return sb.toString();
      }
      sb.append((char) cp);
      size += n;
    }
  }

  private static void check(Object actual, Object expected) {
    if (!expected.equals(actual)) {
      throw new IllegalStateException("round trip changed the value: " + actual);
    }
  }

  /**
   * Larder: UTF-8 codec on ASCII text.
   *
   * @return the decoded text
   */
  @Benchmark
  public String asciiLarder() {
    return utf8.decode(utf8.encode(ascii));
  }

  /**
   * Baseline: {@code getBytes} and {@code new String} on ASCII text.
   *
   * @return the decoded text
   */
  @Benchmark
  public String asciiRaw() {
    return new String(ascii.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  /**
   * Larder: UTF-8 codec on accented text, decoded strictly.
   *
   * @return the decoded text
   */
  @Benchmark
  public String accentedLarder() {
    return utf8.decode(utf8.encode(accented));
  }

  /**
   * Baseline: {@code getBytes} and {@code new String} on accented text, decoded leniently.
   *
   * @return the decoded text
   */
  @Benchmark
  public String accentedRaw() {
    return new String(accented.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  /**
   * Larder: the allow-listed Java-serialization codec.
   *
   * @return the decoded record
   */
  @Benchmark
  public Book serializedLarder() {
    return serialized.decode(serialized.encode(book));
  }

  /**
   * Baseline: object streams, the input stream filtered by the same allow-list.
   *
   * @return the decoded record
   * @throws IOException never, the streams being in memory
   * @throws ClassNotFoundException never, the class being on the class path
   */
  @Benchmark
  public Book serializedRaw() throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(book);
    }
    try (ObjectInputStream in =
             new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      in.setObjectInputFilter(RAW_FILTER);
      return (Book) in.readObject();
    }
  }

  /**
   * Larder: UTF-8 codec wrapped in the compressing codec, on 10 kB of JSON-like text.
   *
   * @return the decoded text
   */
  @Benchmark
  public String compressedLarder() {
    return compressed.decode(compressed.encode(json));
  }

  /**
   * Baseline: UTF-8 bytes through deflater and inflater streams at zlib's default level.
   *
   * @return the decoded text
   * @throws IOException never, the streams being in memory
   */
  @Benchmark
  public String compressedRaw() throws IOException {
    byte[] stored = deflate(json.getBytes(StandardCharsets.UTF_8));
    return new String(inflate(stored), StandardCharsets.UTF_8);
  }

  private static byte[] deflate(byte[] data) throws IOException {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(data.length / 4);
    try (DeflaterOutputStream out = new DeflaterOutputStream(bytes, deflater, BUFFER)) {
      out.write(data);
    } finally {
      deflater.end(); // a deflater passed in is not ended by the stream
    }
    return bytes.toByteArray();
  }

  private static byte[] inflate(byte[] data) throws IOException {
    Inflater inflater = new Inflater();
    try (InflaterInputStream in =
             new InflaterInputStream(new ByteArrayInputStream(data), inflater, BUFFER)) {
      return in.readAllBytes();
    } finally {
      inflater.end();
    }
  }
}
