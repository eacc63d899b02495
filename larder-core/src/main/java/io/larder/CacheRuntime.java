package io.larder;

import io.larder.internal.NearStore;
import io.larder.spi.KeyRules;
import io.larder.spi.Store;
import io.larder.spi.StoreTraits;
import java.time.InstantSource;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a root cache and all its views share: the store and how it is called, the codecs, the
 * clock, and one instance of each engine, wired bottom-up ({@link StoreCalls} →
 * {@link ScopedReads} → {@link Tags} → {@link Reads} → {@link Writes} → {@link Loader},
 * {@link Preloads}). Engines get what they need from here at construction and never a
 * reference back up.
 */
final class CacheRuntime {
  final Store store;
  final boolean ownsStore;
  final KeyRules rules;
  final CodecRegistry codecs;
  final StoreCalls calls;
  final Reads reads;
  final Writes writes;
  final Tags tags;
  final Loader loader;
  final Preloads preloads;
  final AsyncCalls async;
  final AsyncEngine asyncEngine;
  final AsyncLoader asyncLoader;
  final DroppedWrites dropped;
  final Admitter admitter;
  /** The near tier, when the store is one. */
  final @Nullable NearStore near;

  /**
   * How a root cache was configured: everything its runtime needs besides the store and the
   * codecs.
   *
   * @param ownsStore whether closing the cache closes the store (opened from a URL)
   * @param compressAbove deflate values of at least this many bytes; 0 for never
   * @param failOpen whether store failures read as misses
   * @param description the store as messages name it (a redacted URL)
   * @param clock the clock for TTLs, leases and dropped-write memory
   * @param rootPrefix the clear prefix of the root cache: where tags and learned lists live
   * @param gatherWrites whether request scopes hold writes back until they close
   * @param admission which computed values are stored
   */
  record Options(boolean ownsStore, int compressAbove, boolean failOpen, String description,
      InstantSource clock, String rootPrefix, boolean gatherWrites, Admission admission) {
    Options {
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(rootPrefix, "rootPrefix");
      Objects.requireNonNull(admission, "admission");
    }

    /** The defaults a builder given nothing but a store uses, for tests of the engines. */
    static Options defaults(boolean failOpen, InstantSource clock) {
      return new Options(false, 0, failOpen, "test", clock, "", true, Admission.off());
    }
  }

  /**
   * @param store the store, already decorated
   * @param codecs the codecs the cache knows
   * @param options the rest of its configuration
   */
  CacheRuntime(Store store, CodecRegistry codecs, Options options) {
    this(store, codecs, options, AsyncCalls.Setup.DEFAULT);
  }

  /**
   * @param store the store, already decorated
   * @param codecs the codecs the cache knows
   * @param options the rest of its configuration
   * @param asyncSetup the executor of its {@link AsyncCache}
   */
  CacheRuntime(Store store, CodecRegistry codecs, Options options, AsyncCalls.Setup asyncSetup) {
    boolean ownsStore = options.ownsStore();
    int compressAbove = options.compressAbove();
    boolean failOpen = options.failOpen();
    String description = options.description();
    InstantSource clock = options.clock();
    String rootPrefix = options.rootPrefix();
    boolean gatherWrites = options.gatherWrites();
    Admission admission = options.admission();
    StoreTraits traits = Objects.requireNonNull(store.traits(), "store.traits()");
    this.store = store;
    this.ownsStore = ownsStore;
    this.near = store instanceof NearStore n ? n : null;
    this.rules = traits.keyRules();
    this.codecs = codecs;
    this.calls = new StoreCalls(store, description, failOpen);
    this.dropped = new DroppedWrites(store, clock);
    ScopedReads scoped = new ScopedReads(calls, traits.readsReturnCopies(), dropped,
        gatherWrites);
    EntryCodec entries = new EntryCodec(compressAbove, failOpen, traits.maxValueBytes());
    this.tags = new Tags(calls, scoped, rules, rootPrefix);
    ObjectTier tier = codecs.objectTier();
    this.reads = new Reads(scoped, entries, tags, calls, tier);
    this.writes = new Writes(calls, entries, scoped, tags, reads, tier);
    this.admitter = new Admitter(admission);
    SingleFlight flight = new SingleFlight();
    this.loader = new Loader(reads, writes, scoped, calls, rules, clock, admitter, flight);
    this.preloads = new Preloads(scoped, calls, rules, rootPrefix);
    this.async = new AsyncCalls(store, calls, scoped, asyncSetup);
    this.asyncEngine = new AsyncEngine(async, calls, scoped, reads, writes, dropped, entries);
    this.asyncLoader = new AsyncLoader(async, asyncEngine, reads, writes, scoped, rules, clock,
        admitter, flight);
  }

  /** Resolves a user key under a view's prefix for the store. */
  Keys.StoreKey key(View view, String key) {
    return Keys.resolve(view.prefix(), key, rules);
  }

  /** Closes the cache: background work stops, and the store closes if the cache opened it. */
  void close() {
    if (calls.close()) {
      loader.close();
      dropped.close();
      async.close();
      if (ownsStore) {
        store.close();
      }
    }
  }
}
