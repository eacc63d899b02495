package io.larder.memcached.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The event-loop threads of one store, or of every store of a pool: counted references to a
 * Netty group, shut down when the last store lets go. A pool's servers share one group so
 * that a bulk call over three servers wakes one event-loop thread rather than three (on a
 * small machine each extra thread to schedule costs more than the parallel round trips save).
 * Not public API.
 */
final class EventLoops {
  /** The loops that stores built on this thread share, while {@link #sharing} runs. */
  private static final ThreadLocal<EventLoops> SHARED = new ThreadLocal<>();

  private final EventLoopGroup group;
  private final AtomicInteger references = new AtomicInteger(1);

  private EventLoops(EventLoopGroup group) {
    this.group = group;
  }

  /** Starts a group of daemon threads named after {@code name}, held by the caller. */
  static EventLoops create(String name, int threads) {
    return new EventLoops(new NioEventLoopGroup(threads, new DefaultThreadFactory(name, true)));
  }

  /**
   * Returns the loops for a store being built: the pool's, if it is built inside
   * {@link #sharing}, else a new thread of its own. The store releases them when it closes.
   */
  static EventLoops forStore(String name) {
    EventLoops shared = SHARED.get();
    if (shared != null) {
      shared.references.incrementAndGet();
      return shared;
    }
    return create(name, 1);
  }

  /** Builds stores that share {@code loops}; the caller keeps its own reference. */
  static <T> T sharing(EventLoops loops, Supplier<T> build) {
    SHARED.set(loops);
    try {
      return build.get();
    } finally {
      SHARED.remove();
    }
  }

  EventLoopGroup group() {
    return group;
  }

  /** Lets go of the loops; the last one out shuts the threads down. */
  void release() {
    if (references.decrementAndGet() == 0) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
