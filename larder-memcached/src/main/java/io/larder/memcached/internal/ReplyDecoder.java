package io.larder.memcached.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Splits memcached's byte stream into {@link Reply} objects: one per text line, with the data
 * block of a {@code VA <size>} or {@code VALUE <key> <flags> <size>} line read by its length (a
 * value may contain {@code \r\n}).
 *
 * <p>A line or data block is consumed only when it has arrived whole, so a reply split over
 * several TCP reads is simply decoded once the last part is there. Anything that does not
 * look like memcached (an overlong line, a bad size, a data block not followed by
 * {@code \r\n}) fails with a {@link DecoderException}, which closes the connection: after
 * that, no later reply could be matched to its request.
 */
final class ReplyDecoder extends ByteToMessageDecoder {
  /** Longer than any reply line Larder can provoke (a 250-byte key in base64 with flags). */
  static final int MAX_LINE = 8 * 1024;
  /** How a classic {@code get}'s hit starts. */
  private static final byte[] VALUE = {'V', 'A', 'L', 'U', 'E', ' '};

  /** When bytes last arrived, in {@link System#nanoTime()}; read on the event loop. */
  private long lastReadNanos = System.nanoTime();
  /** The current reply line, copied out of the buffer to be parsed without bounds checks. */
  private final byte[] line = new byte[MAX_LINE];

  long lastReadNanos() {
    return lastReadNanos;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    lastReadNanos = System.nanoTime();
    Reply reply;
    while ((reply = decode(in, line)) != null) {
      out.add(reply);
    }
  }

  /**
   * Decodes one reply from the start of {@code in}, consuming it; for tests.
   *
   * @return the reply, or {@code null} if it has not fully arrived (nothing is consumed)
   * @throws DecoderException if the bytes are not a memcached reply
   */
  static Reply decode(ByteBuf in) {
    return decode(in, new byte[MAX_LINE]);
  }

  /**
   * Decodes one reply from the start of {@code in}, consuming it, parsing its line in
   * {@code line} (at least {@link #MAX_LINE} bytes).
   *
   * @return the reply, or {@code null} if it has not fully arrived (nothing is consumed)
   * @throws DecoderException if the bytes are not a memcached reply
   */
  static Reply decode(ByteBuf in, byte[] line) {
    int start = in.readerIndex();
    int limit = in.writerIndex();
    int lf = in.indexOf(start, Math.min(limit, start + MAX_LINE), (byte) '\n');
    if (lf < 0) {
      if (limit - start >= MAX_LINE) {
        throw new DecoderException("reply line longer than " + MAX_LINE + " bytes");
      }
      return null;
    }
    int end = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
    int length = end - start;
    in.getBytes(start, line, 0, length);
    int code = length >= 2 && (length == 2 || line[2] == ' ')
        ? metaCode(line[0], line[1]) : Reply.TEXT;
    if (code == Reply.TEXT) {
      if (startsWith(line, length, VALUE)) {
        return classicValue(in, line, length, lf, limit);
      }
      in.readerIndex(lf + 1);
      return new Reply(Reply.TEXT, length == 3 && line[0] == 'E' && line[1] == 'N'
          && line[2] == 'D' ? "END" : new String(line, 0, length, StandardCharsets.US_ASCII));
    }
    Reply reply = new Reply(code, null);
    int pos = 2;
    int size = -1;
    if (code == Reply.VA) {
      pos = skipSpaces(line, pos, length);
      int digitsEnd = pos;
      long n = 0;
      while (digitsEnd < length && isDigit(line[digitsEnd]) && n <= Integer.MAX_VALUE) {
        n = n * 10 + (line[digitsEnd] - '0');
        digitsEnd++;
      }
      if (digitsEnd == pos || n > Integer.MAX_VALUE) {
        throw new DecoderException("bad value size in reply: "
            + new String(line, 0, Math.min(length, 64), StandardCharsets.US_ASCII));
      }
      size = (int) n;
      pos = digitsEnd;
      if ((long) lf + 1 + size + 2 > limit) {
        return null; // the data block is still on its way
      }
    }
    parseFlags(line, pos, length, reply);
    if (code == Reply.VA) {
      reply.value = data(in, lf + 1, size);
    } else {
      in.readerIndex(lf + 1);
    }
    return reply;
  }

  /**
   * Decodes a classic {@code VALUE <key> <flags> <bytes> [<cas>]} line and its data block,
   * whose line ends at {@code lf}; {@code null} if the data has not fully arrived.
   */
  private static Reply classicValue(ByteBuf in, byte[] line, int length, int lf, int limit) {
    int keyStart = VALUE.length;
    int keyEnd = keyStart;
    while (keyEnd < length && line[keyEnd] != ' ') {
      keyEnd++;
    }
    int flagsEnd = skipSpaces(line, keyEnd, length);
    while (flagsEnd < length && isDigit(line[flagsEnd])) {
      flagsEnd++;
    }
    int pos = skipSpaces(line, flagsEnd, length);
    int digitsEnd = pos;
    long n = 0;
    while (digitsEnd < length && isDigit(line[digitsEnd]) && n <= Integer.MAX_VALUE) {
      n = n * 10 + (line[digitsEnd] - '0');
      digitsEnd++;
    }
    if (keyEnd == keyStart || flagsEnd == keyEnd || digitsEnd == pos || n > Integer.MAX_VALUE
        || (digitsEnd < length && line[digitsEnd] != ' ')) {
      throw new DecoderException("bad VALUE line in reply: "
          + new String(line, 0, Math.min(length, 300), StandardCharsets.US_ASCII));
    }
    int size = (int) n;
    if ((long) lf + 1 + size + 2 > limit) {
      return null; // the data block is still on its way
    }
    Reply reply = new Reply(Reply.VALUE, null);
    reply.key = new String(line, keyStart, keyEnd - keyStart, StandardCharsets.US_ASCII);
    reply.value = data(in, lf + 1, size);
    return reply;
  }

  /** Copies out the data block of {@code size} bytes at {@code start} and consumes it. */
  private static byte[] data(ByteBuf in, int start, int size) {
    if (in.getByte(start + size) != '\r' || in.getByte(start + size + 1) != '\n') {
      throw new DecoderException("value of " + size + " bytes not followed by \\r\\n");
    }
    byte[] value = new byte[size];
    in.getBytes(start, value);
    in.readerIndex(start + size + 2);
    return value;
  }

  private static boolean startsWith(byte[] line, int length, byte[] prefix) {
    if (length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (line[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int metaCode(byte a, byte b) {
    return switch ((char) a) {
      case 'V' -> b == 'A' ? Reply.VA : Reply.TEXT;
      case 'H' -> b == 'D' ? Reply.HD : Reply.TEXT;
      case 'E' -> b == 'N' ? Reply.EN : b == 'X' ? Reply.EX : Reply.TEXT;
      case 'N' -> b == 'F' ? Reply.NF : b == 'S' ? Reply.NS : Reply.TEXT;
      case 'M' -> b == 'N' ? Reply.MN : Reply.TEXT;
      default -> Reply.TEXT;
    };
  }

  /** Reads the return flags Larder uses; others (k, b, f, ...) are skipped. */
  private static void parseFlags(byte[] line, int pos, int end, Reply reply) {
    while (true) {
      pos = skipSpaces(line, pos, end);
      if (pos >= end) {
        return;
      }
      int tokenEnd = pos;
      while (tokenEnd < end && line[tokenEnd] != ' ') {
        tokenEnd++;
      }
      switch ((char) line[pos]) {
        case 'c' -> {
          reply.cas = parseUnsigned(line, pos + 1, tokenEnd);
          reply.hasCas = true;
        }
        case 't' -> reply.ttl = (int) parseSigned(line, pos + 1, tokenEnd);
        case 'O' -> reply.opaque = (int) parseSigned(line, pos + 1, tokenEnd);
        case 's' -> reply.size = (int) parseSigned(line, pos + 1, tokenEnd);
        case 'W' -> reply.won = true;
        case 'X' -> reply.stale = true;
        case 'Z' -> reply.winSent = true;
        default -> { }
      }
      pos = tokenEnd;
    }
  }

  private static int skipSpaces(byte[] line, int pos, int end) {
    while (pos < end && line[pos] == ' ') {
      pos++;
    }
    return pos;
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  /** Parses up to 20 digits as an unsigned 64-bit number; anything else gives 0. */
  private static long parseUnsigned(byte[] line, int from, int to) {
    if (from >= to || to - from > 20) {
      return 0;
    }
    try {
      return Long.parseUnsignedLong(new String(line, from, to - from,
          StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Parses a small signed decimal ({@code t-1}, {@code O17}); anything else gives -1. */
  private static long parseSigned(byte[] line, int from, int to) {
    boolean negative = from < to && line[from] == '-';
    int i = negative ? from + 1 : from;
    if (i >= to || to - i > 10) {
      return -1;
    }
    long n = 0;
    for (; i < to; i++) {
      if (!isDigit(line[i])) {
        return -1;
      }
      n = n * 10 + (line[i] - '0');
    }
    return negative ? -n : n;
  }
}
