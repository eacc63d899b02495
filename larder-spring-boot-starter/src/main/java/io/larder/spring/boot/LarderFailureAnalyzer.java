package io.larder.spring.boot;

import io.larder.CacheConnectionException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an application that did not start because Larder could not reach its store (a
 * fail-closed cache, {@code failOpen=false}, whose server is down): what failed, and what to
 * do, in place of a raw stack trace. Registered in {@code META-INF/spring.factories}.
 */
public class LarderFailureAnalyzer extends AbstractFailureAnalyzer<CacheConnectionException> {

  /** Creates the analyzer; Spring Boot calls this. */
  public LarderFailureAnalyzer() {}

  /**
   * Describes the failure.
   *
   * @param root the outermost failure
   * @param cause the Larder connection failure within it
   * @return the description and action
   */
  @Override
  protected FailureAnalysis analyze(Throwable root, CacheConnectionException cause) {
    return new FailureAnalysis(
        "Larder could not connect to the cache store named by larder.url: " + cause.getMessage(),
        "Start the cache server or correct larder.url. To let the application start while the "
            + "store is down, with cache calls answering as misses until it is back, remove "
            + "failOpen=false from larder.url (fail-open is the default).",
        cause);
  }
}
