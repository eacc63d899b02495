package io.larder.testkit;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a server counted, by counter name: Redis command names from {@code INFO commandstats}
 * ({@code "get"}, {@code "mget"}, {@code "evalsha"}), memcached's {@code stats} and the
 * commands a {@link MemcachedTap} saw ({@code "mg"}, {@code "mn"}, {@code "quiet"}), Kyoto
 * Tycoon's {@code cnt_*} fields. Read one before and one after a call; {@link #minus} gives
 * what the call cost at the server.
 *
 * <p>Instances are immutable.
 */
public final class RequestCounts {
  private static final RequestCounts NONE = new RequestCounts(Map.of());

  private final Map<String, Long> counts;

  private RequestCounts(Map<String, Long> counts) {
    this.counts = Map.copyOf(counts);
  }

  /**
   * Returns counts with these values; names are kept as given.
   *
   * @param counts counter name to value
   * @return the counts
   * @throws NullPointerException if {@code counts} or a name or value in it is null
   */
  public static RequestCounts of(Map<String, Long> counts) {
    return new RequestCounts(Objects.requireNonNull(counts, "counts"));
  }

  /**
   * Returns counts in which every counter is zero.
   *
   * @return the empty counts
   */
  public static RequestCounts none() {
    return NONE;
  }

  /**
   * Returns one counter.
   *
   * @param name the counter's name, as the server spells it (Redis commands in lower case)
   * @return its value, 0 when the server never reported it
   */
  public long get(String name) {
    return counts.getOrDefault(name, 0L);
  }

  /**
   * Returns the sum of some counters.
   *
   * @param names the counters' names
   * @return their sum
   */
  public long sum(String... names) {
    long total = 0;
    for (String n : names) {
      total += get(n);
    }
    return total;
  }

  /**
   * Returns the names of the counters that are not zero.
   *
   * @return the names, sorted
   */
  public Set<String> names() {
    return new TreeMap<>(nonZero()).keySet();
  }

  /**
   * Returns what happened between {@code before} and these counts, counter by counter.
   *
   * @param before counts read earlier from the same server
   * @return the differences; counters that did not change are left out
   */
  public RequestCounts minus(RequestCounts before) {
    Map<String, Long> diff = new TreeMap<>();
    Set<String> names = new TreeSet<>(counts.keySet());
    names.addAll(before.counts.keySet());
    for (String name : names) {
      long d = get(name) - before.get(name);
      if (d != 0) {
        diff.put(name, d);
      }
    }
    return new RequestCounts(diff);
  }

  /**
   * Returns these counts and {@code other}'s added together, as for the nodes of a cluster.
   *
   * @param other more counts
   * @return the sums
   */
  public RequestCounts plus(RequestCounts other) {
    Map<String, Long> sum = new TreeMap<>(counts);
    other.counts.forEach((name, value) -> sum.merge(name, value, Long::sum));
    return new RequestCounts(sum);
  }

  private Map<String, Long> nonZero() {
    Map<String, Long> m = new TreeMap<>(counts);
    m.values().removeIf(v -> v == 0);
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RequestCounts other && nonZero().equals(other.nonZero());
  }

  @Override
  public int hashCode() {
    return nonZero().hashCode();
  }

  /**
   * Returns the non-zero counters, as {@code {get=0, mget=1}} would read.
   *
   * @return the counters, sorted by name
   */
  @Override
  public String toString() {
    return nonZero().toString();
  }
}
