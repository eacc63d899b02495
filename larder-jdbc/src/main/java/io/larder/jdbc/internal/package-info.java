/**
 * The {@code sqlite:} URL provider; not exported from the {@code io.larder.jdbc} module and
 * not public API.
 */
package io.larder.jdbc.internal;
