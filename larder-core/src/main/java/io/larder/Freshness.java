package io.larder;

import io.larder.spi.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link Cache#getOrCompute(String, Codec, Freshness, java.util.function.Supplier)} keeps
 * a value fresh: its time to live and the stampede protections around recomputing it.
 *
 * <pre>{@code
 * Freshness daily = Freshness.of(Duration.ofMinutes(10))   // fresh for 10 minutes
 *     .lease(Duration.ofSeconds(30))     // one computation across all servers, not per JVM
 *     .staleFor(Duration.ofMinutes(1))   // then served stale while one caller refreshes
 *     .earlyRecompute(1.0);              // XFetch: refresh early, probably before expiry
 * Report r = cache.getOrCompute("report:today", Codec.serialized(Report.class), daily, this::build);
 * }</pre>
 *
 * <p>Immutable; each method returns a new instance.
 */
public final class Freshness {
  private final Duration ttl;
  private final Duration lease;
  private final Duration staleFor;
  private final double beta;

  private Freshness(Duration ttl, Duration lease, Duration staleFor, double beta) {
    this.ttl = ttl;
    this.lease = lease;
    this.staleFor = staleFor;
    this.beta = beta;
  }

  /**
   * Returns a freshness of {@code ttl} with single flight per JVM and early recomputation at
   * the paper's optimum (β = 1), no lease and no stale period.
   *
   * @param ttl how long a computed value is fresh; positive
   * @return the freshness
   * @throws IllegalArgumentException if {@code ttl} is not positive
   */
  public static Freshness of(Duration ttl) {
    return new Freshness(positive(ttl, "ttl"), Duration.ZERO, Duration.ZERO, 1.0);
  }

  /**
   * Makes one caller in the whole fleet compute a missing value: it takes a lease in the
   * store for at most {@code lease}; the others, in any process, wait with backoff for its
   * value up to that long, then compute themselves. If the winner dies, its lease expires.
   *
   * @param lease how long a computation may hold the lease; positive
   * @return a new freshness with the lease
   * @throws IllegalArgumentException if {@code lease} is not positive
   */
  public Freshness lease(Duration lease) {
    return new Freshness(ttl, positive(lease, "lease"), staleFor, beta);
  }

  /**
   * Keeps serving a value for {@code staleFor} after it stops being fresh, at once, while
   * one caller refreshes it in the background.
   *
   * @param staleFor how long a stale value may be served; positive
   * @return a new freshness with the stale period
   * @throws IllegalArgumentException if {@code staleFor} is not positive
   */
  public Freshness staleFor(Duration staleFor) {
    return new Freshness(ttl, lease, positive(staleFor, "staleFor"), beta);
  }

  /**
   * Sets how eagerly readers recompute a value before it expires (XFetch's β): the chance
   * rises toward expiry and with the time the value took to compute. 1 is the optimum of
   * the paper; 0 turns early recomputation off.
   *
   * @param beta zero or more
   * @return a new freshness with that β
   * @throws IllegalArgumentException if {@code beta} is negative or not a number
   */
  public Freshness earlyRecompute(double beta) {
    if (!(beta >= 0) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException("earlyRecompute beta must be zero or more, was " + beta);
    }
    return new Freshness(ttl, lease, staleFor, beta);
  }

  /**
   * Returns how long a computed value is fresh.
   *
   * @return the TTL
   */
  public Duration ttl() {
    return ttl;
  }

  /**
   * Returns the lease, or {@link Duration#ZERO} for single flight per JVM only.
   *
   * @return the lease
   */
  public Duration leaseTime() {
    return lease;
  }

  /**
   * Returns how long a stale value may be served, or {@link Duration#ZERO}.
   *
   * @return the stale period
   */
  public Duration staleTime() {
    return staleFor;
  }

  /**
   * Returns XFetch's β.
   *
   * @return β; 0 means no early recomputation
   */
  public double beta() {
    return beta;
  }

  private static Duration positive(Duration d, String what) {
    return Durations.requirePositive(d, what);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Freshness f && ttl.equals(f.ttl) && lease.equals(f.lease)
        && staleFor.equals(f.staleFor) && Double.compare(beta, f.beta) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(ttl, lease, staleFor, beta);
  }

  @Override
  public String toString() {
    return "Freshness[ttl=" + ttl + ", lease=" + lease + ", staleFor=" + staleFor + ", beta="
        + beta + "]";
  }
}
