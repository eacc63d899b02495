/**
 * Larder for Pebble templates: {@link io.larder.pebble.LarderExtension} adds a
 * {@code {% cache %}} tag that keeps rendered fragments in a {@link io.larder.Cache}. See
 * {@code docs/pebble.md}.
 */
package io.larder.pebble;
