/**
 * The JMH benchmarks of {@code larder bench micro}: each class pairs Larder's way of doing a small
 * piece of work with a raw baseline or a peer library doing the same work, in methods named
 * {@code <work>Larder} and {@code <work>Raw} (or {@code <work>} and the peer), so that JMH,
 * which runs benchmarks in the order of their names, measures the two sides of a pair one after
 * the other. {@code io.larder.bench.MicroSuite} runs them and turns each pair into rows of
 * nanoseconds and bytes allocated per operation.
 */
package io.larder.bench.micro;
