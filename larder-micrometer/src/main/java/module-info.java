/** Larder's cache and store metrics for Micrometer, in {@code io.larder.micrometer}. */
module io.larder.micrometer {
  requires transitive io.larder;
  requires transitive micrometer.core;

  exports io.larder.micrometer;
}
