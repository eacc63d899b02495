package io.larder.kyototycoon.internal;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Objects;

/**
 * The requests of Kyoto Tycoon's binary protocol that this client sends, and the replies it
 * reads (see {@link ReplyDecoder}), as the 0.9.56 documentation describes them. Every number
 * is big-endian. The binary protocol shares the HTTP port; the server tells them apart by the
 * first byte.
 *
 * <pre>
 * set_bulk    request: 0xB8, u32 flags, u32 rnum, rnum x (u16 dbidx, u32 ksiz, u32 vsiz, i64 xt, key, value)
 *             reply:   0xB8, u32 hits (the records stored)
 * remove_bulk request: 0xB9, u32 flags, u32 rnum, rnum x (u16 dbidx, u32 ksiz, key)
 *             reply:   0xB9, u32 hits (the records removed)
 * get_bulk    request: 0xBA, u32 flags (0), u32 rnum, rnum x (u16 dbidx, u32 ksiz, key)
 *             reply:   0xBA, u32 hits, hits x (u16 dbidx, u32 ksiz, u32 vsiz, i64 xt, key, value)
 * any error   reply:   0xBF, nothing after it
 * </pre>
 *
 * <p>With the no-reply flag ({@link #FLAG_NO_REPLY}) in {@code set_bulk} or
 * {@code remove_bulk} the server sends nothing back, not even an error. A record naming a
 * database the server does not have is skipped without an error. {@code get_bulk} answers
 * only the records found, each with its absolute expiration time.
 */
final class BinaryProtocol {
  /** {@code set_bulk}'s magic byte. */
  static final int SET_BULK = 0xB8;
  /** {@code remove_bulk}'s magic byte. */
  static final int REMOVE_BULK = 0xB9;
  /** {@code get_bulk}'s magic byte. */
  static final int GET_BULK = 0xBA;
  /** The magic byte of an error reply. */
  static final int ERROR = 0xBF;
  /** The flag asking the server not to reply. */
  static final int FLAG_NO_REPLY = 0x01;
  /** Bytes before the key in a {@code set_bulk} record and a {@code get_bulk} reply record. */
  static final int FULL_RECORD_HEADER = 2 + 4 + 4 + 8;
  /** Bytes before the key in a {@code remove_bulk} or {@code get_bulk} request record. */
  static final int KEY_RECORD_HEADER = 2 + 4;

  private BinaryProtocol() {}

  /**
   * A record to store.
   *
   * @param db the database index
   * @param key the key's bytes
   * @param value the value's bytes
   * @param xt the expiration time as sent: seconds from now, negative for an absolute time,
   *     0 for "now", {@link Long#MAX_VALUE} for never
   */
  record SetRecord(int db, byte[] key, byte[] value, long xt) {
    SetRecord {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * A record as {@code get_bulk} returns it.
   *
   * @param db the database index
   * @param key the key's bytes
   * @param value the value's bytes
   * @param xt the absolute expiration time in seconds, {@link Expiry#XT_MAX} for never
   */
  record Found(int db, byte[] key, byte[] value, long xt) {}

  /**
   * Appends a {@code set_bulk} request.
   *
   * @param out the buffer
   * @param noReply whether to ask the server not to reply
   * @param records the records
   */
  static void setBulk(ByteBuf out, boolean noReply, List<SetRecord> records) {
    out.writeByte(SET_BULK);
    out.writeInt(noReply ? FLAG_NO_REPLY : 0);
    out.writeInt(records.size());
    for (SetRecord r : records) {
      out.writeShort(r.db());
      out.writeInt(r.key().length);
      out.writeInt(r.value().length);
      out.writeLong(r.xt());
      out.writeBytes(r.key());
      out.writeBytes(r.value());
    }
  }

  /**
   * Appends a {@code remove_bulk} request for keys of one database.
   *
   * @param out the buffer
   * @param noReply whether to ask the server not to reply
   * @param db the database index
   * @param keys the keys' bytes
   */
  static void removeBulk(ByteBuf out, boolean noReply, int db, List<byte[]> keys) {
    keyRequest(out, REMOVE_BULK, noReply ? FLAG_NO_REPLY : 0, db, keys);
  }

  /**
   * Appends a {@code get_bulk} request for keys of one database; no keys make a request that
   * only waits for the requests before it.
   *
   * @param out the buffer
   * @param db the database index
   * @param keys the keys' bytes
   */
  static void getBulk(ByteBuf out, int db, List<byte[]> keys) {
    keyRequest(out, GET_BULK, 0, db, keys);
  }

  private static void keyRequest(ByteBuf out, int magic, int flags, int db, List<byte[]> keys) {
    out.writeByte(magic);
    out.writeInt(flags);
    out.writeInt(keys.size());
    for (byte[] key : keys) {
      out.writeShort(db);
      out.writeInt(key.length);
      out.writeBytes(key);
    }
  }

  /**
   * Returns how many bytes {@link #setBulk} writes.
   *
   * @param records the records
   * @return the size of the request
   */
  static int setBulkSize(List<SetRecord> records) {
    long size = 9;
    for (SetRecord r : records) {
      size += FULL_RECORD_HEADER + (long) r.key().length + r.value().length;
    }
    return checkedSize(size);
  }

  /**
   * Returns how many bytes {@link #getBulk} or {@link #removeBulk} write.
   *
   * @param keys the keys
   * @return the size of the request
   */
  static int keyRequestSize(List<byte[]> keys) {
    long size = 9;
    for (byte[] key : keys) {
      size += KEY_RECORD_HEADER + (long) key.length;
    }
    return checkedSize(size);
  }

  private static int checkedSize(long size) {
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("a request of " + size + " bytes is too large to send");
    }
    return (int) size;
  }
}
