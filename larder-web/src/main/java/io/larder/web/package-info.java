/**
 * Larder for servlets: {@link io.larder.web.PageCacheFilter}, which caches whole pages, and
 * {@link io.larder.web.PreloadFilter}, which gives every request a learned preload scope.
 *
 * <p>Both are Jakarta Servlet 6 filters, registered programmatically (they are built from a
 * {@link io.larder.Cache}). See {@code docs/web.md}.
 */
package io.larder.web;
