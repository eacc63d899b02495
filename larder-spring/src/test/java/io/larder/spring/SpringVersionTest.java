package io.larder.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.core.SpringVersion;

/** The build runs this module's tests twice, on Spring 6.2 and on 7.0; each run checks which. */
class SpringVersionTest {
  @Test
  void runsOnTheSpringVersionThisExecutionIsFor() {
    String expected = System.getProperty("larder.test.springVersion");
    assertThat(expected).as("set by the surefire execution").isNotBlank();
    assertThat(SpringVersion.getVersion()).isEqualTo(expected);
  }
}
