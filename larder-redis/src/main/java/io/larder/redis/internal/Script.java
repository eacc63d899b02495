package io.larder.redis.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts of the few calls that read and write in one atomic step; plain reads and
 * writes ({@code get}, {@code set}, {@code add}, {@code delete}) are single commands. Each
 * takes one key, {@code KEYS[1]}. TTL arguments are milliseconds, {@code "0"} for none.
 * Numbers travel as decimal strings and never through Lua numbers, which are doubles. A
 * framed value ({@link Versions}) starts with {@code '\255\254'} and is at least ten bytes.
 *
 * @param name a name for messages
 * @param source the Lua source
 * @param sha1 the SHA-1 of the source, as {@code EVALSHA} takes it
 */
record Script(String name, byte[] source, String sha1) {

  /** {@code touch} with no expiry: {@code PERSIST} of a live key. Returns 1 or 0. */
  static final Script PERSIST = of("touch", """
      if redis.call('EXISTS', KEYS[1]) == 0 then
        return 0
      end
      redis.call('PERSIST', KEYS[1])
      return 1
      """);

  /**
   * {@code incr}: INCRBY of ARGV[1], with the TTL ARGV[2] set only when the call created the
   * counter. A counter that compare-and-set left framed becomes plain decimal text first,
   * keeping its TTL. Returns the new value as a bulk string, exact in 64 bits.
   */
  static final Script INCR = of("incr", """
      local v = redis.call('GET', KEYS[1])
      if v and #v >= 10 and string.sub(v, 1, 2) == '\\255\\254' then
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl > 0 then
          redis.call('SET', KEYS[1], string.sub(v, 11), 'PX', ttl)
        else
          redis.call('SET', KEYS[1], string.sub(v, 11))
        end
      end
      redis.call('INCRBY', KEYS[1], ARGV[1])
      if not v and ARGV[2] ~= '0' then
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
      end
      return redis.call('GET', KEYS[1])
      """);

  /**
   * {@code getVersioned}: the stored bytes and the milliseconds they have left (-1 for no
   * expiry). A plain value is framed first with the header ARGV[1], keeping its TTL, so that
   * any later write replaces the frame. Returns {@code {stored, pttl}} or an empty array when
   * the key is missing.
   */
  static final Script GET_VERSIONED = of("getVersioned", """
      local v = redis.call('GET', KEYS[1])
      if not v then
        return {}
      end
      local ttl = redis.call('PTTL', KEYS[1])
      if #v < 10 or string.sub(v, 1, 2) ~= '\\255\\254' then
        v = ARGV[1] .. v
        if ttl > 0 then
          redis.call('SET', KEYS[1], v, 'PX', ttl)
        else
          redis.call('SET', KEYS[1], v)
        end
      end
      return {v, ttl}
      """);

  /**
   * {@code compareAndSet} against a version: writes ARGV[2] with TTL ARGV[3] if the stored
   * value still starts with the frame ARGV[1]. Reads only the frame's ten bytes, whatever the
   * value's size. Returns 1 or 0.
   */
  static final Script COMPARE_AND_SET = of("compareAndSet", """
      if redis.call('GETRANGE', KEYS[1], 0, 9) ~= ARGV[1] then
        return 0
      end
      if ARGV[3] == '0' then
        redis.call('SET', KEYS[1], ARGV[2])
      else
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
      end
      return 1
      """);

  /** Every script, for loading them into each server when the store opens. */
  static final java.util.List<Script> ALL =
      java.util.List.of(PERSIST, INCR, GET_VERSIONED, COMPARE_AND_SET);

  private static Script of(String name, String source) {
    byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(bytes);
      return new Script(name, bytes, HexFormat.of().formatHex(digest));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JVM", e);
    }
  }
}
