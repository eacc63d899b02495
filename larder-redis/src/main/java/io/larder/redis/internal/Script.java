package io.larder.redis.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts every write runs, so that it drops the key's version tag (see
 * {@link RedisKeys}) in the same atomic step, and read-modify-write operations stay atomic on
 * the server. The single-key ones take {@code KEYS[1]}, the key, and {@code KEYS[2]}, its tag;
 * all keys of one call lie in one cluster slot. TTL arguments are milliseconds, {@code "0"}
 * for none. Numbers travel as decimal strings and never through Lua numbers, which are
 * doubles.
 *
 * @param name a name for messages
 * @param source the Lua source
 * @param sha1 the SHA-1 of the source, as {@code EVALSHA} takes it
 */
record Script(String name, byte[] source, String sha1) {

  /**
   * {@code set} and {@code setMany}: KEYS are key, tag, key, tag…; ARGV[1] the TTL, ARGV[1 + i]
   * the value of the i-th key. Writes each value and drops its tag. One command instead of a
   * SET and an UNLINK per key: measured faster than pipelining the two, and atomic.
   */
  static final Script SET = of("set", """
      for i = 1, #KEYS / 2 do
        if ARGV[1] == '0' then
          redis.call('SET', KEYS[2 * i - 1], ARGV[i + 1])
        else
          redis.call('SET', KEYS[2 * i - 1], ARGV[i + 1], 'PX', ARGV[1])
        end
        redis.call('DEL', KEYS[2 * i])
      end
      return #KEYS / 2
      """);

  /**
   * {@code delete} and {@code deleteMany}: KEYS are the keys, then their tags, in the same
   * order. Returns how many of the keys existed.
   */
  static final Script DELETE = of("delete", """
      local n = #KEYS / 2
      local removed = redis.call('UNLINK', unpack(KEYS, 1, n))
      redis.call('UNLINK', unpack(KEYS, n + 1, #KEYS))
      return removed
      """);

  /** {@code touch}: a new TTL (or none) for a live key and its tag. Returns 1 or 0. */
  static final Script TOUCH = of("touch", """
      if ARGV[1] == '0' then
        if redis.call('EXISTS', KEYS[1]) == 0 then
          return 0
        end
        redis.call('PERSIST', KEYS[1])
        redis.call('PERSIST', KEYS[2])
        return 1
      end
      if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then
        return 0
      end
      redis.call('PEXPIRE', KEYS[2], ARGV[1])
      return 1
      """);

  /** {@code add}: SET NX with a TTL; drops the version tag if written. Returns 1 or 0. */
  static final Script ADD = of("add", """
      local ok
      if ARGV[2] == '0' then
        ok = redis.call('SET', KEYS[1], ARGV[1], 'NX')
      else
        ok = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
      end
      if ok then
        redis.call('DEL', KEYS[2])
        return 1
      end
      return 0
      """);

  /**
   * {@code incr}: INCRBY, with the TTL set only when the call created the counter. Returns the
   * new value as a bulk string, exact in 64 bits.
   */
  static final Script INCR = of("incr", """
      local created = redis.call('EXISTS', KEYS[1]) == 0
      redis.call('INCRBY', KEYS[1], ARGV[1])
      if created and ARGV[2] ~= '0' then
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
      end
      redis.call('DEL', KEYS[2])
      return redis.call('GET', KEYS[1])
      """);

  /**
   * {@code getVersioned}: the value and its version token, creating the token (ARGV[1]) with
   * the value's remaining TTL when there is none. Returns {@code {value, token}} or an empty
   * array when the key is missing.
   */
  static final Script GET_VERSIONED = of("getVersioned", """
      local v = redis.call('GET', KEYS[1])
      if not v then
        return {}
      end
      local t = redis.call('GET', KEYS[2])
      if not t then
        t = ARGV[1]
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl > 0 then
          redis.call('SET', KEYS[2], t, 'PX', ttl)
        else
          redis.call('SET', KEYS[2], t)
        end
      end
      return {v, t}
      """);

  /**
   * {@code compareAndSet}: writes ARGV[4] with TTL ARGV[5] if the key is missing
   * (ARGV[1] = '0') or holds exactly the bytes ARGV[2] under the token ARGV[3]
   * (ARGV[1] = '1'), and drops the token. Returns 1 or 0.
   */
  static final Script COMPARE_AND_SET = of("compareAndSet", """
      local cur = redis.call('GET', KEYS[1])
      if ARGV[1] == '0' then
        if cur then
          return 0
        end
      elseif cur ~= ARGV[2] or redis.call('GET', KEYS[2]) ~= ARGV[3] then
        return 0
      end
      if ARGV[5] == '0' then
        redis.call('SET', KEYS[1], ARGV[4])
      else
        redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
      end
      redis.call('DEL', KEYS[2])
      return 1
      """);

  /** Every script, for loading them into each server when the store opens. */
  static final java.util.List<Script> ALL =
      java.util.List.of(SET, DELETE, TOUCH, ADD, INCR, GET_VERSIONED, COMPARE_AND_SET);

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
