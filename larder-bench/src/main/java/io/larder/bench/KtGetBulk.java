package io.larder.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The raw baseline for Kyoto Tycoon: one blocking socket that sends a binary-protocol
 * {@code get_bulk} (magic 0xBA) and reads its reply, written from the protocol description,
 * with nothing of Larder's client in between. Not thread-safe; the preload suite reads on one
 * thread.
 */
final class KtGetBulk implements AutoCloseable {
  private static final int GET_BULK = 0xBA;

  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;

  KtGetBulk(String host, int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), 5_000);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(10_000);
    out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 16_384));
    in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 65_536));
  }

  /**
   * Reads {@code keys} from database {@code db} in one request.
   *
   * @return the values found, by key
   * @throws IOException if the connection fails or the reply is not a {@code get_bulk} reply
   */
  Map<String, byte[]> get(int db, List<byte[]> keys) throws IOException {
    // request: magic, u32 flags (0), u32 count, then per key: u16 db, u32 size, key
    out.writeByte(GET_BULK);
    out.writeInt(0);
    out.writeInt(keys.size());
    for (byte[] key : keys) {
      out.writeShort(db);
      out.writeInt(key.length);
      out.write(key);
    }
    out.flush();
    // reply: magic, u32 count, then per record: u16 db, u32 key size, u32 value size, i64 xt,
    // key, value
    int magic = in.readUnsignedByte();
    if (magic != GET_BULK) {
      throw new IOException("get_bulk answered 0x" + Integer.toHexString(magic));
    }
    int count = in.readInt();
    Map<String, byte[]> found = new HashMap<>(count * 2);
    for (int i = 0; i < count; i++) {
      in.readUnsignedShort();
      byte[] key = new byte[in.readInt()];
      byte[] value = new byte[in.readInt()];
      in.readLong();
      in.readFully(key);
      in.readFully(value);
      found.put(new String(key, StandardCharsets.UTF_8), value);
    }
    return found;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
