package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-thread stack of {@link Scopes}: what a read finds, and scopes closed elsewhere. */
class ScopesTest {
  private static final byte[] OUTER = {1};
  private static final byte[] INNER = {2};

  @Test
  void aScopeClosedByAnotherThreadLeavesItsOwnersStackAtTheOwnersNextRead() throws Exception {
    Scopes scopes = new Scopes();
    // a scope left open on another thread, so that this thread's stack is looked at at all
    Scopes.Scope elsewhere = onAnotherThread(() -> scopes.open(Set.of(), Map.of()));
    Scopes.Scope outer = scopes.open(Set.of(), Map.of("k", OUTER));
    Scopes.Scope inner = scopes.open(Set.of(), Map.of("k", INNER));
    assertThat(scopes.find("k", false, key -> false)).isSameAs(INNER);

    onAnotherThread(() -> {
      inner.close();
      return null;
    });
    assertThat(scopes.find("k", false, key -> false)).isSameAs(OUTER);
    onAnotherThread(() -> {
      outer.close();
      return null;
    });

    // both closed elsewhere: the owner's stack is empty, not holding two closed scopes
    assertThat(scopes.openOnThisThread()).isFalse();
    assertThat(scopes.find("k", false, key -> false)).isNull();
    inner.close();
    outer.close();
    elsewhere.close();
  }

  @Test
  void scopesClosedByTheirOwnerAreGoneAtOnce() {
    Scopes scopes = new Scopes();
    Scopes.Scope scope = scopes.open(Set.of(), Map.of("k", OUTER));
    assertThat(scopes.openOnThisThread()).isTrue();
    scope.close();
    assertThat(scopes.openOnThisThread()).isFalse();
  }

  private static <T> T onAnotherThread(Callable<T> task) throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      return pool.submit(task).get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }
}
