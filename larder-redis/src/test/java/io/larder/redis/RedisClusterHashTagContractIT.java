package io.larder.redis;

/**
 * The whole store contract on a 3-master cluster with {@code hashTag=namespace}, which rewrites
 * every namespaced key and the patterns that clear namespaces.
 */
class RedisClusterHashTagContractIT extends RedisClusterContractIT {
  @Override
  protected String options() {
    return "&hashTag=namespace";
  }
}
