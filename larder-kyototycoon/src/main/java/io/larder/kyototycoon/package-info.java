/**
 * The Kyoto Tycoon store: a cache on a Kyoto Tycoon server (the protocol notes come from
 * version 0.9.56), spoken to in its binary protocol for reads, writes and deletes, pipelined
 * on one connection, and in its HTTP RPC for add, compare-and-set, counters, touch, namespace
 * clear and the check made at open.
 *
 * <p>Open it through a URL ({@code kt://cache1:1978?db=0&timeout=500ms}) or with
 * {@link io.larder.kyototycoon.KyotoTycoonStores#builder(String, int)}; see
 * {@code docs/kyototycoon.md}.
 */
package io.larder.kyototycoon;
