package io.larder;

/**
 * How a sharded store places keys on its servers: one of libmemcached 1.1.4's two Ketama
 * consistent-hashing rings, reproduced exactly so that Larder, pylibmc, PHP's {@code memcached}
 * extension and libmemcached's tools agree on the server of every key.
 *
 * <p>Servers are named {@code host:port} (or {@code host}, meaning port 11211) exactly as the
 * other clients name them; names are hashed as written and never resolved. See
 * {@code docs/sharding.md} for the exact compatibility statement.
 *
 * <pre>{@code
 * Store store = Stores.sharded()
 *     .hashing(Hashing.KETAMA)
 *     .server("cache1:11211", Stores.memory())
 *     .server("cache2:11211", Stores.memory())
 *     .build();
 * }</pre>
 */
public enum Hashing {
  /**
   * libmemcached's {@code MEMCACHED_BEHAVIOR_KETAMA}, which pylibmc's
   * {@code {"ketama": True}} selects: Bob Jenkins' one-at-a-time hash for keys and ring
   * points, 100 points per server. If any server has a weight above 1, the ring points are
   * laid out as in {@link #KETAMA_WEIGHTED} while keys keep the one-at-a-time hash, as
   * libmemcached (and so pylibmc) does.
   */
  KETAMA,

  /**
   * libmemcached's {@code MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED}, the classic libketama ring
   * (pylibmc's {@code {"ketama_weighted": True}}): MD5 for keys and ring points, 160 points per
   * server at equal weights (40 digests of 4 points each), scaled by weight. The default.
   */
  KETAMA_WEIGHTED
}
