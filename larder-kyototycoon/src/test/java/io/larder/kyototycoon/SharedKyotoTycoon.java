package io.larder.kyototycoon;

import io.larder.testkit.KyotoTycoonServer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real {@code ktserver} for every test class of the module that asks for it (failsafe runs
 * them in one JVM), as a parameter of a {@code @BeforeAll} or {@code @BeforeEach} method:
 * started on first use, kept in JUnit's root store and stopped when the test run ends. Tests
 * that kill, restart or pause a server start their own. Without a {@code ktserver} the
 * classes are skipped (see {@link KyotoTycoonServer#startOrSkip()}).
 *
 * <pre>{@code
 * @ExtendWith(SharedKyotoTycoon.class)
 * class SomeIT {
 *   @BeforeAll
 *   static void server(KyotoTycoonServer kt) { ... }
 * }
 * }</pre>
 */
public final class SharedKyotoTycoon implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SharedKyotoTycoon.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KyotoTycoonServer.class;
  }

  @Override
  public KyotoTycoonServer resolveParameter(ParameterContext parameter, ExtensionContext context) {
    // the root store closes what it holds (an AutoCloseable) when the whole run ends
    return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(KyotoTycoonServer.class,
        type -> KyotoTycoonServer.startOrSkip(), KyotoTycoonServer.class);
  }
}
