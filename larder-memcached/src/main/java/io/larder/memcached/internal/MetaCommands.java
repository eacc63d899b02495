package io.larder.memcached.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * Writes meta-protocol commands into a buffer: {@code mg}, {@code ms}, {@code md},
 * {@code ma}, {@code mn}, and the few classic commands the client needs ({@code version},
 * {@code stats}, {@code flush_all}, the authentication {@code set}). Pure: no I/O, no state.
 *
 * <p>A command is written as {@code start}, then its flags, then {@link #end}; {@code ms} also
 * takes its data block with {@link #data}. For example {@code mg k1 v q O3\r\n}:
 *
 * <pre>{@code
 * MetaCommands.start(buf, "mg", key);
 * MetaCommands.flag(buf, 'v');
 * MetaCommands.flag(buf, 'q');
 * MetaCommands.flag(buf, 'O', 3);
 * MetaCommands.end(buf);
 * }</pre>
 */
final class MetaCommands {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] MN = {'m', 'n', '\r', '\n'};
  private static final byte[] GET = {'g', 'e', 't'};
  /**
   * The longest classic {@code get} line written, {@code \r\n} included. memcached 1.6 looks
   * for a line's end in all the bytes it has read; a line whose end has not arrived after 2048
   * bytes is taken as a "large multiget", for which it moves the connection to a buffer it
   * allocates and grows ({@code try_read_command_ascii} in {@code proto_text.c}). Lines are
   * capped at 2048 bytes, longer key lists split into several {@code get} lines, so that never
   * happens.
   */
  static final int MAX_GET_LINE = 2048;

  private MetaCommands() {}

  /** Writes {@code <command> <key>}, and the {@code b} flag for a base64 key. */
  static void start(ByteBuf out, String command, WireKey key) {
    ByteBufUtil.writeAscii(out, command);
    out.writeByte(' ');
    ByteBufUtil.writeAscii(out, key.text());
    if (key.base64()) {
      out.writeByte(' ').writeByte('b');
    }
  }

  /**
   * Writes classic {@code get k1 k2 …} lines for the keys at {@code indexes} (all sent as
   * text, none base64), as many keys to a line as fit in {@link #MAX_GET_LINE} bytes.
   *
   * @return how many {@code get} lines were written, each answered by its hits and {@code END}
   */
  static int classicGets(ByteBuf out, WireKey[] keys, int[] indexes, int count) {
    int lines = 0;
    int lineLength = 0;
    for (int i = 0; i < count; i++) {
      String key = keys[indexes[i]].text();
      if (lineLength > 0 && lineLength + 1 + key.length() + 2 > MAX_GET_LINE) {
        out.writeBytes(CRLF);
        lineLength = 0;
      }
      if (lineLength == 0) {
        out.writeBytes(GET);
        lineLength = GET.length;
        lines++;
      }
      out.writeByte(' ');
      ByteBufUtil.writeAscii(out, key);
      lineLength += 1 + key.length();
    }
    if (lineLength > 0) {
      out.writeBytes(CRLF);
    }
    return lines;
  }

  /** Writes {@code ms <key> <length>}, and the {@code b} flag for a base64 key. */
  static void startSet(ByteBuf out, WireKey key, int length) {
    ByteBufUtil.writeAscii(out, "ms ");
    ByteBufUtil.writeAscii(out, key.text());
    out.writeByte(' ');
    writeDecimal(out, length);
    if (key.base64()) {
      out.writeByte(' ').writeByte('b');
    }
  }

  /** Writes a flag without a token, such as {@code v} or {@code q}. */
  static void flag(ByteBuf out, char flag) {
    out.writeByte(' ').writeByte(flag);
  }

  /** Writes a flag with a decimal token, such as {@code T60} or {@code O3}. */
  static void flag(ByteBuf out, char flag, long token) {
    out.writeByte(' ').writeByte(flag);
    writeDecimal(out, token);
  }

  /** Writes a flag with an unsigned 64-bit token, such as {@code C<cas>} or {@code D<delta>}. */
  static void unsignedFlag(ByteBuf out, char flag, long token) {
    out.writeByte(' ').writeByte(flag);
    if (token >= 0) {
      writeDecimal(out, token);
    } else {
      ByteBufUtil.writeAscii(out, Long.toUnsignedString(token));
    }
  }

  /** Ends a command line. */
  static void end(ByteBuf out) {
    out.writeBytes(CRLF);
  }

  /** Writes a data block and its terminating {@code \r\n}. */
  static void data(ByteBuf out, byte[] value) {
    out.writeBytes(value).writeBytes(CRLF);
  }

  /** Writes {@code mn}, which the server answers with {@code MN} once all before it is done. */
  static void noop(ByteBuf out) {
    out.writeBytes(MN);
  }

  /** Writes a whole classic command line, such as {@code stats settings}. */
  static void line(ByteBuf out, String line) {
    ByteBufUtil.writeAscii(out, line);
    out.writeBytes(CRLF);
  }

  /**
   * Writes the authentication command of {@code memcached -Y}: a {@code set} whose data is
   * {@code <user> <password>}.
   */
  static void authenticate(ByteBuf out, byte[] userAndPassword) {
    ByteBufUtil.writeAscii(out, "set _ 0 0 ");
    writeDecimal(out, userAndPassword.length);
    out.writeBytes(CRLF);
    data(out, userAndPassword);
  }

  /** Writes a non-negative long in decimal without allocating. */
  static void writeDecimal(ByteBuf out, long n) {
    if (n < 0) {
      ByteBufUtil.writeAscii(out, Long.toString(n));
      return;
    }
    if (n < 10) {
      out.writeByte((int) ('0' + n));
      return;
    }
    int digits = 1;
    for (long p = n; p >= 10; p /= 10) {
      digits++;
    }
    int at = out.writerIndex() + digits;
    out.ensureWritable(digits);
    for (int i = 1; i <= digits; i++) {
      out.setByte(at - i, (int) ('0' + n % 10));
      n /= 10;
    }
    out.writerIndex(at);
  }
}
