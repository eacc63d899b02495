package io.larder;

/**
 * Probabilistic early recomputation, "XFetch" (Vattani, Chierichetti, Lowenstein: Optimal
 * Probabilistic Cache Stampede Prevention, VLDB 2015): a reader recomputes a value before it
 * expires with a probability that rises toward expiry, faster for values that take longer
 * to compute, so that one reader refreshes a hot key before the crowd finds it missing.
 *
 * <p>A pure function: the clock and the random number are passed in.
 */
final class EarlyRefresh {
  private EarlyRefresh() {}

  /**
   * Tells whether a reader should recompute now: whether
   * {@code now - delta * beta * ln(random) >= expiry}.
   *
   * @param nowMillis the current time
   * @param expiryMillis when the value stops being fresh
   * @param deltaMillis how long the value took to compute
   * @param beta how eager to be: 1 is the paper's optimum, larger is earlier, 0 never
   * @param random a uniform random number in (0, 1]
   * @return whether to recompute early
   */
  static boolean shouldRecompute(long nowMillis, long expiryMillis, long deltaMillis, double beta,
      double random) {
    if (beta <= 0 || deltaMillis <= 0) {
      return nowMillis >= expiryMillis;
    }
    // -ln(random) is exponentially distributed with mean 1
    double gap = -deltaMillis * beta * Math.log(random);
    return nowMillis + gap >= expiryMillis;
  }
}
