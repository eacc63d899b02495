package io.larder;

/**
 * What a cache's {@link Admission} decided since the cache was opened, over all its
 * namespaces (they share one sketch).
 *
 * @param admitted computed values stored because their key was missed often enough
 * @param rejected computed values returned to their caller but not stored: the writes
 *     admission saved
 * @param oneHitWonders an estimate of the rejected values whose key has not been missed
 *     again since: rejections less those of keys that came back and were admitted
 */
public record AdmissionStats(long admitted, long rejected, long oneHitWonders) {

  /**
   * Returns the fraction of computed values that were stored.
   *
   * @return admitted / (admitted + rejected), or {@code 1.0} before the first decision
   */
  public double admitRatio() {
    long n = admitted + rejected;
    return n == 0 ? 1.0 : (double) admitted / n;
  }
}
