/**
 * Spring Boot auto-configuration of Larder's cache manager, in {@code io.larder.spring.boot};
 * Jackson codecs, Micrometer metrics and a health indicator when those libraries are present.
 */
module io.larder.spring.boot {
  requires transitive io.larder.spring;
  requires spring.beans;
  requires spring.boot;
  requires spring.boot.autoconfigure;
  requires spring.context;
  requires spring.core;
  requires static spring.boot.actuator;
  requires static com.fasterxml.jackson.databind;
  requires static io.larder.jackson;
  requires static io.larder.micrometer;
  requires static micrometer.core;

  exports io.larder.spring.boot;
  // Spring proxies the configuration classes and binds the properties reflectively
  opens io.larder.spring.boot;
}
