package io.larder.spring;

/** The Spring caching scenarios on the in-process store. */
class MemCachingTest extends CachingScenarios {
  @Override
  String url() {
    return "mem:";
  }
}
