package io.larder.redis.internal;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Enforces the deadlines of {@link DirectConnection}s' blocking socket calls by closing the
 * socket of one that outlasts its deadline, so that the sockets need no timeout of their own.
 * One watchdog, one thread, serves every caller-thread connection of a store (two for one
 * server, two per primary of a cluster); each connection watches its calls through its own
 * {@link Watched}, and a deadline closes that connection's socket only.
 *
 * <p>Why: a {@link Socket} given a timeout (or a timed connect) is switched to non-blocking mode
 * for good, and each read then costs a {@code read} that usually finds no reply yet, a {@code
 * poll}, and a second {@code read}; without one a read is a single blocking {@code read}. At one
 * thread of {@code get} or {@code set} that was 11 to 18 % of the calling thread's CPU per call
 * (docs/BENCHMARKS.md, "Redis single-key calls: one read per reply").
 *
 * <p>How: the thread holding a connection marks each watched call with {@link Watched#watch}
 * and {@link Watched#done}, which give each call an id of its own; the daemon thread sleeps
 * until the earliest deadline of the calls in progress (or, when none is, until woken), and at a
 * deadline closes that call's socket, which makes the blocked read or connect fail at once. A
 * call and the watchdog settle who finished first with one compare-and-set on that connection's
 * state, so the watchdog never closes a socket after its call was done, and a call it timed out
 * always fails with a {@link SocketTimeoutException}, even if its bytes came in at the last
 * moment. Per call that costs three volatile writes, two volatile reads and one compare-and-set,
 * none on a field another connection writes; the watchdog wakes about once per deadline of the
 * connections' timeout, not per call.
 */
final class Watchdog {
  private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());
  /** What {@link Watched#reading} holds when no call is watched. */
  private static final long IDLE = 0;
  /** What {@link Watched#reading} holds after the watchdog timed a call out. */
  private static final long TIMED_OUT = -1;

  /** The connections watched: few, added and removed only as connections open and close. */
  private final CopyOnWriteArrayList<Watched> watched = new CopyOnWriteArrayList<>();
  /** When the watchdog thread wakes next by itself, in {@link System#nanoTime()}'s terms. */
  private volatile long wakeAt;
  private volatile boolean idle;
  private volatile boolean stopped;
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
   * Creates the watchdog of a store's caller-thread connections, its thread named after them.
   *
   * @param connections the server, or the cluster, whose connections it watches
   */
  static Watchdog of(String connections) {
    return new Watchdog("larder-redis-watchdog " + connections);
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
   * Adds a connection to watch.
   *
   * @return what the connection marks its calls with; {@link Watched#close} removes it
   */
  Watched register() {
    Watched w = new Watched();
    watched.add(w);
    return w;
  }

  /**
   * The calls of one connection: one at a time, by the thread holding the connection.
   */
  final class Watched {
    /** The id of the watched call in progress, {@link #IDLE} or {@link #TIMED_OUT}. */
    private final AtomicLong reading = new AtomicLong(IDLE);
    /** The watched call's deadline and socket, written before its id is published. */
    private volatile long deadline;
    private volatile Socket socket;
    /** The last id given out; only the thread holding the connection calls {@link #watch}. */
    private long lastId;

    private Watched() {
    }

    /**
     * Starts watching a blocking call on {@code socket}, which is closed if the call is not
     * {@link #done} by {@code deadline}.
     *
     * @param watchedSocket the socket of the call, closed if the call outlasts its deadline
     * @param by the call's deadline, in {@link System#nanoTime()}'s terms
     * @return the call's id, for {@link #done}; never 0
     * @throws IllegalStateException if the watchdog was stopped: nothing would bound the call
     */
    long watch(Socket watchedSocket, long by) {
      if (stopped) {
        throw new IllegalStateException(name + " is stopped");
      }
      long id = ++lastId;
      if (id <= 0) { // after 2^63 calls
        id = lastId = 1;
      }
      socket = watchedSocket;
      deadline = by;
      reading.set(id);
      if (stopped) { // a stop() that looked at this connection before the id was published
        reading.compareAndSet(id, IDLE); // or stop() timed it out: either way the call ends
        throw new IllegalStateException(name + " is stopped");
      }
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
     * @throws SocketTimeoutException if the watchdog timed the call out first (its socket is
     *     then closed or being closed, and must not be used again)
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

    /**
     * Times out the call in progress, whatever its deadline, as {@link #check} does at a
     * deadline: its socket is closed and the call fails with a {@link SocketTimeoutException}.
     */
    private void timeOut() {
      long id = reading.get();
      if (id <= 0) {
        return;
      }
      try {
        expire(id, socket); // this call's socket, or a later one's if the CAS in expire fails
      } catch (RuntimeException ignored) {
        // closing to break a call: nothing more to do, and the other connections' calls next
      }
    }

    /**
     * Marks call {@code id} timed out, unless it ended meanwhile, and then closes its socket,
     * which makes its blocked read or connect fail at once.
     */
    private void expire(long id, Socket late) {
      if (reading.compareAndSet(id, TIMED_OUT)) {
        try {
          late.close();
        } catch (IOException ignored) {
          // closing to break a late call: nothing more to do
        }
      }
    }

    /** Stops watching this connection (it is closed); idempotent. */
    void close() {
      watched.remove(this);
    }

    /** The watchdog this connection is watched by. */
    Watchdog owner() {
      return Watchdog.this;
    }

    /**
     * The watchdog thread's look at this connection: closes the socket of a call past its
     * deadline, and returns the deadline of one still in time, or {@code null} when no call is
     * in progress (or the call ended while looked at).
     */
    private Long check(long now) {
      long id = reading.get();
      if (id <= 0) {
        return null;
      }
      long by = deadline;
      Socket late = socket;
      if (reading.get() != id) {
        return null; // done meanwhile: deadline and socket may belong to the next call
      }
      if (by - now > 0) {
        return by;
      }
      expire(id, late);
      return null;
    }
  }

  /**
   * Ends the watchdog's thread; idempotent. A call still in progress on a connection it watches
   * (one whose close is still under way, say) is timed out at once, its socket closed, since
   * nothing would bound it afterwards; a call that starts afterwards fails at {@link
   * Watched#watch}.
   */
  void stop() {
    stopped = true;
    for (Watched w : watched) { // after stopped = true: a watch() that this misses sees it
      w.timeOut();
    }
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** The watchdog's thread, or {@code null} before the first watched call (for tests). */
  Thread thread() {
    return thread;
  }

  private synchronized void start() {
    if (thread != null) { // another connection's first call started it meanwhile
      LockSupport.unpark(thread);
      return;
    }
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

  /**
   * Closes the sockets of late calls, then sleeps until the earliest deadline of the calls in
   * progress, or, with none, until a call starts. A call that starts while this looks either is
   * seen by the second look (made after {@link #idle} or {@link #wakeAt} was published) or sees
   * what was published and wakes the thread.
   */
  private void step() {
    Long next = earliest();
    if (next == null) {
      idle = true;
      if (earliest() == null && !stopped) { // a watch() after idle = true wakes it
        LockSupport.park(this);
      }
      idle = false;
      return;
    }
    wakeAt = next;
    Long again = earliest();
    if (again != null && again == (long) next) { // a watch() after wakeAt was written sees it
      LockSupport.parkNanos(this, next - System.nanoTime());
    }
  }

  /** The earliest deadline of the calls in progress, after closing the late ones' sockets. */
  private Long earliest() {
    long now = System.nanoTime();
    Long earliest = null;
    for (Watched w : watched) {
      Long by = w.check(now);
      if (by != null && (earliest == null || by - earliest < 0)) {
        earliest = by;
      }
    }
    return earliest;
  }
}
