/**
 * The built-in {@code mem:} and {@code none:} stores and their providers; not exported from
 * the {@code io.larder} module and not public API.
 */
package io.larder.internal;
