package io.larder.memcached.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A pool's stores share one event-loop group, which stops when the last of them lets go. */
class EventLoopsTest {

  @Test
  void storesBuiltWhileSharingUseThePoolsLoopsAndTheLastReleaseStopsThem() {
    EventLoops pool = EventLoops.create("test-pool", 1);
    List<EventLoops> stores = EventLoops.sharing(pool,
        () -> List.of(EventLoops.forStore("a"), EventLoops.forStore("b")));
    pool.release();
    assertThat(stores).allSatisfy(s -> assertThat(s).isSameAs(pool));

    stores.get(0).release();
    assertThat(pool.group().isShuttingDown()).isFalse();
    stores.get(1).release();
    assertThat(pool.group().isTerminated()).isTrue();
  }

  @Test
  void aStoreBuiltOutsideSharingHasLoopsOfItsOwn() {
    EventLoops own = EventLoops.forStore("alone");
    EventLoops other = EventLoops.forStore("alone too");
    assertThat(own).isNotSameAs(other);
    own.release();
    other.release();
    assertThat(own.group().isTerminated()).isTrue();
    assertThat(other.group().isTerminated()).isTrue();
  }
}
