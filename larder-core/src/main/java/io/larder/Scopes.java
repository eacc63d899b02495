package io.larder;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The preload scopes of one root cache, per thread. Each thread's open scopes form a stack
 * that only that thread changes. A scope closed by another thread is marked closed and
 * emptied; its own thread drops it from the stack at its next cache call. While no scope is
 * open anywhere, reads do not touch the thread-local at all, and a thread whose last scope
 * closes removes its entry.
 */
final class Scopes {
  /** Marks a key the scope knows to be missing; compared by identity. */
  static final byte[] MISSING = new byte[0];
  /**
   * Marks a key whose bytes a scope handed to a reader as that reader's own array; compared by
   * identity. The scope holds no copy of them any more, so a later read of the key asks the store.
   */
  static final byte[] HANDED = new byte[0];

  private final ThreadLocal<ArrayDeque<Scope>> stacks = new ThreadLocal<>();
  private final AtomicInteger open = new AtomicInteger();

  /** The most keys a learning scope records. */
  static final int MAX_LEARNED_KEYS = 1_000;

  /** Opens a scope holding {@code entries} (store key to bytes or {@link #MISSING}). */
  Scope open(Set<String> userKeys, Map<String, byte[]> entries) {
    return open(userKeys, entries, null, null);
  }

  /**
   * Opens a scope that also records the store keys this thread reads while it is open, and
   * hands them to {@code onClose} when it closes; {@code onClose == null} records nothing.
   * With a {@code flush}, the scope gathers the thread's writes while it is the outermost
   * gathering scope, and hands them to {@code flush} once it is closed and off the stack.
   */
  Scope open(Set<String> userKeys, Map<String, byte[]> entries,
      Consumer<Set<String>> onClose, Consumer<Map<String, Gathered>> flush) {
    return open(userKeys, entries, onClose, flush, null, null, null, false);
  }

  /**
   * Opens a scope as {@link #open(Set, Map, Consumer, Consumer)} does, remembering how its
   * user keys were resolved under {@code prefix}, so that a read of one of them through a view
   * of the same prefix takes the very {@link Keys.StoreKey} ({@link #preloaded}).
   *
   * @param loaded what the scope's own bulk read found (store key to bytes or {@link #MISSING}),
   *     a map only this thread touches, read after {@code entries}; {@code null} if none
   * @param handsOver whether the arrays in {@code loaded} are no one else's, so that the scope
   *     may hand one to a reader ({@link #read})
   */
  Scope open(Set<String> userKeys, Map<String, byte[]> entries,
      Consumer<Set<String>> onClose, Consumer<Map<String, Gathered>> flush,
      String prefix, Map<String, Keys.StoreKey> resolved, Map<String, byte[]> loaded,
      boolean handsOver) {
    ArrayDeque<Scope> stack = stacks.get();
    if (stack == null) {
      stack = new ArrayDeque<>();
      stacks.set(stack);
    }
    Scope scope = new Scope(stack, userKeys, entries, onClose, flush, prefix, resolved, loaded,
        handsOver);
    stack.push(scope);
    open.incrementAndGet();
    return scope;
  }

  /**
   * Runs {@code call} as if this thread had no open scope, and puts its scopes back after:
   * for asynchronous calls, which never read from or write into a scope.
   */
  <R> R outside(java.util.function.Supplier<R> call) {
    ArrayDeque<Scope> stack = open.get() == 0 ? null : stacks.get();
    if (stack == null) {
      return call.get();
    }
    stacks.remove();
    try {
      return call.get();
    } finally {
      stacks.set(stack);
    }
  }

  /** Whether a scope is open on any thread. */
  boolean anyOpen() {
    return open.get() != 0;
  }

  /**
   * Returns how an open scope of this thread resolved a user key under {@code prefix}, or
   * {@code null} if none did: a read inside a preload scope resolves its key once, not twice.
   */
  Keys.StoreKey preloaded(String prefix, String userKey) {
    ArrayDeque<Scope> stack = stack();
    return stack == null ? null : resolved(stack, prefix, userKey);
  }

  private static Keys.StoreKey resolved(ArrayDeque<Scope> stack, String prefix, String userKey) {
    for (Scope scope : stack) {
      if (scope.resolved != null && scope.prefix.equals(prefix)) {
        Keys.StoreKey k = scope.resolved.get(userKey);
        if (k != null) {
          return k;
        }
      }
    }
    return null;
  }

  /** Whether a scope is open on this thread. */
  boolean openOnThisThread() {
    return stack() != null;
  }

  /** Returns this thread's stack without scopes closed elsewhere, or null if none is open. */
  private ArrayDeque<Scope> stack() {
    if (open.get() == 0) {
      return null; // no scope is open on any thread: leave the thread-local alone
    }
    ArrayDeque<Scope> stack = stacks.get();
    if (stack == null) {
      stacks.remove();
      return null;
    }
    // every read inside a scope comes here twice; a scope closed by another thread is rare, so
    // look for one before paying for removeIf's own pass and predicate calls
    for (Scope scope : stack) {
      if (scope.closed) {
        stack.removeIf(s -> s.closed);
        break;
      }
    }
    if (stack.isEmpty()) {
      stacks.remove();
      return null;
    }
    return stack;
  }

  /**
   * What this thread knows of a store key, in one pass over its scopes: a held-back write's
   * bytes first, then {@link #MISSING} if {@code hidden} says so (a failed write), then the
   * innermost scope's entry; {@code null} if none. With {@code record}, the read is noted in
   * every learning scope first.
   */
  byte[] find(String storeKey, boolean record, Predicate<String> hidden) {
    ArrayDeque<Scope> stack = stack();
    if (stack == null) {
      return hidden.test(storeKey) ? MISSING : null;
    }
    for (Scope scope : stack) {
      if (record && scope.recorded != null && scope.recorded.size() < MAX_LEARNED_KEYS) {
        scope.recorded.add(storeKey);
      }
      if (scope.gathered != null) {
        Gathered g = scope.gathered(storeKey);
        if (g != null) {
          return g.bytes();
        }
      }
    }
    if (hidden.test(storeKey)) {
      return MISSING;
    }
    for (Scope scope : stack) {
      byte[] b = scope.known(storeKey);
      if (b != null) {
        return b == HANDED ? null : b;
      }
    }
    return null;
  }

  /**
   * What this thread's scopes know of one key for a single-key read, in one pass over the
   * stack: of {@code k}, or, with {@code k == null}, of the key an open scope resolved
   * {@code userKey} to under {@code prefix}. The read is recorded and answered as {@link #find}
   * answers it. With {@code adopt} (the reader's codec keeps the array it decodes), bytes that
   * the innermost scope holding the key found in its own bulk read of a store whose arrays are
   * no one else's, still held as read, in no envelope under a key not hashed, are handed to the
   * reader as its own: the scope then marks the key {@link #HANDED}, so that no one reads that
   * array from a scope again.
   *
   * <p>An array handed to a reader is held by no scope of any thread. The scope's bulk read made
   * it, so no scope of another thread and no scope opened before this one holds it. A scope
   * opened inside this one that took it (a nested scope listing the key, a request scope opening
   * with it) holds it in its entries, which are looked at before this scope's and never handed
   * out; when such a scope closes, {@link Scope#handDown} leaves the array out of the request
   * scope it hands down to, as long as a scope still holds it as loaded. So a scope that holds
   * the array in its entries is always looked at before the one that may hand it out.
   *
   * @return the innermost scope's answer slot, filled in, to be read at once (the next read on
   *     this thread refills it); {@code null} if this thread has no open scope, or if {@code k}
   *     is null and no open scope resolved {@code userKey}
   */
  Answer read(String prefix, String userKey, Keys.StoreKey k, boolean adopt,
      Predicate<String> hidden) {
    ArrayDeque<Scope> stack = stack();
    if (stack == null) {
      return null;
    }
    if (k == null) {
      k = resolved(stack, prefix, userKey);
      if (k == null) {
        return null;
      }
    }
    Answer answer = stack.peekFirst().answer;
    String storeKey = k.store();
    for (Scope scope : stack) {
      if (scope.recorded != null && scope.recorded.size() < MAX_LEARNED_KEYS) {
        scope.recorded.add(storeKey);
      }
      if (scope.gathered != null) {
        Gathered g = scope.gathered(storeKey);
        if (g != null) {
          return answer.set(k, g.bytes(), false);
        }
      }
    }
    if (hidden.test(storeKey)) {
      return answer.set(k, MISSING, false);
    }
    for (Scope scope : stack) {
      byte[] b = scope.entries.get(storeKey);
      if (b != null) {
        return answer.set(k, b == HANDED ? null : b, false);
      }
      Map<String, byte[]> loaded = scope.loaded;
      b = loaded == null ? null : loaded.get(storeKey);
      if (b != null) {
        if (b == HANDED) {
          return answer.set(k, null, false);
        }
        boolean owned = adopt && scope.handsOver && b != MISSING && !k.hashed()
            && Envelope.bare(b);
        if (owned) {
          loaded.put(storeKey, HANDED);
          assert heldByNone(stack, storeKey, b) : "a handed array is still held by a scope";
        }
        return answer.set(k, b, owned);
      }
    }
    return answer.set(k, null, false);
  }

  /** Whether no scope of {@code stack} holds {@code bytes} for a key any more (asserted). */
  private static boolean heldByNone(ArrayDeque<Scope> stack, String storeKey, byte[] bytes) {
    for (Scope scope : stack) {
      if (scope.entries.get(storeKey) == bytes || scope.loaded(storeKey) == bytes) {
        return false;
      }
    }
    return true;
  }

  /**
   * What {@link #read} found: one mutable slot per scope, written and read only by its thread,
   * so that the hottest read in a scope makes no object.
   */
  static final class Answer {
    /** The key read. */
    Keys.StoreKey key;
    /** Its bytes, {@link #MISSING} if known missing, {@code null} if no scope knows it. */
    byte[] bytes;
    /** Whether {@link #bytes} were handed to the reader as its own array. */
    boolean owned;

    private Answer set(Keys.StoreKey key, byte[] bytes, boolean owned) {
      this.key = key;
      this.bytes = bytes;
      this.owned = owned;
      return this;
    }
  }

  /** Records a write (or, with {@link #MISSING}, a delete) in every scope holding the key. */
  void written(String storeKey, byte[] bytes) {
    ArrayDeque<Scope> stack = stack();
    if (stack != null) {
      for (Scope scope : stack) {
        if (scope.entries.replace(storeKey, bytes) == null && scope.loaded(storeKey) != null) {
          scope.entries.put(storeKey, bytes); // ahead of what the scope loaded
        }
      }
    }
  }

  /** Whether a scope of this thread holds a key, so that a write of it must be recorded. */
  boolean holds(String storeKey) {
    ArrayDeque<Scope> stack = stack();
    if (stack != null) {
      for (Scope scope : stack) {
        if (scope.entries.containsKey(storeKey) || scope.loaded(storeKey) != null) {
          return true;
        }
      }
    }
    return false;
  }

  /** Makes every scope forget a key whose state is no longer known. */
  void forget(String storeKey) {
    ArrayDeque<Scope> stack = stack();
    if (stack != null) {
      for (Scope scope : stack) {
        scope.entries.remove(storeKey);
        Map<String, byte[]> loaded = scope.loaded;
        if (loaded != null) {
          loaded.remove(storeKey);
        }
      }
    }
  }

  /**
   * A write held back until the request's scope closes.
   *
   * @param bytes the sealed bytes
   * @param ttlMillis the TTL it was written with
   * @param stats the counters of the view that wrote it
   */
  record Gathered(byte[] bytes, long ttlMillis, StatsCounter stats) {}

  /** The outermost scope of this thread that gathers writes, or {@code null}. */
  Scope gatherer() {
    ArrayDeque<Scope> stack = stack();
    if (stack == null) {
      return null;
    }
    for (Iterator<Scope> it = stack.descendingIterator(); it.hasNext(); ) {
      Scope scope = it.next();
      if (scope.gathered != null) {
        return scope;
      }
    }
    return null;
  }

  /** The bytes of a write this thread's scopes hold back for {@code storeKey}, or null. */
  byte[] gathered(String storeKey) {
    ArrayDeque<Scope> stack = stack();
    if (stack == null) {
      return null;
    }
    for (Scope scope : stack) {
      if (scope.gathered != null) {
        Gathered g = scope.gathered(storeKey);
        if (g != null) {
          return g.bytes();
        }
      }
    }
    return null;
  }

  /**
   * Takes every write this thread's scopes hold back, for a flush before a call that must see
   * the store as the request left it; empty when none.
   */
  Map<String, Gathered> takeGathered() {
    ArrayDeque<Scope> stack = stack();
    if (stack == null) {
      return Map.of();
    }
    Map<String, Gathered> all = null;
    for (Iterator<Scope> it = stack.descendingIterator(); it.hasNext(); ) {
      Scope scope = it.next();
      if (scope.gathered != null) {
        Map<String, Gathered> taken = scope.takeGathered();
        if (!taken.isEmpty()) {
          if (all == null) {
            all = new LinkedHashMap<>(taken);
          } else {
            all.putAll(taken);
          }
        }
      }
    }
    return all == null ? Map.of() : all;
  }

  /** Drops held-back writes of keys under {@code prefix} ("" means all): a clear wins. */
  void dropGathered(String prefix) {
    inGathered(gathered -> gathered.keySet().removeIf(k -> k.startsWith(prefix)));
  }

  /** Drops a held-back write of one key: a delete or a write that went out at once wins. */
  void dropGatheredKey(String storeKey) {
    inGathered(gathered -> gathered.remove(storeKey));
  }

  /** Changes the held-back writes of each of this thread's gathering scopes, under its lock. */
  private void inGathered(java.util.function.Consumer<Map<String, Gathered>> change) {
    ArrayDeque<Scope> stack = stack();
    if (stack != null) {
      for (Scope scope : stack) {
        if (scope.gathered != null) {
          synchronized (scope.gathered) {
            change.accept(scope.gathered);
          }
        }
      }
    }
  }

  /** Marks every key under {@code prefix} missing in every scope ("" means all keys). */
  void cleared(String prefix) {
    ArrayDeque<Scope> stack = stack();
    if (stack != null) {
      for (Scope scope : stack) {
        scope.entries.replaceAll((k, v) -> k.startsWith(prefix) ? MISSING : v);
        Map<String, byte[]> loaded = scope.loaded;
        if (loaded != null) {
          loaded.replaceAll((k, v) -> k.startsWith(prefix) ? MISSING : v);
        }
      }
    }
  }

  /** One open scope; its entries are touched only by the thread that opened it. */
  final class Scope implements Preload {
    private final ArrayDeque<Scope> stack;
    private final Thread owner = Thread.currentThread();
    private final Set<String> userKeys;
    /** Dropped, not emptied, when the owner closes it: emptying costs a lock per entry. */
    Map<String, byte[]> entries;
    private volatile boolean closed;
    private final AtomicBoolean counted = new AtomicBoolean(true);
    /** The store keys read while open, in order, for a learning scope; else null. */
    final Set<String> recorded;
    private final Consumer<Set<String>> onClose;
    /** Writes held back while this is the outermost gathering scope; null if it gathers none. */
    private final Map<String, Gathered> gathered;
    private final Consumer<Map<String, Gathered>> flush;
    /** The view prefix its user keys were resolved under, and how; null for other scopes. */
    private final String prefix;
    private final Map<String, Keys.StoreKey> resolved;
    /**
     * What this scope's own bulk read found, below {@link #entries} (which take its writes):
     * touched only by the owner, dropped (set to null) by whichever thread closes the scope.
     * A plain map, so that opening a scope copies nothing into a concurrent one.
     */
    private volatile Map<String, byte[]> loaded;
    /** Whether the arrays in {@link #loaded} are no one else's, to be handed out. */
    private final boolean handsOver;
    /** Where {@link Scopes#read} answers while this is the thread's innermost scope. */
    private final Answer answer = new Answer();

    Scope(ArrayDeque<Scope> stack, Set<String> userKeys, Map<String, byte[]> entries,
        Consumer<Set<String>> onClose, Consumer<Map<String, Gathered>> flush, String prefix,
        Map<String, Keys.StoreKey> resolved, Map<String, byte[]> loaded, boolean handsOver) {
      this.stack = stack;
      this.loaded = loaded;
      this.handsOver = handsOver;
      this.prefix = prefix;
      this.resolved = resolved;
      this.onClose = onClose;
      this.flush = flush;
      this.gathered = flush == null ? null : new LinkedHashMap<>();
      this.recorded = onClose == null ? null : Collections.synchronizedSet(new LinkedHashSet<>());
      this.userKeys = userKeys;
      // concurrent only so that a close from another thread can empty it safely; a concurrent
      // map the opener made for this scope is kept as it is
      this.entries = entries instanceof ConcurrentHashMap<String, byte[]> own ? own
          : new ConcurrentHashMap<>(entries);
    }

    @Override
    public Set<String> keys() {
      return userKeys;
    }

    /** What this scope's own bulk read found for a key, or {@code null}. */
    private byte[] loaded(String storeKey) {
      Map<String, byte[]> own = loaded;
      return own == null ? null : own.get(storeKey);
    }

    /** What this scope knows of a key: a write first, then what it loaded; or {@code null}. */
    private byte[] known(String storeKey) {
      byte[] b = entries.get(storeKey);
      return b != null ? b : loaded(storeKey);
    }

    /** Holds back a write until this scope closes. */
    void gather(String storeKey, Gathered write) {
      synchronized (gathered) {
        gathered.remove(storeKey); // a rewrite moves the key to the end, as the store sees it
        gathered.put(storeKey, write);
      }
    }

    private Gathered gathered(String storeKey) {
      synchronized (gathered) {
        return gathered.get(storeKey);
      }
    }

    private Map<String, Gathered> takeGathered() {
      synchronized (gathered) {
        if (gathered.isEmpty()) {
          return Map.of();
        }
        Map<String, Gathered> taken = new LinkedHashMap<>(gathered);
        gathered.clear();
        return taken;
      }
    }

    @Override
    public void close() {
      if (!counted.compareAndSet(true, false)) {
        closed = true;
        leave(); // closed before by another thread: the owner still takes it off its stack
        return;
      }
      try {
        if (onClose != null) {
          Set<String> keys;
          synchronized (recorded) {
            keys = new LinkedHashSet<>(recorded);
          }
          // while this scope is still open, so that what onClose writes is gathered too
          onClose.accept(keys);
        }
      } finally {
        closed = true;
        open.decrementAndGet();
        handDown();
        leave();
        if (gathered != null) {
          Map<String, Gathered> writes = takeGathered();
          if (!writes.isEmpty()) {
            flush.accept(writes);
          }
        }
      }
    }

    /**
     * Leaves what this scope knows to the request scope around it, if any: a request is one
     * snapshot, so a read after an inner scope closed (the page cache reading back the page it
     * stored, under the tag generations the rendering read) needs no round trip. An array this
     * scope took from another scope's bulk read stays out of it: that scope may still hand the
     * array to a reader as its own, and hands down what it holds when it closes.
     */
    private void handDown() {
      if (Thread.currentThread() != owner) {
        return;
      }
      Scope gatherer = gatherer();
      if (gatherer != null && gatherer != this) {
        entries.forEach((k, b) -> {
          if (!loadedElsewhere(k, b)) {
            gatherer.entries.putIfAbsent(k, b);
          }
        });
        Map<String, byte[]> own = loaded;
        if (own != null) {
          own.forEach(gatherer.entries::putIfAbsent);
        }
      }
    }

    /** Whether another scope of this thread holds {@code bytes} for a key as loaded. */
    private boolean loadedElsewhere(String storeKey, byte[] bytes) {
      for (Scope scope : stack) {
        if (scope != this && scope.loaded(storeKey) == bytes) {
          return true;
        }
      }
      return false;
    }

    /** Takes this scope off its thread's stack (or leaves that to the owner) and empties it. */
    private void leave() {
      loaded = null;
      if (Thread.currentThread() != owner) {
        entries.clear(); // the owner drops the scope from its stack at its next cache call
        return;
      }
      for (Iterator<Scope> it = stack.iterator(); it.hasNext(); ) {
        if (it.next() == this) {
          it.remove();
          break;
        }
      }
      if (stack.isEmpty() && stacks.get() == stack) {
        stacks.remove();
      }
      // off the stack, no read reaches it: a closed scope someone keeps holds no bytes
      entries = Collections.emptyMap();
    }

    @Override
    public String toString() {
      return "Preload" + userKeys + (closed ? " (closed)" : "");
    }
  }
}
