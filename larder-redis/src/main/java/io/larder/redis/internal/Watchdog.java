package io.larder.redis.internal;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Enforces the deadlines of a {@link DirectConnection}'s blocking socket calls by closing the
 * socket of one that outlasts its deadline, so that the socket needs no timeout of its own.
 *
 * <p>Why: a {@link Socket} given a timeout (or a timed connect) is switched to non-blocking mode
 * for good, and each read then costs a {@code read} that usually finds no reply yet, a {@code
 * poll}, and a second {@code read}; without one a read is a single blocking {@code read}. At one
 * thread of {@code get} or {@code set} that was 11 to 18 % of the calling thread's CPU per call
 * (docs/BENCHMARKS.md, "Redis single-key calls: one read per reply").
 *
 * <p>How: the thread holding the connection marks each watched call with {@link #watch} and
 * {@link #done}; one daemon thread per connection sleeps until the deadline of the call in
 * progress (or, when none is, until woken), and at a deadline closes that call's socket, which
 * makes the blocked read or connect fail at once. A call and the watchdog settle who finished
 * first with one compare-and-set, so the watchdog never closes a socket after its call was done,
 * and a call it timed out always fails with a {@link SocketTimeoutException}, even if its bytes
 * came in at the last moment. Per call that costs three volatile writes and one compare-and-set;
 * the watchdog wakes about once per deadline of the connection's timeout, not per call.
 */
final class Watchdog {
  private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());
  /** What {@link #reading} holds when no call is watched. */
  private static final long IDLE = 0;
  /** What {@link #reading} holds after the watchdog timed a call out. */
  private static final long TIMED_OUT = -1;

  /** The id of the watched call in progress, {@link #IDLE} or {@link #TIMED_OUT}. */
  private final AtomicLong reading = new AtomicLong(IDLE);
  /** The watched call's deadline and socket, written before its id is published. */
  private volatile long deadline;
  private volatile Socket socket;
  /** When the watchdog thread wakes next by itself, in {@link System#nanoTime()}'s terms. */
  private volatile long wakeAt;
  private volatile boolean idle;
  private volatile boolean stopped;
  /** The last id given out; only the thread holding the connection calls {@link #watch}. */
  private long lastId;
  /** Set only once the thread has started, so that a failed start is tried again. */
  private volatile Thread thread;
  private final String name;
  private final ThreadFactory threads;

  /**
   * Creates a watchdog; its thread, a daemon, starts with the first watched call. It is made
   * on the caller's thread but takes nothing from it: its context class loader is the
   * library's, not the caller's (which, in a servlet container, would pin the web application's
   * loader until the store is closed), and it inherits no inheritable thread-locals.
   *
   * @param name the thread's name
   */
  Watchdog(String name) {
    this(name, run -> {
      Thread t = new Thread(null, run, name, 0, false);
      t.setDaemon(true);
      t.setContextClassLoader(Watchdog.class.getClassLoader());
      return t;
    });
  }

  /**
   * Creates a watchdog whose thread comes from {@code threads} (for tests).
   *
   * @param name names the watchdog in messages
   * @param threads makes the watchdog's thread, not yet started
   */
  Watchdog(String name, ThreadFactory threads) {
    this.name = name;
    this.threads = threads;
  }

  /**
   * Starts watching a blocking call on {@code socket}, which is closed if the call is not {@link
   * #done} by {@code deadline}.
   *
   * @param watched the socket of the call, closed if the call outlasts its deadline
   * @param by the call's deadline, in {@link System#nanoTime()}'s terms
   * @return the call's id, for {@link #done}; never 0
   * @throws IllegalStateException if the watchdog was stopped: nothing would bound the call
   */
  long watch(Socket watched, long by) {
    if (stopped) {
      throw new IllegalStateException(name + " is stopped");
    }
    long id = ++lastId;
    if (id <= 0) { // after 2^63 calls
      id = lastId = 1;
    }
    socket = watched;
    deadline = by;
    reading.set(id);
    Thread t = thread;
    if (t == null) {
      try {
        start();
      } catch (Throwable e) { // no thread (say, out of native threads): the call must not go on
        reading.set(IDLE);
        throw e;
      }
    } else if (idle || by - wakeAt < 0) { // it sleeps past this deadline
      LockSupport.unpark(t);
    }
    return id;
  }

  /**
   * Ends the watch of a call that succeeded.
   *
   * @throws SocketTimeoutException if the watchdog timed the call out first (its socket is then
   *     closed or being closed, and must not be used again)
   */
  void done(long id) throws SocketTimeoutException {
    if (!reading.compareAndSet(id, IDLE)) {
      throw new SocketTimeoutException("no reply within the timeout");
    }
  }

  /**
   * Ends the watch of a call that failed; if the watchdog timed it out (and so made it fail),
   * the failure is the timeout.
   *
   * @throws SocketTimeoutException in place of an {@link IOException} the watchdog caused by
   *     closing the socket at the deadline, with that exception as its cause
   */
  void done(long id, Throwable failure) throws SocketTimeoutException {
    if (reading.compareAndSet(id, IDLE) || failure instanceof SocketTimeoutException
        || !(failure instanceof IOException)) {
      return; // the failure stands as it is
    }
    SocketTimeoutException timeout = new SocketTimeoutException("no reply within the timeout");
    timeout.initCause(failure);
    throw timeout;
  }

  /** Ends the watchdog's thread (the connection is closed); idempotent. */
  void stop() {
    stopped = true;
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** The watchdog's thread, or {@code null} before the first watched call (for tests). */
  Thread thread() {
    return thread;
  }

  private void start() {
    Thread t = threads.newThread(this::run);
    t.start();
    thread = t;
    if (stopped) { // a stop() that read thread before it was set
      LockSupport.unpark(t);
    }
  }

  /** The watchdog thread's loop: it must outlive any failure, or deadlines go unenforced. */
  private void run() {
    boolean logged = false;
    while (!stopped) {
      try {
        step();
      } catch (Throwable e) {
        if (!logged) {
          logged = true;
          LOG.log(System.Logger.Level.WARNING, name + " failed once and goes on (logged once)", e);
        }
        LockSupport.parkNanos(this, 1_000_000L); // never spin on a failure that repeats
      }
    }
  }

  /** Sleeps until the next deadline or watched call, or closes the socket of a late call. */
  private void step() {
    long id = reading.get();
    if (id <= 0) { // nothing watched: sleep until a call starts
      idle = true;
      if (reading.get() <= 0 && !stopped) { // a watch() after idle = true wakes it
        LockSupport.park(this);
      }
      idle = false;
      return;
    }
    long by = deadline;
    Socket watched = socket;
    if (reading.get() != id) {
      return; // done meanwhile: deadline and socket may belong to the next call
    }
    long left = by - System.nanoTime();
    if (left > 0) {
      wakeAt = by;
      if (reading.get() == id) { // a watch() after wakeAt was written sees it
        LockSupport.parkNanos(this, left);
      }
      return;
    }
    if (reading.compareAndSet(id, TIMED_OUT)) {
      try {
        watched.close(); // the blocked read or connect fails at once
      } catch (IOException ignored) {
        // closing to break a late call: nothing more to do
      }
    }
  }
}
