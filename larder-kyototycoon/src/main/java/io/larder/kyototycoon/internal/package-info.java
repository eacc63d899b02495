/**
 * The Kyoto Tycoon store's implementation: URL parsing, the binary protocol on Netty and the
 * HTTP RPC client; not exported from the {@code io.larder.kyototycoon} module and not public
 * API.
 */
package io.larder.kyototycoon.internal;
