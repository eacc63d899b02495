package io.larder;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The stored form of a learned preload's key list: a version byte, then each store key as a
 * varint length and its UTF-8 bytes. A list that cannot be read is treated as empty: the
 * next scope of that name simply learns again.
 */
final class LearnedKeys {
  private static final int VERSION = 1;

  private LearnedKeys() {}

  static byte[] encode(List<String> keys) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(keys.size() * 32 + 1);
    out.write(VERSION);
    for (String key : keys) {
      byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
      int n = bytes.length;
      while ((n & ~0x7F) != 0) {
        out.write((n & 0x7F) | 0x80);
        n >>>= 7;
      }
      out.write(n);
      out.write(bytes, 0, bytes.length);
    }
    return out.toByteArray();
  }

  static List<String> decode(byte[] bytes) {
    List<String> keys = new ArrayList<>();
    if (bytes.length == 0 || bytes[0] != VERSION) {
      return List.of();
    }
    int pos = 1;
    while (pos < bytes.length) {
      int len = 0;
      int shift = 0;
      int b;
      do {
        if (pos >= bytes.length || shift > 28) {
          return List.of();
        }
        b = bytes[pos++] & 0xFF;
        len |= (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if (len < 0 || len > bytes.length - pos) {
        return List.of();
      }
      keys.add(new String(bytes, pos, len, StandardCharsets.UTF_8));
      pos += len;
    }
    return keys;
  }
}
