package io.larder;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.MutableCallSite;
import java.util.ArrayList;
import java.util.List;

/**
 * A call site through which records' key text is written; {@link CacheKeys} writes every
 * record through the shared one, {@link #TEXT}, so that the JIT compiles a record class's
 * text handle ({@link RecordText}) into the code that makes the key, as it compiles
 * {@code "a" + x}: no lookup of the class's handle on each key, and no call through a handle
 * the JIT cannot see into.
 *
 * <p>A site starts as that lookup ({@link CacheKeys}' per-class {@code ClassValue})
 * and grows into a chain of class tests, one per linked class, each leading to its class's
 * handle: an inline cache, as the JVM keeps at its own call sites. A class is linked once
 * {@value #LINK_AFTER} of its records have been written through the lookup, and only the
 * first {@value #MAX_LINKED} classes are: each link makes the JIT recompile the code that
 * inlined the site, and each linked class adds a test to the chain (the first linked is tested
 * first). A class is linked only if it cannot be unloaded before Larder (it is not hidden, and
 * its loader is Larder's or one of its ancestors), since
 * the site holds it for good; others, a web application's records when Larder sits in the
 * server's own libraries for example, keep the lookup. Linking changes no text.
 */
final class RecordSite {
  /** How many record classes the shared site tests for before it falls back to the lookup. */
  static final int MAX_LINKED = 8;

  /** How many records of a class are written through the lookup before it is linked. */
  static final int LINK_AFTER = 256;

  private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

  private static final MethodHandle IS = find("is", boolean.class, Class.class,
      CacheKeys.Writer.class, Object.class);

  private static final MethodHandle LOOK_UP = find("lookUp", String.class, RecordSite.class,
      CacheKeys.Writer.class, Object.class);

  private static final RecordSite SHARED = new RecordSite(MAX_LINKED);

  /**
   * Writes a record of any class through the shared site: a handle of type
   * {@code (Writer, Object)String}, held in a constant so that the JIT inlines what the site
   * links.
   */
  static final MethodHandle TEXT = SHARED.text();

  private final int capacity;
  private final MutableCallSite site;
  /** The linked classes in the order linked, and their handles; guarded by {@code this}. */
  private final List<Class<?>> linked = new ArrayList<>();
  private final List<MethodHandle> texts = new ArrayList<>();

  /** Makes a site that links at most {@code capacity} classes (tests make small ones). */
  RecordSite(int capacity) {
    this.capacity = capacity;
    this.site = new MutableCallSite(LOOK_UP.bindTo(this));
  }

  /** Returns a handle of type {@code (Writer, Object)String} calling this site. */
  MethodHandle text() {
    return site.dynamicInvoker();
  }

  /**
   * Links a record class to its text handle, unless it is linked already, the site is full,
   * or the class may be unloaded before Larder.
   */
  synchronized void link(Class<?> type, MethodHandle text) {
    if (full() || linked.contains(type) || !outlivesLarder(type)) {
      return;
    }
    linked.add(type);
    texts.add(text);
    // rebuilt so that the first class linked, usually the hottest, is tested first
    MethodHandle target = LOOK_UP.bindTo(this);
    for (int i = linked.size() - 1; i >= 0; i--) {
      target = MethodHandles.guardWithTest(IS.bindTo(linked.get(i)), texts.get(i), target);
    }
    site.setTarget(target);
  }

  /** Returns whether a class is linked. */
  synchronized boolean linked(Class<?> type) {
    return linked.contains(type);
  }

  /** Returns whether the site links no more classes. */
  synchronized boolean full() {
    return linked.size() >= capacity;
  }

  /** Returns the site {@link #TEXT} calls (for tests). */
  static RecordSite shared() {
    return SHARED;
  }

  /**
   * Whether a class's loader is Larder's or one of its ancestors, and the class is not hidden
   * (a hidden class can be unloaded while its loader lives).
   */
  static boolean outlivesLarder(Class<?> type) {
    if (type.isHidden()) {
      return false;
    }
    ClassLoader loader = type.getClassLoader();
    if (loader == null) {
      return true;
    }
    for (ClassLoader l = RecordSite.class.getClassLoader(); l != null; l = l.getParent()) {
      if (l == loader) {
        return true;
      }
    }
    return false;
  }

  private static boolean is(Class<?> type, CacheKeys.Writer writer, Object record) {
    return record.getClass() == type;
  }

  private static String lookUp(RecordSite site, CacheKeys.Writer writer, Object record)
      throws Throwable {
    Class<?> type = record.getClass();
    CacheKeys.RecordShape shape = CacheKeys.recordShape(type);
    if (shape.linkDue()) {
      site.link(type, shape.text());
    }
    return (String) shape.text().invokeExact(writer, record);
  }

  private static MethodHandle find(String name, Class<?> returns, Class<?>... parameters) {
    try {
      return LOOKUP.findStatic(RecordSite.class, name,
          MethodType.methodType(returns, parameters));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
