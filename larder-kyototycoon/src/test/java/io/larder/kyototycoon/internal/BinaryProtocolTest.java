package io.larder.kyototycoon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The binary protocol's messages both ways: each request the client encodes is read back by
 * an independent reader written from the documented layout (and compared byte for byte with
 * hand-written hex), and each reply written that way is decoded by {@link ReplyDecoder}, also
 * when it arrives one byte at a time. Keys and values hold NUL, tab, newline and 0xFF.
 */
class BinaryProtocolTest {
  private static final byte[] AWKWARD_KEY = "k\u0000\t\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] AWKWARD_VALUE = {0, '\t', '\n', '\r', (byte) 0xFF, (byte) 0xBF};

  private static byte[] bytes(ByteBuf buf) {
    byte[] out = ByteBufUtil.getBytes(buf);
    buf.release();
    return out;
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  // ---- requests -----------------------------------------------------------------------------

  @Test
  void setBulkIsMagicFlagsCountThenRecordsBigEndian() throws IOException {
    List<BinaryProtocol.SetRecord> records = List.of(
        new BinaryProtocol.SetRecord(1, "ab".getBytes(StandardCharsets.US_ASCII),
            new byte[] {0, '\t', '\n'}, 60),
        new BinaryProtocol.SetRecord(0, AWKWARD_KEY, AWKWARD_VALUE, -1_700_000_000L));
    ByteBuf buf = Unpooled.buffer();
    BinaryProtocol.setBulk(buf, false, records);
    assertThat(buf.readableBytes()).isEqualTo(BinaryProtocol.setBulkSize(records));
    byte[] wire = bytes(buf);
    assertThat(HexFormat.of().formatHex(wire, 0, 9 + 18 + 5)).isEqualTo(
        "b8" + "00000000" + "00000002"
            + "0001" + "00000002" + "00000003" + "000000000000003c" + "6162" + "00090a");

    // read back by the documented layout
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(wire));
    List<BinaryProtocol.SetRecord> back = new ArrayList<>();
    int[] header = readHeader(in, 0xB8);
    assertThat(header).containsExactly(0, 2);
    for (int i = 0; i < header[1]; i++) {
      back.add(readSetRecord(in));
    }
    assertThat(in.available()).isZero();
    assertThat(back).hasSize(2);
    assertThat(back.get(1).db()).isZero();
    assertThat(back.get(1).key()).containsExactly(AWKWARD_KEY);
    assertThat(back.get(1).value()).containsExactly(AWKWARD_VALUE);
    assertThat(back.get(1).xt()).isEqualTo(-1_700_000_000L);
  }

  @Test
  void setBulkWithNoReplySetsFlagOneAndNeverIsLongMax() {
    ByteBuf buf = Unpooled.buffer();
    BinaryProtocol.setBulk(buf, true, List.of(new BinaryProtocol.SetRecord(0, new byte[] {'k'},
        new byte[0], Long.MAX_VALUE)));
    assertThat(bytes(buf)).containsExactly(hex(
        "b8 00000001 00000001 0000 00000001 00000000 7fffffffffffffff 6b"));
  }

  @Test
  void removeBulkCarriesDbAndKeysOnly() throws IOException {
    ByteBuf buf = Unpooled.buffer();
    List<byte[]> keys = List.of(new byte[] {'a'}, AWKWARD_KEY);
    BinaryProtocol.removeBulk(buf, false, 7, keys);
    assertThat(buf.readableBytes()).isEqualTo(BinaryProtocol.keyRequestSize(keys));
    byte[] wire = bytes(buf);
    assertThat(HexFormat.of().formatHex(wire, 0, 16)).isEqualTo(
        "b9" + "00000000" + "00000002" + "0007" + "00000001" + "61");
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(wire));
    assertThat(readHeader(in, 0xB9)).containsExactly(0, 2);
    assertThat(readKeyRecord(in, 7)).containsExactly('a');
    assertThat(readKeyRecord(in, 7)).containsExactly(AWKWARD_KEY);
    assertThat(in.available()).isZero();

    ByteBuf quiet = Unpooled.buffer();
    BinaryProtocol.removeBulk(quiet, true, 0, List.of(new byte[] {'a'}));
    assertThat(bytes(quiet)).containsExactly(hex("b9 00000001 00000001 0000 00000001 61"));
  }

  @Test
  void getBulkHasReservedZeroFlagsAndAnEmptyOneIsNineBytes() throws IOException {
    ByteBuf buf = Unpooled.buffer();
    BinaryProtocol.getBulk(buf, 65535, List.of(AWKWARD_KEY));
    byte[] wire = bytes(buf);
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(wire));
    assertThat(readHeader(in, 0xBA)).containsExactly(0, 1);
    assertThat(readKeyRecord(in, 65535)).containsExactly(AWKWARD_KEY);

    ByteBuf empty = Unpooled.buffer();
    BinaryProtocol.getBulk(empty, 0, List.of());
    assertThat(bytes(empty)).containsExactly(hex("ba 00000000 00000000"));
  }

  private static int[] readHeader(DataInputStream in, int magic) throws IOException {
    assertThat(in.readUnsignedByte()).isEqualTo(magic);
    return new int[] {in.readInt(), in.readInt()};
  }

  private static BinaryProtocol.SetRecord readSetRecord(DataInputStream in) throws IOException {
    int db = in.readUnsignedShort();
    byte[] key = new byte[in.readInt()];
    byte[] value = new byte[in.readInt()];
    long xt = in.readLong();
    in.readFully(key);
    in.readFully(value);
    return new BinaryProtocol.SetRecord(db, key, value, xt);
  }

  private static byte[] readKeyRecord(DataInputStream in, int db) throws IOException {
    assertThat(in.readUnsignedShort()).isEqualTo(db);
    byte[] key = new byte[in.readInt()];
    in.readFully(key);
    return key;
  }

  // ---- replies ------------------------------------------------------------------------------

  /** Writes replies by the documented layout, independently of the client's code. */
  private static final class Replies {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final DataOutputStream out = new DataOutputStream(bytes);

    Replies count(int magic, long hits) throws IOException {
      out.writeByte(magic);
      out.writeInt((int) hits);
      return this;
    }

    Replies records(BinaryProtocol.Found... records) throws IOException {
      out.writeByte(0xBA);
      out.writeInt(records.length);
      for (BinaryProtocol.Found r : records) {
        out.writeShort(r.db());
        out.writeInt(r.key().length);
        out.writeInt(r.value().length);
        out.writeLong(r.xt());
        out.write(r.key());
        out.write(r.value());
      }
      return this;
    }

    Replies error() throws IOException {
      out.writeByte(0xBF);
      return this;
    }
  }

  private static List<Reply> decode(byte[] wire, int chunk) {
    EmbeddedChannel ch = new EmbeddedChannel(new ReplyDecoder());
    for (int i = 0; i < wire.length; i += chunk) {
      ch.writeInbound(Unpooled.wrappedBuffer(wire, i, Math.min(chunk, wire.length - i)));
    }
    List<Reply> replies = new ArrayList<>();
    Object r;
    while ((r = ch.readInbound()) != null) {
      replies.add((Reply) r);
    }
    ch.finishAndReleaseAll();
    return replies;
  }

  @Test
  void repliesDecodeWholeAndOneByteAtATime() throws IOException {
    BinaryProtocol.Found awkward = new BinaryProtocol.Found(3, AWKWARD_KEY, AWKWARD_VALUE,
        1_700_000_123L);
    BinaryProtocol.Found never = new BinaryProtocol.Found(3, new byte[] {'n'}, new byte[0],
        Expiry.XT_MAX);
    byte[] wire = new Replies()
        .count(0xB8, 2)
        .records(awkward, never)
        .count(0xB9, 4_000_000_000L)
        .records()
        .error()
        .bytes.toByteArray();
    for (int chunk : new int[] {wire.length, 1, 7}) {
      List<Reply> replies = decode(wire, chunk);
      assertThat(replies).hasSize(5);
      assertThat(replies.get(0)).isEqualTo(new Reply.Count(0xB8, 2));
      Reply.Records records = (Reply.Records) replies.get(1);
      assertThat(records.records()).hasSize(2);
      BinaryProtocol.Found first = records.records().get(0);
      assertThat(first.db()).isEqualTo(3);
      assertThat(first.key()).containsExactly(AWKWARD_KEY);
      assertThat(first.value()).containsExactly(AWKWARD_VALUE);
      assertThat(first.xt()).isEqualTo(1_700_000_123L);
      assertThat(records.records().get(1).value()).isEmpty();
      assertThat(records.records().get(1).xt()).isEqualTo(Expiry.XT_MAX);
      assertThat(replies.get(2)).as("hits are unsigned 32-bit")
          .isEqualTo(new Reply.Count(0xB9, 4_000_000_000L));
      assertThat(((Reply.Records) replies.get(3)).records()).isEmpty();
      assertThat(replies.get(4)).isInstanceOf(Reply.Error.class);
    }
  }

  @Test
  void aByteThatStartsNoReplyIsAnError() {
    EmbeddedChannel ch = new EmbeddedChannel(new ReplyDecoder());
    assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'H', 'T'})))
        .isInstanceOf(DecoderException.class).hasCauseInstanceOf(CacheException.class)
        .hasMessageContaining("0x48");
    ch.finishAndReleaseAll();
  }

  @Test
  void anAbsurdRecordSizeIsAnErrorNotAnAllocation() {
    ByteBuf wire = Unpooled.buffer();
    wire.writeByte(0xBA).writeInt(1).writeShort(0).writeInt(0x7FFFFFFF).writeInt(0).writeLong(0);
    assertThatThrownBy(() -> new ReplyDecoder().next(wire)).isInstanceOf(CacheException.class)
        .hasMessageContaining("out of step");
  }
}
