package io.larder.internal.sharding;

/**
 * The servers of the keys a ring placed lately, so that a key read again skips its hash: a
 * direct-mapped table of a few thousand slots, each holding one key and its server, checked
 * by the key's text. Placing a key by MD5 costs about 110 ns of the 140 ns a bulk read spends
 * per key on the sharded store's side (docs/BENCHMARKS.md, mc3b); a key found here costs its
 * {@code hashCode} and one {@code equals}. A slot holds the last key placed into it, so a
 * working set larger than the table only misses more, never misplaces: the answer for a key
 * is always what {@link KeyPlacer} says of it, as the ring's tests check.
 *
 * <p>One table belongs to one immutable ring and dies with it, so a change of the live
 * servers (a new ring) starts empty. Safe to share between threads without locks: a slot is
 * one reference to an immutable entry, so a racing reader sees a whole entry or none, and a
 * lost write only costs a later hash. It holds up to {@link #SLOTS} keys strongly.
 */
final class RecentPlaces {
  /** How many keys the table holds at most; a power of two. */
  static final int SLOTS = 4096;

  private record Placed(String key, int server) {}

  private final Placed[] slots = new Placed[SLOTS];

  /**
   * Returns the index, in the ring's server list, of the server for a key, placing it with
   * {@code placer} if this table does not hold it.
   *
   * @param key the key
   * @param placer the call's placer, for a key not held here
   * @return the server's index, or -1 if the ring has no points
   */
  int serverFor(String key, KeyPlacer placer) {
    int h = key.hashCode();
    int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
    Placed p = slots[slot];
    if (p != null && p.key.equals(key)) {
      return p.server;
    }
    int server = placer.serverFor(key);
    if (server >= 0) {
      slots[slot] = new Placed(key, server);
    }
    return server;
  }
}
