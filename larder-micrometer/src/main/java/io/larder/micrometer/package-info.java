/**
 * Micrometer metrics for Larder caches and stores: {@link io.larder.micrometer.LarderMetrics}.
 */
package io.larder.micrometer;
