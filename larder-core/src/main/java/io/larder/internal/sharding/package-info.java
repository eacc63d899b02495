/**
 * A store sharded over several servers by a libmemcached-compatible ketama ring; not exported
 * from the {@code io.larder} module and not public API (use {@code Stores.sharded}).
 */
package io.larder.internal.sharding;
