package io.larder.memcached.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class MetaCommandsTest {

  private static String text(ByteBuf buf) {
    return buf.toString(US_ASCII);
  }

  @Test
  void writesAQuietGetWithAnOpaque() {
    ByteBuf buf = Unpooled.buffer();
    MetaCommands.start(buf, "mg", WireKey.of("k1"));
    MetaCommands.flag(buf, 'v');
    MetaCommands.flag(buf, 'q');
    MetaCommands.flag(buf, 'O', 3);
    MetaCommands.end(buf);
    MetaCommands.noop(buf);
    assertThat(text(buf)).isEqualTo("mg k1 v q O3\r\nmn\r\n");
  }

  @Test
  void writesClassicGetsOfTheTextKeysOnly() {
    WireKey[] keys = {WireKey.of("k0"), WireKey.of("a b"), WireKey.of("k2")};
    ByteBuf buf = Unpooled.buffer();
    assertThat(MetaCommands.classicGets(buf, keys, new int[] {0, 2}, 2)).isEqualTo(1);
    assertThat(text(buf)).isEqualTo("get k0 k2\r\n");
  }

  @Test
  void splitsAKeyListIntoGetLinesOfAtMost2048Bytes() {
    WireKey[] keys = new WireKey[40];
    int[] all = new int[keys.length];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = WireKey.of(String.format("%03d", i) + "x".repeat(247));
      all[i] = i;
    }
    ByteBuf buf = Unpooled.buffer();
    int lines = MetaCommands.classicGets(buf, keys, all, keys.length);

    String[] written = text(buf).split("\r\n");
    assertThat(written).hasSize(lines);
    assertThat(lines).isEqualTo(5); // 8 keys of 250 bytes a line: 4 + 8 * 251 + 2 = 2014
    StringBuilder order = new StringBuilder();
    for (String line : written) {
      assertThat(line.length() + 2).isLessThanOrEqualTo(MetaCommands.MAX_GET_LINE);
      assertThat(line).startsWith("get ");
      for (String key : line.substring(4).split(" ")) {
        order.append(key, 0, 3).append(',');
      }
    }
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < keys.length; i++) {
      expected.append(String.format("%03d", i)).append(',');
    }
    assertThat(order.toString()).as("every key once, in order").isEqualTo(expected.toString());
  }

  @Test
  void writesASetWithItsDataBlock() {
    ByteBuf buf = Unpooled.buffer();
    MetaCommands.startSet(buf, WireKey.of("k"), 4);
    MetaCommands.flag(buf, 'T', 2_592_000);
    MetaCommands.flag(buf, 'M');
    buf.writeByte('E');
    MetaCommands.end(buf);
    MetaCommands.data(buf, new byte[] {'a', '\r', '\n', 'b'});
    assertThat(text(buf)).isEqualTo("ms k 4 T2592000 ME\r\na\r\nb\r\n");
  }

  @Test
  void writesUnsignedTokensForCasAndNegativeDeltas() {
    ByteBuf buf = Unpooled.buffer();
    MetaCommands.start(buf, "ma", WireKey.of("c"));
    MetaCommands.unsignedFlag(buf, 'D', -1);
    MetaCommands.unsignedFlag(buf, 'J', 5);
    MetaCommands.unsignedFlag(buf, 'C', Long.MIN_VALUE);
    MetaCommands.end(buf);
    assertThat(text(buf)).isEqualTo("ma c D18446744073709551615 J5 C9223372036854775808\r\n");
  }

  @Test
  void writesBinaryKeysInBase64WithTheBFlag() {
    ByteBuf buf = Unpooled.buffer();
    MetaCommands.start(buf, "md", WireKey.of("a b\u0000c"));
    MetaCommands.end(buf);
    assertThat(text(buf)).isEqualTo("md YSBiAGM= b\r\n");
  }

  @Test
  void writesTheBFlagOfASetAfterTheLength() {
    ByteBuf buf = Unpooled.buffer();
    MetaCommands.startSet(buf, WireKey.of("a b"), 2);
    MetaCommands.end(buf);
    assertThat(text(buf)).isEqualTo("ms YSBi 2 b\r\n");
  }

  @Test
  void writesDecimalsOfEveryLength() {
    for (long n : new long[] {0, 7, 10, 99, 100, 123456789, Long.MAX_VALUE, -1}) {
      ByteBuf buf = Unpooled.buffer(1);
      MetaCommands.writeDecimal(buf, n);
      assertThat(text(buf)).isEqualTo(Long.toString(n));
    }
  }

  @Test
  void writesTheAuthenticationSet() {
    ByteBuf buf = Unpooled.buffer();
    MetaCommands.authenticate(buf, "user secret".getBytes(US_ASCII));
    assertThat(text(buf)).isEqualTo("set _ 0 0 11\r\nuser secret\r\n");
  }
}
