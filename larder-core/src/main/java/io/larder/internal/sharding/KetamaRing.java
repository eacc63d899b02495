package io.larder.internal.sharding;

import io.larder.Hashing;
import io.larder.spi.HostPort;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A Ketama consistent-hash ring that places keys exactly as libmemcached 1.1.4 does on x86-64
 * (its {@code update_continuum} and {@code dispatch_host}). Pure and immutable: no I/O, no
 * clock, safe to share between threads.
 *
 * <p>What is reproduced (each detail changes where some keys land):
 *
 * <ul>
 *   <li>Point strings: {@code host-i} when the port is 11211, else {@code host:port-i}, with
 *       {@code i} counting from 0 and the host exactly as written (never resolved).
 *   <li>{@link Hashing#KETAMA}: 100 points per server, each the one-at-a-time hash of its point
 *       string; keys hashed the same way. The hash adds bytes as <em>signed</em> chars (x86's
 *       {@code char}), so bytes from 0x80 up count as negative numbers. If any server has a
 *       weight above 1, the points are laid out as in the weighted ring below while keys keep
 *       the one-at-a-time hash, as libmemcached does.
 *   <li>{@link Hashing#KETAMA_WEIGHTED} (and weighted points): per server,
 *       {@code floor(w / W * 40 * n) * 4} points, computed in 32-bit float as libmemcached
 *       does ({@code w} the server's weight, {@code W} the sum of weights, {@code n} the number
 *       of servers); each MD5 digest of a point string gives 4 points, its bytes read as four
 *       little-endian 32-bit words. Keys hash to the first little-endian word of their MD5.
 *   <li>Points sorted by value, ties by the server's position in the list; a key goes to the
 *       first point at or after its hash (unsigned), wrapping to the first point.
 * </ul>
 */
final class KetamaRing {
  /** libmemcached's {@code MEMCACHED_POINTS_PER_SERVER}. */
  static final int KETAMA_POINTS = 100;
  /** libmemcached's {@code MEMCACHED_POINTS_PER_SERVER_KETAMA}. */
  static final int WEIGHTED_POINTS = 160;
  /** The port libmemcached leaves out of point strings. */
  static final int DEFAULT_PORT = 11211;

  private static final MessageDigest MD5 = md5();

  /**
   * A server as the ring sees it.
   *
   * @param name {@code host:port} or {@code host} as written; see {@link #parse}
   * @param weight a positive weight
   */
  record Node(String name, int weight) {
    Node {
      parse(name); // fails early, naming the bad name
      if (weight < 1) {
        throw new IllegalArgumentException(
            "weight of server " + name + " must be positive, was " + weight);
      }
    }
  }

  private final Hashing hashing;
  private final int servers;
  /**
   * Each point is {@code (value << 32) | server index}, its value's sign bit flipped so that
   * Java's signed order of the longs is the unsigned order of the values; sorted ascending.
   */
  private final long[] points;

  private KetamaRing(Hashing hashing, int servers, long[] points) {
    this.hashing = hashing;
    this.servers = servers;
    this.points = points;
  }

  /**
   * Builds the ring libmemcached builds for these servers, in this order.
   *
   * @param hashing the mode
   * @param nodes the servers; may be empty, giving a ring that places no key
   * @return the ring
   */
  static KetamaRing of(Hashing hashing, List<Node> nodes) {
    return of(hashing, usesWeightedPoints(hashing, nodes), nodes);
  }

  /**
   * Tells whether libmemcached lays out MD5 points scaled by weight for a server list: always
   * in {@link Hashing#KETAMA_WEIGHTED}, and in {@link Hashing#KETAMA} as soon as one server has
   * a weight above 1 (libmemcached's {@code server_add} then switches the ring to weighted
   * points, keeping the one-at-a-time key hash; pylibmc's {@code {"ketama": True}} with weights
   * gives exactly that).
   *
   * @param hashing the mode
   * @param configured every configured server, live or not: the switch is never undone
   * @return {@code true} for weighted MD5 points
   */
  static boolean usesWeightedPoints(Hashing hashing, List<Node> configured) {
    return hashing == Hashing.KETAMA_WEIGHTED
        || configured.stream().anyMatch(node -> node.weight() > 1);
  }

  /**
   * Builds the ring for the live servers of a configuration.
   *
   * @param hashing the mode, which decides the key hash
   * @param weightedPoints what {@link #usesWeightedPoints(Hashing, List)} said of the whole
   *     configuration
   * @param nodes the live servers, in configured order; may be empty
   * @return the ring
   */
  static KetamaRing of(Hashing hashing, boolean weightedPoints, List<Node> nodes) {
    Objects.requireNonNull(hashing, "hashing");
    long totalWeight = 0;
    for (Node node : nodes) {
      totalWeight += node.weight();
    }
    int n = nodes.size();
    long[] pts = new long[weightedPoints ? pointCapacity(nodes, totalWeight) : n * KETAMA_POINTS];
    int count = 0;
    for (int index = 0; index < n; index++) {
      Node node = nodes.get(index);
      if (weightedPoints) {
        int digests = pointsFor(node.weight(), totalWeight, n) / 4;
        for (int i = 0; i < digests; i++) {
          byte[] d = md5(pointString(node.name(), i));
          for (int word = 0; word < 4; word++) {
            pts[count++] = point(littleEndian(d, word * 4), index);
          }
        }
      } else {
        for (int i = 0; i < KETAMA_POINTS; i++) {
          pts[count++] = point(oneAtATime(pointString(node.name(), i)), index);
        }
      }
    }
    Arrays.sort(pts, 0, count);
    return new KetamaRing(hashing, n, count == pts.length ? pts : Arrays.copyOf(pts, count));
  }

  private static int pointCapacity(List<Node> nodes, long totalWeight) {
    long sum = 0;
    for (Node node : nodes) {
      sum += pointsFor(node.weight(), totalWeight, nodes.size());
    }
    if (sum > 1 << 28) {
      throw new IllegalArgumentException("a ring of " + sum + " points is too large");
    }
    return (int) sum;
  }

  private static long point(int value, int index) {
    return ((long) (value ^ Integer.MIN_VALUE) << 32) | index;
  }

  private static long valueOf(long point) {
    return Integer.toUnsignedLong((int) (point >> 32) ^ Integer.MIN_VALUE);
  }

  /**
   * Returns how many points libmemcached gives a server in {@link Hashing#KETAMA_WEIGHTED}:
   * {@code floor(pct * 160 / 4 * n + 1e-10) * 4} with every operation in 32-bit float, as in
   * its {@code update_continuum}.
   */
  static int pointsFor(int weight, long totalWeight, int servers) {
    float pct = (float) weight / (float) totalWeight;
    // each step rounds to float exactly as the C expression does; do not fold into doubles
    float scaled = pct * WEIGHTED_POINTS / 4 * (float) servers + 0.0000000001F;
    return (int) Math.floor(scaled) * 4;
  }

  /**
   * Returns the string libmemcached hashes for a server's {@code index}th point (or digest).
   *
   * @param name {@code host:port} or {@code host}
   * @param index from 0
   */
  static String pointString(String name, int index) {
    HostPort hp = parse(name);
    return hp.port() == DEFAULT_PORT ? hp.host() + "-" + index
        : hp.host() + ":" + hp.port() + "-" + index;
  }

  /**
   * Splits a server name: {@code host:port}, {@code host} (port 11211), or for IPv6
   * {@code [addr]:port} / {@code [addr]}, whose host is the address without brackets (as
   * pylibmc and PHP pass it to libmemcached).
   *
   * @throws IllegalArgumentException naming the bad name
   */
  static HostPort parse(String name) {
    return HostPort.parse(name, DEFAULT_PORT);
  }

  /**
   * Returns the position, in the list the ring was built from, of the server for a key.
   *
   * @param key the key's bytes as sent to the server
   * @return the server's index, or -1 if the ring has no points
   */
  int serverFor(byte[] key) {
    return points.length == 0 ? -1 : serverForHash(keyHash(hashing, key));
  }

  /**
   * Returns the position, in the list the ring was built from, of the server for a key whose
   * hash in this ring's mode ({@link #keyHash}) is known.
   *
   * @param hash the key's hash
   * @return the server's index, or -1 if the ring has no points
   */
  int serverForHash(int hash) {
    if (points.length == 0) {
      return -1;
    }
    long target = point(hash, 0);
    // target has index 0, the least possible, so the search lands on the first point whose
    // value is >= the hash, the lowest server index first among equal values
    int at = Arrays.binarySearch(points, target);
    if (at < 0) {
      at = -at - 1;
    }
    if (at == points.length) {
      at = 0;
    }
    return (int) points[at];
  }

  /**
   * Returns the position of the server for a key given as a string, hashed as its UTF-8
   * bytes.
   *
   * @param key the key
   * @return the server's index, or -1 if the ring has no points
   */
  int serverFor(String key) {
    return serverFor(key.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the mode, which decides the key hash. */
  Hashing hashing() {
    return hashing;
  }

  /** Returns how many servers the ring was built from. */
  int servers() {
    return servers;
  }

  /** Returns how many points the ring has in all. */
  int pointCount() {
    return points.length;
  }

  /** Returns how many points the server at {@code index} has. */
  int pointsOf(int index) {
    int n = 0;
    for (long p : points) {
      if ((int) p == index) {
        n++;
      }
    }
    return n;
  }

  /** Returns the values of the points of the server at {@code index}, ascending, unsigned. */
  long[] valuesOf(int index) {
    return Arrays.stream(points).filter(p -> (int) p == index).map(KetamaRing::valueOf).toArray();
  }

  /**
   * Returns the 32-bit hash of a key in a mode, as libmemcached's {@code hashkit_digest}.
   *
   * @param hashing the mode
   * @param key the key's bytes
   * @return the hash, to be read as unsigned
   */
  static int keyHash(Hashing hashing, byte[] key) {
    return hashing == Hashing.KETAMA ? oneAtATime(key) : littleEndian(md5(key), 0);
  }

  /**
   * Bob Jenkins' one-at-a-time hash as libhashkit computes it on x86-64, where {@code char}
   * is signed: each byte is sign-extended before it is added.
   */
  static int oneAtATime(byte[] bytes) {
    return oneAtATime(bytes, bytes.length);
  }

  /** {@link #oneAtATime(byte[])} of {@code bytes[0, length)}. */
  static int oneAtATime(byte[] bytes, int length) {
    int h = 0;
    for (int i = 0; i < length; i++) {
      h += bytes[i]; // a Java byte is signed: 0xC3 adds 0xFFFFFFC3, as (uint32_t)(char) 0xC3 does
      h += h << 10;
      h ^= h >>> 6;
    }
    h += h << 3;
    h ^= h >>> 11;
    h += h << 15;
    return h;
  }

  private static int oneAtATime(String s) {
    return oneAtATime(s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] md5(String s) {
    return md5(s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] md5(byte[] bytes) {
    return newMd5().digest(bytes);
  }

  /** Returns a fresh MD5 digest, cloned from a prototype (cheaper than a provider look-up). */
  static MessageDigest newMd5() {
    try {
      return (MessageDigest) MD5.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("MD5 digests cannot be cloned", e);
    }
  }

  static int littleEndian(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16
        | (b[at + 3] & 0xff) << 24;
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is missing, though every Java platform has it", e);
    }
  }
}
