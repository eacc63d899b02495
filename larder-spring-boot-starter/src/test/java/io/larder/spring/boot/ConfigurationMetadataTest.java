package io.larder.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.cache.CacheAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The configuration metadata IDEs read (generated from {@link LarderProperties} at compile
 * time) against what the starter accepts: every property offered binds at startup, and what
 * is not offered is rejected.
 */
class ConfigurationMetadataTest {
  /** A value each property type takes on its own, without other properties to go with it. */
  private static final Map<String, String> SAMPLE_BY_TYPE = Map.of(
      "java.lang.String", "mem:",
      "java.lang.Boolean", "false",
      "java.time.Duration", "10m",
      "java.lang.Class<?>", String.class.getName(),
      "java.util.List<java.lang.Class<?>>", String.class.getName(),
      "io.larder.spring.boot.LarderProperties$CodecKind", "default");

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LarderAutoConfiguration.class,
          CacheAutoConfiguration.class));

  private static List<JsonNode> offeredProperties() throws IOException {
    try (InputStream in = ConfigurationMetadataTest.class.getResourceAsStream(
        "/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("the metadata the configuration processor writes").isNotNull();
      List<JsonNode> properties = new ArrayList<>();
      new ObjectMapper().readTree(in).path("properties").forEach(properties::add);
      return properties;
    }
  }

  /** The assignment a user would write for a property, such as {@code larder.dynamic=false}. */
  private static String assignment(JsonNode property) {
    String name = property.path("name").asText();
    String type = property.path("type").asText();
    if (type.startsWith("java.util.Map<java.lang.String,")) {
      // a map of settings by name: one entry with one setting
      return name + ".books.ttl=10m";
    }
    String sample = SAMPLE_BY_TYPE.get(type);
    if (sample == null) {
      fail("no sample value for %s of type %s: add one to SAMPLE_BY_TYPE", name, type);
    }
    return name + "=" + sample;
  }

  @Test
  void everyPropertyTheMetadataOffersIsAcceptedAtStartup() throws IOException {
    List<JsonNode> offered = offeredProperties();
    assertThat(offered).extracting(p -> p.path("name").asText())
        .contains("larder.url", "larder.dynamic", "larder.caches", "larder.defaults.ttl",
            "larder.defaults.cache-nulls", "larder.defaults.codec", "larder.defaults.type",
            "larder.defaults.allowed-classes", "larder.defaults.lease", "larder.metrics.enabled");
    for (JsonNode property : offered) {
      String assignment = assignment(property);
      runner.withPropertyValues("larder.url=mem:", assignment).run(context -> {
        assertThat(context).as(assignment).hasNotFailed();
        assertThat(context).as(assignment).hasSingleBean(LarderProperties.class);
      });
    }
  }

  @Test
  void theMetadataDoesNotOfferADefaultNamespace() throws IOException {
    // caches sharing one namespace would read each other's keys
    assertThat(offeredProperties()).extracting(p -> p.path("name").asText())
        .doesNotContain("larder.defaults.namespace");
  }

  @Test
  void aPropertyTheMetadataDoesNotOfferStopsTheApplication() {
    for (String unknown : List.of("larder.defaults.namespace=shared", "larder.defaults.tll=5m",
        "larder.caches.books.tll=5m", "larder.nope=1")) {
      runner.withPropertyValues("larder.url=mem:", unknown).run(context -> assertThat(context)
          .as(unknown).hasFailed().getFailure().rootCause()
          .hasMessageContaining(unknown.substring(0, unknown.indexOf('='))));
    }
  }

  @Test
  void aSettingOfOneCacheIsOfferedThroughTheMapAndBindsPerCache() {
    runner.withPropertyValues("larder.url=mem:", "larder.caches.books.namespace=books-v2",
        "larder.defaults.ttl=10m").run(context -> {
          assertThat(context).hasNotFailed();
          LarderProperties properties = context.getBean(LarderProperties.class);
          assertThat(properties.getCaches().get("books").getNamespace()).isEqualTo("books-v2");
          assertThat(properties.getDefaults().getTtl()).hasMinutes(10);
        });
  }
}
