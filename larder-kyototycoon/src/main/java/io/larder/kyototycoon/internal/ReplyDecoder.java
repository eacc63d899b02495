package io.larder.kyototycoon.internal;

import io.larder.CacheException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads binary-protocol replies from the bytes a server sends, emitting one {@link Reply}
 * each. It keeps the records of a {@code get_bulk} reply read so far, so a large reply
 * arriving in many pieces is read once. A byte that starts no known reply, or a size beyond
 * {@link #MAX_SIZE}, fails with a {@link CacheException}: the stream cannot be trusted after it.
 */
final class ReplyDecoder extends ByteToMessageDecoder {
  /** The largest key or value accepted: 1 GiB, beyond the server's own limit. */
  static final long MAX_SIZE = 1L << 30;

  private int magic = -1; // the reply being read, or -1 between replies
  private long remaining; // get_bulk records still to read
  private List<BinaryProtocol.Found> records;
  private boolean broken; // after a bad byte nothing more is read; the channel is closing

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (broken) {
      in.skipBytes(in.readableBytes());
      return;
    }
    try {
      while (true) {
        Reply reply = next(in);
        if (reply == null) {
          return;
        }
        out.add(reply);
      }
    } catch (CacheException e) {
      broken = true;
      in.skipBytes(in.readableBytes());
      throw e;
    }
  }

  /**
   * Reads the next complete reply, or as much of one as has arrived.
   *
   * @param in the bytes received and not yet read
   * @return the reply, or {@code null} if more bytes are needed
   * @throws CacheException if the bytes are not a reply
   */
  Reply next(ByteBuf in) {
    if (magic < 0) {
      if (!in.isReadable()) {
        return null;
      }
      int m = in.readUnsignedByte();
      switch (m) {
        case BinaryProtocol.ERROR:
          return new Reply.Error();
        case BinaryProtocol.SET_BULK, BinaryProtocol.REMOVE_BULK, BinaryProtocol.GET_BULK:
          magic = m;
          remaining = -1;
          break;
        default:
          throw new CacheException(String.format(
              "Kyoto Tycoon sent byte 0x%02X where a binary reply should start", m));
      }
    }
    if (magic != BinaryProtocol.GET_BULK) {
      if (in.readableBytes() < 4) {
        return null;
      }
      Reply count = new Reply.Count(magic, in.readUnsignedInt());
      magic = -1;
      return count;
    }
    if (remaining < 0) {
      if (in.readableBytes() < 4) {
        return null;
      }
      remaining = in.readUnsignedInt();
      records = new ArrayList<>((int) Math.min(remaining, 4096));
    }
    while (remaining > 0) {
      if (in.readableBytes() < BinaryProtocol.FULL_RECORD_HEADER) {
        return null;
      }
      int at = in.readerIndex();
      long ksiz = in.getUnsignedInt(at + 2);
      long vsiz = in.getUnsignedInt(at + 6);
      if (ksiz > MAX_SIZE || vsiz > MAX_SIZE) {
        throw new CacheException("Kyoto Tycoon sent a get_bulk record of " + ksiz
            + " key bytes and " + vsiz + " value bytes; the stream is out of step");
      }
      if (in.readableBytes() < BinaryProtocol.FULL_RECORD_HEADER + ksiz + vsiz) {
        return null;
      }
      int db = in.readUnsignedShort();
      in.skipBytes(8);
      long xt = in.readLong();
      byte[] key = new byte[(int) ksiz];
      in.readBytes(key);
      byte[] value = new byte[(int) vsiz];
      in.readBytes(value);
      records.add(new BinaryProtocol.Found(db, key, value, xt));
      remaining--;
    }
    Reply done = new Reply.Records(records);
    records = null;
    magic = -1;
    return done;
  }
}
