/**
 * The Redis store: a cache in one Redis server ({@code redis://}, {@code rediss://} with TLS)
 * or a Redis Cluster ({@code redis-cluster://}), on Lettuce.
 *
 * <p>Open it through a URL ({@code Larder.open("redis://cache:6379/0?prefix=shop")}) or with
 * {@link io.larder.redis.RedisStores#open(String)}. {@code io.larder.redis.internal} is not
 * public API.
 */
package io.larder.redis;
