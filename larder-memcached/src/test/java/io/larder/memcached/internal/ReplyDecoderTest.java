package io.larder.memcached.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplyDecoderTest {

  private static List<Reply> decodeAll(String wire) {
    ByteBuf in = Unpooled.copiedBuffer(wire, US_ASCII);
    List<Reply> replies = new ArrayList<>();
    Reply r;
    while ((r = ReplyDecoder.decode(in)) != null) {
      replies.add(r);
    }
    assertThat(in.readableBytes()).as("bytes left over").isZero();
    return replies;
  }

  @Test
  void readsAValueWithItsFlags() {
    List<Reply> replies = decodeAll("VA 5 c42 t-1 O7 kfoo b s5\r\nhe\r\no\r\n");
    Reply r = replies.get(0);
    assertThat(r.code).isEqualTo(Reply.VA);
    assertThat(new String(r.value, US_ASCII)).isEqualTo("he\r\no");
    assertThat(r.hasCas).isTrue();
    assertThat(r.cas).isEqualTo(42);
    assertThat(r.ttl).isEqualTo(-1);
    assertThat(r.opaque).isEqualTo(7);
    assertThat(r.size).isEqualTo(5);
    assertThat(r.won || r.stale || r.winSent).isFalse();
  }

  @Test
  void readsAnEmptyValueAndTheRecacheFlags() {
    Reply r = decodeAll("VA 0 c23 t30 W\r\n\r\n").get(0);
    assertThat(r.value).isEmpty();
    assertThat(r.won).isTrue();
    assertThat(r.isVivifiedStub()).isTrue();

    Reply stale = decodeAll("VA 3 c26 t30 Z X\r\nold\r\n").get(0);
    assertThat(stale.stale).isTrue();
    assertThat(stale.winSent).isTrue();
    assertThat(stale.isVivifiedStub()).isFalse();

    Reply emptyStale = decodeAll("VA 0 X W\r\n\r\n").get(0);
    assertThat(emptyStale.isVivifiedStub()).as("a stale empty value is a value").isFalse();
  }

  @Test
  void readsACasAboveLongMaxAsUnsignedBits() {
    Reply r = decodeAll("HD c18446744073709551615\r\n").get(0);
    assertThat(r.cas).isEqualTo(-1L);
  }

  @Test
  void tellsTheMetaCodesFromTextLines() {
    List<Reply> replies = decodeAll("HD\r\nEN\r\nNF O3\r\nNS\r\nEX\r\nMN\r\nEND\r\nSTAT time 17\r\n"
        + "VERSION 1.6.18\r\nOK\r\nSTORED\r\nSERVER_ERROR object too large for cache\r\n"
        + "CLIENT_ERROR bad data chunk\r\nERROR\r\nEN \r\n");
    assertThat(replies).extracting(r -> r.code).containsExactly(Reply.HD, Reply.EN, Reply.NF,
        Reply.NS, Reply.EX, Reply.MN, Reply.TEXT, Reply.TEXT, Reply.TEXT, Reply.TEXT, Reply.TEXT,
        Reply.TEXT, Reply.TEXT, Reply.TEXT, Reply.EN);
    assertThat(replies.get(2).opaque).isEqualTo(3);
    assertThat(replies.get(6).text).isEqualTo("END");
    assertThat(replies.get(7).text).isEqualTo("STAT time 17");
    assertThat(replies.subList(11, 14)).allMatch(Reply::isError);
    assertThat(replies.get(6).isError()).isFalse();
  }

  @Test
  void readsAClassicGetsValuesWithTheirKeys() {
    List<Reply> replies = decodeAll("VALUE k1 0 5\r\nhe\r\no\r\nVALUE ~a~7::b 42 0\r\n\r\n"
        + "VALUE k3 0 2 99\r\nVA\r\nEND\r\n");
    assertThat(replies).extracting(r -> r.code).containsExactly(Reply.VALUE, Reply.VALUE,
        Reply.VALUE, Reply.TEXT);
    assertThat(replies.get(0).key).isEqualTo("k1");
    assertThat(new String(replies.get(0).value, US_ASCII)).isEqualTo("he\r\no");
    assertThat(replies.get(1).key).isEqualTo("~a~7::b");
    assertThat(replies.get(1).value).isEmpty();
    assertThat(replies.get(2).key).as("with a gets' cas token").isEqualTo("k3");
    assertThat(new String(replies.get(2).value, US_ASCII)).isEqualTo("VA");
    assertThat(replies.get(3).text).isEqualTo("END");
  }

  @Test
  void aClassicValueContainingEndIsReadByItsLength() {
    List<Reply> replies = decodeAll("VALUE k 0 9\r\nab\r\nEND\r\n\r\nEND\r\n");
    assertThat(replies).extracting(r -> r.code).containsExactly(Reply.VALUE, Reply.TEXT);
    assertThat(new String(replies.get(0).value, US_ASCII)).isEqualTo("ab\r\nEND\r\n");
    assertThat(replies.get(1).text).isEqualTo("END");
  }

  @Test
  void aGetManyWithAnEmptyClassicValueIsNotAnsweredAtOnce() {
    // the re-read blocks, so its answer must not be made on the event loop
    assertThat(DefaultMemcachedStore.answeredAtOnce(
        decodeAll("VALUE a 0 1\r\nA\r\nVALUE b 0 0\r\n\r\nEND\r\n"))).isFalse();
    assertThat(DefaultMemcachedStore.answeredAtOnce(
        decodeAll("VALUE a 0 1\r\nA\r\nEND\r\nVA 0 O1\r\n\r\n"))).isTrue();
  }

  @Test
  void waitsForAClassicValueSplitAcrossReads() {
    EmbeddedChannel channel = new EmbeddedChannel(new ReplyDecoder());
    String wire = "VALUE key 0 10\r\n0123\r\n6789\r\nEND\r\nMN\r\n";
    for (int i = 0; i < wire.length(); i++) {
      channel.writeInbound(Unpooled.copiedBuffer(wire.substring(i, i + 1), US_ASCII));
    }
    Reply value = channel.readInbound();
    Reply end = channel.readInbound();
    Reply mn = channel.readInbound();
    assertThat(value.key).isEqualTo("key");
    assertThat(new String(value.value, US_ASCII)).isEqualTo("0123\r\n6789");
    assertThat(end.text).isEqualTo("END");
    assertThat(mn.code).isEqualTo(Reply.MN);
    channel.finishAndReleaseAll();
  }

  @Test
  void rejectsABadValueLine() {
    assertThatThrownBy(() -> decodeAll("VALUE k 0\r\n")).isInstanceOf(DecoderException.class);
    assertThatThrownBy(() -> decodeAll("VALUE k x 1\r\na\r\n"))
        .isInstanceOf(DecoderException.class);
    assertThatThrownBy(() -> decodeAll("VALUE k 0 2x\r\nab\r\n"))
        .isInstanceOf(DecoderException.class);
    assertThatThrownBy(() -> decodeAll("VALUE k 0 1\r\nabc\r\n"))
        .isInstanceOf(DecoderException.class);
  }

  @Test
  void waitsForAValueSplitAcrossReads() {
    EmbeddedChannel channel = new EmbeddedChannel(new ReplyDecoder());
    String wire = "VA 10 O1\r\n0123456789\r\nHD O2\r\n";
    for (int i = 0; i < wire.length(); i++) {
      channel.writeInbound(Unpooled.copiedBuffer(wire.substring(i, i + 1), US_ASCII));
    }
    Reply first = channel.readInbound();
    Reply second = channel.readInbound();
    assertThat(new String(first.value, US_ASCII)).isEqualTo("0123456789");
    assertThat(first.opaque).isEqualTo(1);
    assertThat(second.code).isEqualTo(Reply.HD);
    assertThat(second.opaque).isEqualTo(2);
    Object nothing = channel.readInbound();
    assertThat(nothing).isNull();
    channel.finishAndReleaseAll();
  }

  @Test
  void aLargeValueIsReadWhole() {
    byte[] big = new byte[3 << 20];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) i;
    }
    ByteBuf in = Unpooled.buffer();
    in.writeBytes(("VA " + big.length + "\r\n").getBytes(US_ASCII)).writeBytes(big)
        .writeBytes("\r\n".getBytes(US_ASCII));
    Reply r = ReplyDecoder.decode(in);
    assertThat(r.value).isEqualTo(big);
  }

  @Test
  void rejectsWhatIsNotMemcached() {
    assertThatThrownBy(() -> decodeAll("VA x\r\n")).isInstanceOf(DecoderException.class);
    assertThatThrownBy(() -> decodeAll("VA 3\r\nabcde\r\n")).isInstanceOf(DecoderException.class);
    assertThatThrownBy(() -> ReplyDecoder.decode(
        Unpooled.copiedBuffer("x".repeat(ReplyDecoder.MAX_LINE + 1), US_ASCII)))
        .isInstanceOf(DecoderException.class);
  }

  @Test
  void anIncompleteLineWaits() {
    ByteBuf in = Unpooled.copiedBuffer("VA 3 c1", US_ASCII);
    assertThat(ReplyDecoder.decode(in)).isNull();
    assertThat(in.readerIndex()).isZero();
  }
}
