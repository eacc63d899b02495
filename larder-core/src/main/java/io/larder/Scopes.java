package io.larder;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The preload scopes of one root cache, per thread. Each thread's open scopes form a stack;
 * a thread with no open scope holds no thread-local state, so pooled threads leak nothing.
 */
final class Scopes {
  /** Marks a key the scope knows to be missing; compared by identity. */
  static final byte[] MISSING = new byte[0];

  private final ThreadLocal<ArrayDeque<Scope>> stacks = new ThreadLocal<>();

  /** Opens a scope holding {@code entries} (store key to bytes or {@link #MISSING}). */
  Scope open(Set<String> userKeys, Map<String, byte[]> entries) {
    ArrayDeque<Scope> stack = stacks.get();
    if (stack == null) {
      stack = new ArrayDeque<>();
      stacks.set(stack);
    }
    Scope scope = new Scope(stack, userKeys, entries);
    stack.push(scope);
    return scope;
  }

  /**
   * Returns what the innermost scope that knows {@code storeKey} holds: the bytes,
   * {@link #MISSING}, or {@code null} if no open scope of this thread knows it.
   */
  byte[] lookup(String storeKey) {
    ArrayDeque<Scope> stack = stacks.get();
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

  /** Records a write (or, with {@link #MISSING}, a delete) in every scope holding the key. */
  void written(String storeKey, byte[] bytes) {
    ArrayDeque<Scope> stack = stacks.get();
    if (stack != null) {
      for (Scope scope : stack) {
        scope.entries.replace(storeKey, bytes);
      }
    }
  }

  /** Makes every scope forget a key whose state is no longer known. */
  void forget(String storeKey) {
    ArrayDeque<Scope> stack = stacks.get();
    if (stack != null) {
      for (Scope scope : stack) {
        scope.entries.remove(storeKey);
      }
    }
  }

  /** Marks every key under {@code prefix} missing in every scope ("" means all keys). */
  void cleared(String prefix) {
    ArrayDeque<Scope> stack = stacks.get();
    if (stack != null) {
      for (Scope scope : stack) {
        scope.entries.replaceAll((k, v) -> k.startsWith(prefix) ? MISSING : v);
      }
    }
  }

  /** One open scope; confined to its thread. */
  final class Scope implements Preload {
    private final ArrayDeque<Scope> stack;
    private final Thread owner = Thread.currentThread();
    private final Set<String> userKeys;
    final Map<String, byte[]> entries;
    private boolean closed;

    Scope(ArrayDeque<Scope> stack, Set<String> userKeys, Map<String, byte[]> entries) {
      this.stack = stack;
      this.userKeys = Collections.unmodifiableSet(userKeys);
      this.entries = new HashMap<>(entries);
    }

    @Override
    public Set<String> keys() {
      return userKeys;
    }

    @Override
    public void close() {
      if (Thread.currentThread() != owner) {
        throw new IllegalStateException("a preload scope must be closed by the thread that opened it ("
            + owner.getName() + "), not by " + Thread.currentThread().getName());
      }
      if (closed) {
        return;
      }
      closed = true;
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
