package io.larder;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

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

  private final ThreadLocal<ArrayDeque<Scope>> stacks = new ThreadLocal<>();
  private final AtomicInteger open = new AtomicInteger();

  /** The most keys a learning scope records. */
  static final int MAX_LEARNED_KEYS = 1_000;

  /** Opens a scope holding {@code entries} (store key to bytes or {@link #MISSING}). */
  Scope open(Set<String> userKeys, Map<String, byte[]> entries) {
    return open(userKeys, entries, null);
  }

  /**
   * Opens a scope that also records the store keys this thread reads while it is open, and
   * hands them to {@code onClose} when it closes; {@code onClose == null} records nothing.
   */
  Scope open(Set<String> userKeys, Map<String, byte[]> entries,
      Consumer<Set<String>> onClose) {
    ArrayDeque<Scope> stack = stacks.get();
    if (stack == null) {
      stack = new ArrayDeque<>();
      stacks.set(stack);
    }
    Scope scope = new Scope(stack, userKeys, entries, onClose);
    stack.push(scope);
    open.incrementAndGet();
    return scope;
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
    stack.removeIf(scope -> scope.closed);
    if (stack.isEmpty()) {
      stacks.remove();
      return null;
    }
    return stack;
  }

  /**
   * Returns what the innermost scope that knows {@code storeKey} holds: the bytes,
   * {@link #MISSING}, or {@code null} if no open scope of this thread knows it.
   */
  byte[] lookup(String storeKey) {
    ArrayDeque<Scope> stack = stack();
    if (stack == null) {
      return null;
    }
    for (Scope scope : stack) {
      byte[] b = scope.entries.get(storeKey);
      if (b != null) {
        return b;
      }
    }
    return null;
  }

  /** Notes a read of a store key in every learning scope of this thread. */
  void recordRead(String storeKey) {
    ArrayDeque<Scope> stack = stack();
    if (stack != null) {
      for (Scope scope : stack) {
        if (scope.recorded != null && scope.recorded.size() < MAX_LEARNED_KEYS) {
          scope.recorded.add(storeKey);
        }
      }
    }
  }

  /** Records a write (or, with {@link #MISSING}, a delete) in every scope holding the key. */
  void written(String storeKey, byte[] bytes) {
    ArrayDeque<Scope> stack = stack();
    if (stack != null) {
      for (Scope scope : stack) {
        scope.entries.replace(storeKey, bytes);
      }
    }
  }

  /** Whether a scope of this thread holds a key, so that a write of it must be recorded. */
  boolean holds(String storeKey) {
    ArrayDeque<Scope> stack = stack();
    if (stack != null) {
      for (Scope scope : stack) {
        if (scope.entries.containsKey(storeKey)) {
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
      }
    }
  }

  /** Marks every key under {@code prefix} missing in every scope ("" means all keys). */
  void cleared(String prefix) {
    ArrayDeque<Scope> stack = stack();
    if (stack != null) {
      for (Scope scope : stack) {
        scope.entries.replaceAll((k, v) -> k.startsWith(prefix) ? MISSING : v);
      }
    }
  }

  /** One open scope; its entries are touched only by the thread that opened it. */
  final class Scope implements Preload {
    private final ArrayDeque<Scope> stack;
    private final Thread owner = Thread.currentThread();
    private final Set<String> userKeys;
    final Map<String, byte[]> entries;
    private volatile boolean closed;
    private final AtomicBoolean counted = new AtomicBoolean(true);
    /** The store keys read while open, in order, for a learning scope; else null. */
    final Set<String> recorded;
    private final Consumer<Set<String>> onClose;

    Scope(ArrayDeque<Scope> stack, Set<String> userKeys, Map<String, byte[]> entries,
        Consumer<Set<String>> onClose) {
      this.stack = stack;
      this.onClose = onClose;
      this.recorded = onClose == null ? null : Collections.synchronizedSet(new LinkedHashSet<>());
      this.userKeys = Collections.unmodifiableSet(userKeys);
      // concurrent only so that a close from another thread can empty it safely
      this.entries = new ConcurrentHashMap<>(entries);
    }

    @Override
    public Set<String> keys() {
      return userKeys;
    }

    @Override
    public void close() {
      closed = true;
      if (counted.compareAndSet(true, false)) {
        open.decrementAndGet();
        if (onClose != null) {
          Set<String> keys;
          synchronized (recorded) {
            keys = new LinkedHashSet<>(recorded);
          }
          onClose.accept(keys);
        }
      }
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
      entries.clear();
    }

    @Override
    public String toString() {
      return "Preload" + userKeys + (closed ? " (closed)" : "");
    }
  }
}
