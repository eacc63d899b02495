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
