package io.larder.redis.internal;

import io.larder.spi.Backoff;
import io.larder.spi.HostPort;
import io.lettuce.core.RedisCommandExecutionException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A blocking connection to one Redis server, on which callers' threads write their commands and
 * read the replies themselves, with no hand-over to Lettuce's event loop and back (two thread
 * wake-ups per call, which are what a lone call spends most of its time on when the machine is
 * busy).
 *
 * <p>Concurrent callers combine: the thread that finds the connection free sends its commands
 * and everything other threads queued meanwhile in one write (their lone {@code GET}s as one
 * {@code MGET}), reads the replies, and hands each caller its own; the others park until then.
 * When it is done it wakes the first thread still queued, which sends the next batch; after a
 * batch with a bulk call in it, it sends what queued meanwhile itself, before handing the
 * replies out, as much as goes in one write of 16 kB (a larger call waits for the replies to be
 * handed out and is then sent by its own caller), and hands the connection to one of that
 * batch's callers, the one with the latest deadline that is neither interrupted nor late, who
 * reads that batch's replies in turn; so under a load of bulk calls Redis always has a batch to
 * work on while the client completes the last one and wakes the next reader, as with a
 * pipelining client. A batch
 * holds what arrived during one round trip, no thread of Lettuce's takes part, and each waiting
 * caller costs one park and one wake-up. A lone call goes out at once.
 *
 * <p>It speaks only what it needs of RESP2: commands as arrays of bulk strings, one or a
 * pipeline in one write; simple-string, error, integer, bulk and array replies. Plain TCP only,
 * to a single server or one primary of a cluster (TLS goes through Lettuce; on a cluster node a
 * batch's {@code GET}s stay separate commands, and a redirection is an error reply the store
 * answers through Lettuce). A batch that fails on the socket (a
 * timeout, a reset, a reply it cannot read) fails each of its callers once and closes the
 * socket, since a late reply would otherwise answer the next call; the connection is opened
 * again in the background after a backoff, and meanwhile calls use the store's other
 * caller-thread connection, or Lettuce when that is down too ({@link DirectConnections}). An error
 * reply ({@code WRONGTYPE}) goes to its caller only and leaves the connection open. A caller
 * whose deadline passes while queued or in flight gives up alone; a queued call whose deadline
 * has passed is not sent; a batch's read timeout is the latest deadline among its callers, so
 * that one nearly expired caller does not fail the others (only the caller that leads a batch
 * may wait past its own deadline, for the batch's replies; the one handed a batch to read has
 * the batch's deadline as its own). A caller handed a batch to read no longer gives up: it reads
 * the batch to the end even if interrupted meanwhile (a socket read cannot be interrupted).
 *
 * <p>The socket has no timeout of its own and is connected without one, so that it stays in
 * blocking mode and a reply costs one {@code read}; a {@link Watchdog} closes it when a read
 * (or the connect and handshake) outlasts its deadline.
 */
final class DirectConnection {
  private static final byte[] GET = {'G', 'E', 'T'};
  private static final byte[] MGET = {'M', 'G', 'E', 'T'};
  /** Callers' commands sent in one batch at most; more wait for the next. */
  private static final int MAX_BATCH = 256;
  /**
   * The most bytes of commands a thread holding replies for its callers sends before it hands
   * them out ({@link #readAndPass}): what fits {@link #buffer}, so one write, into a socket whose
   * previous batch the server has read (its receive window is open), which the socket takes at
   * once even when the server has stalled.
   */
  private static final int EARLY_BYTES = 16384;
  /** What {@link #tryRun} returns when another thread holds the connection. */
  static final List<Object> BUSY = java.util.Collections.unmodifiableList(new ArrayList<>());
  /** The outcome of a call queued while the connection went down. */
  private static final Object UNAVAILABLE = new Object();

  private final HostPort server;
  private final RedisConfig config;
  /** Whether a batch's lone {@code GET}s are merged into one {@code MGET} (not in a cluster). */
  private final boolean mergeGets;
  private final Executor background;
  private final Backoff backoff = Backoff.defaults();
  /**
   * Held by the thread that uses the socket. Not a lock owned by a thread: a leader that sends
   * the next batch hands the connection to a caller of that batch, who reads its replies and
   * then releases it or hands it on ({@link #readAndPass}). Every path that takes it either
   * releases it once ({@link #unlockAndWake}) or hands it on once ({@link #pass}), never both;
   * {@link #holder} checks this, since a second release would let two threads use the socket.
   */
  private final Semaphore permit = new Semaphore(1);
  /**
   * The thread that holds {@link #permit}, set when it is taken or handed on; releasing it from
   * another thread is a bug, which {@link #unlockAndWake} turns into an {@link AssertionError}
   * (the tests run with assertions on).
   */
  private volatile Thread holder;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  /** Whether a socket is open, for callers deciding without holding the connection. */
  private volatile boolean up;
  private final byte[] buffer = new byte[16384];
  /** Replies are read into it; 64 kB reads a {@code getMany(100)} of 1 kB values in two. */
  private final byte[] inBuffer = new byte[65536];
  /** The next unread byte of {@link #inBuffer}, and the end of what was read into it. */
  private int inPos;
  private int inLimit;
  /** Bytes of {@link #buffer} written and not yet sent. */
  private int pending;
  private Socket socket;
  private OutputStream out;
  private InputStream in;
  private int failures;
  private boolean reconnecting;
  private volatile boolean closed;
  /**
   * The socket's reads and its connect block with no timeout of their own (a read with a
   * socket timeout costs an extra {@code read} that finds nothing and a {@code poll} per
   * reply); {@link Watchdog} closes the socket of one that outlasts its deadline.
   */
  private final Watchdog.Watched watchdog;
  /** Whether {@link #watchdog}'s thread serves this connection alone, and ends with it. */
  private final boolean ownsWatchdog;

  /**
   * Creates the connection; it connects on {@link #connect()} or in the background.
   *
   * @param config the store's settings: user, password, database, timeouts
   * @param background runs reconnection attempts (after a backoff, never on a caller's thread)
   */
  DirectConnection(RedisConfig config, Executor background) {
    this(config, config.hosts().get(0), true, background, null);
  }

  /**
   * Creates a connection to {@code server}, one node of a cluster or the store's one server; it
   * connects on {@link #connect()} or in the background.
   *
   * @param config the store's settings: user, password, database, timeouts
   * @param server the server to connect to
   * @param mergeGets whether a batch's lone {@code GET}s go out as one {@code MGET}; not on a
   *     cluster node, where keys of different slots may not share a command ({@code CROSSSLOT}),
   *     so they go out as a pipeline of {@code GET}s in the same write
   * @param background runs reconnection attempts (after a backoff, never on a caller's thread)
   * @param watchdog the watchdog shared with the store's other connections, or {@code null} for
   *     one of its own, stopped by {@link #close()}
   */
  DirectConnection(RedisConfig config, HostPort server, boolean mergeGets, Executor background,
      Watchdog watchdog) {
    this.server = server;
    this.config = config;
    this.mergeGets = mergeGets;
    this.background = background;
    this.ownsWatchdog = watchdog == null;
    this.watchdog = (watchdog == null ? Watchdog.of(server.toString()) : watchdog)
        .register();
  }

  /**
   * Connects now, or, if that fails, later in the background; nothing once closed.
   */
  void connect() {
    acquire();
    try {
      if (closed) { // a cluster node's connections opened in the background after close()
        return;
      }
      open();
    } catch (IOException | RuntimeException e) {
      dropped();
    } finally {
      unlockAndWake();
    }
  }

  /**
   * Runs one caller's commands on this connection, combined with those of the threads that
   * call at the same time: a thread that finds the connection free sends what is queued with
   * its own commands in one write (the lone {@code GET}s of a batch as one {@code MGET}), reads
   * the replies, hands each caller its own and wakes it; a thread that finds it taken queues
   * its commands and parks until its replies are in, its deadline passes or it is interrupted,
   * or until it is woken to send the next batch itself, or to read the replies of a batch sent
   * with its commands in it (it then reads them all, ignoring an interrupt, as a leader does).
   *
   * @param deadline when this caller stops waiting for its replies, in {@link
   *     System#nanoTime()}'s terms
   * @param commands each command and its arguments
   * @return the replies, in order, as {@link #read} returns them; or {@code null} when the
   *     connection is down, or went down while the call was queued (never after it was
   *     sent), so that the caller goes through Lettuce until its deadline instead
   * @throws RedisCommandExecutionException if the server answers one of the commands with an
   *     error (the first such error)
   * @throws SocketTimeoutException if the replies are not in by the deadline; for a caller that
   *     leads or reads a batch, if the batch's replies are not all in by the latest deadline
   *     of its callers, which then closes the connection
   * @throws InterruptedIOException if the thread is interrupted while its call is
   *     queued or sent and not being read by it
   * @throws IOException if the socket fails; the connection is then closed
   */
  List<Object> run(long deadline, List<byte[][]> commands) throws IOException {
    return run(deadline, commands, false);
  }

  /**
   * Runs one caller's commands as {@link #run(long, List)} does; a bulk call's batch, whose
   * replies are large, is followed by the calls queued meanwhile before its replies are handed
   * out ({@link #readAndPass}).
   *
   * @param deadline when this caller stops waiting for its replies, in {@link
   *     System#nanoTime()}'s terms
   * @param commands each command and its arguments
   * @param bulk whether this is a bulk call ({@code getMany}, {@code setMany})
   * @return the replies as {@link #run(long, List)} returns them
   * @throws RedisCommandExecutionException if the server answers one of the commands with an
   *     error (the first such error)
   * @throws SocketTimeoutException if the replies are not in by the deadline, as for {@link
   *     #run(long, List)}
   * @throws InterruptedIOException if the thread is interrupted, as for {@link #run(long,
   *     List)}
   * @throws IOException if the socket fails; the connection is then closed
   */
  List<Object> run(long deadline, List<byte[][]> commands, boolean bulk) throws IOException {
    List<Object> replies = tryRun(deadline, commands, bulk, false);
    if (replies != BUSY) {
      return replies;
    }
    Pending call = new Pending(commands, deadline, bulk);
    queue.add(call);
    if (closed) {
      wakeAll(); // close() may have woken the queue before this call joined it
    }
    while (true) {
      int state = call.state.get();
      if (state == Pending.DONE) {
        return call.replies();
      }
      if (state == Pending.READER) { // the connection was handed to this call: it reads its batch
        boolean passed = false;
        try {
          passed = readAndPass(call.batch);
        } finally {
          if (!passed) {
            unlockAndWake();
          }
        }
        continue; // its own call was completed with its batch
      }
      if (closed && state == Pending.WAITING && giveUp(call, state)) {
        return null; // closed while queued: nothing was sent
      }
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        if (giveUp(call, state)) {
          throw new InterruptedIOException("interrupted while waiting for Redis");
        }
        continue;
      }
      long left = call.deadline - System.nanoTime();
      if (left <= 0) {
        if (giveUp(call, state)) {
          throw new SocketTimeoutException("no reply within the timeout");
        }
        continue;
      }
      if (state == Pending.WAITING && tryAcquire()) {
        boolean passed = false;
        try {
          if (call.state.get() == Pending.WAITING) {
            passed = lead(null);
          }
        } finally {
          if (!passed) {
            unlockAndWake();
          }
        }
        continue;
      }
      LockSupport.parkNanos(this, left);
    }
  }

  /**
   * Runs one caller's commands as {@link #run} does if the connection is free now, together
   * with whatever is queued; returns {@link #BUSY} at once, sending nothing, if another thread
   * holds it (or, {@code alone}, if a caller is queued).
   *
   * @param deadline when this caller stops waiting for its replies, in {@link
   *     System#nanoTime()}'s terms
   * @param commands each command and its arguments
   * @param bulk whether this is a bulk call ({@link #run(long, List, boolean)})
   * @param alone whether to send only when nobody is queued, so as not to lead the queued
   *     callers' batch (a bulk call beside single-key ones); a bulk call sent alone still sends,
   *     after its own replies are in and before it returns, what queued meanwhile if that fits
   *     one 16 kB write, and hands the connection to a caller of it, without reading its replies
   * @return the replies as {@link #run} returns them, {@code null} when the connection is
   *     down, or {@link #BUSY}
   * @throws RedisCommandExecutionException if the server answers one of the commands with an
   *     error (the first such error)
   * @throws SocketTimeoutException if the replies are not in by the deadline; the connection
   *     is then closed
   * @throws IOException if the socket fails; the connection is then closed
   */
  List<Object> tryRun(long deadline, List<byte[][]> commands, boolean bulk, boolean alone)
      throws IOException {
    if (!up) {
      return null;
    }
    if (alone && !queue.isEmpty() || !tryAcquire()) {
      return BUSY;
    }
    Pending call;
    boolean passed = false;
    try {
      if (socket == null || closed) {
        return null;
      }
      boolean empty = queue.isEmpty();
      if (alone && !empty) {
        return BUSY; // unlockAndWake below wakes the queued caller that should lead
      }
      if (empty) { // alone: no batch to build
        List<Object> replies = exchange(deadline, commands);
        Batch next = bulk ? sendNext() : null; // what queued meanwhile
        passed = next != null && (pass(next) || readAndPass(next));
        for (Object reply : replies) {
          if (reply instanceof RedisCommandExecutionException e) {
            throw e;
          }
        }
        return replies;
      }
      call = new Pending(commands, deadline, bulk);
      call.state.set(Pending.SENT);
      passed = lead(call);
    } finally {
      if (!passed) {
        unlockAndWake();
      }
    }
    return call.replies();
  }

  /**
   * Gives a queued or sent call up (its leader then skips it or drops its replies) and passes
   * on a wake-up that may have been meant for it; tells whether it did.
   */
  private boolean giveUp(Pending call, int state) {
    if (!call.state.compareAndSet(state, Pending.GAVE_UP)) {
      return false;
    }
    if (state == Pending.WAITING) {
      queue.remove(call);
    }
    if (permit.availablePermits() > 0) {
      wakeNext();
    }
    return true;
  }

  /** One caller's commands and, once its batch is answered, its replies or failure. */
  private static final class Pending {
    static final int WAITING = 0;
    static final int SENT = 1;
    static final int DONE = 2;
    static final int GAVE_UP = 3;
    /** Sent, and handed the connection to read its batch's replies: it can no longer give up. */
    static final int READER = 4;

    final List<byte[][]> commands;
    final long deadline;
    final boolean bulk;
    final Thread thread = Thread.currentThread();
    final AtomicInteger state = new AtomicInteger(WAITING);
    /** The replies, a failure, or {@link #UNAVAILABLE}; written before {@link #DONE}. */
    Object result;
    /** The batch this call reads, written before {@link #READER}. */
    Batch batch;

    Pending(List<byte[][]> commands, long deadline, boolean bulk) {
      this.commands = commands;
      this.deadline = deadline;
      this.bulk = bulk;
    }

    /** At least the bytes its commands take on the wire ({@link #write}). */
    long size() {
      long n = 0;
      for (byte[][] command : commands) {
        n += 16; // '*', the count, CR LF
        for (byte[] arg : command) {
          n += arg.length + 16L; // '$', the length, CR LF, the bytes, CR LF
        }
      }
      return n;
    }

    /** A lone {@code GET}, which a batch merges with the others into one {@code MGET}. */
    boolean get() {
      return commands.size() == 1 && commands.get(0).length == 2
          && java.util.Arrays.equals(commands.get(0)[0], GET);
    }

    /** Completes the call unless its caller gave up; tells whether it did. */
    boolean complete(Object outcome) {
      result = outcome;
      return state.compareAndSet(SENT, DONE) || state.compareAndSet(READER, DONE);
    }

    @SuppressWarnings("unchecked")
    List<Object> replies() throws IOException {
      if (result instanceof IOException e) {
        throw e;
      }
      if (result instanceof RuntimeException e) {
        throw e;
      }
      return result == UNAVAILABLE ? null : (List<Object>) result;
    }
  }

  /** Calls sent in one write: their commands in order, their lone {@code GET}s as one MGET. */
  private static final class Batch {
    final List<Pending> calls;
    /** The lone {@code GET}s merged into the first command, or empty. */
    final List<Pending> gets;
    final boolean mget;
    final List<byte[][]> commands;
    /** The latest deadline among the calls: how long the batch's replies may take. */
    final long deadline;
    /** Whether a bulk call is among the calls. */
    final boolean bulk;
    /** Set when every caller had given up by the time a reader was chosen ({@link #pass}). */
    boolean orphaned;

    Batch(List<Pending> calls, List<Pending> gets, boolean mget, List<byte[][]> commands,
        long deadline, boolean bulk) {
      this.calls = calls;
      this.gets = gets;
      this.mget = mget;
      this.commands = commands;
      this.deadline = deadline;
      this.bulk = bulk;
    }

    /** Fails each call with its own exception for a failure the batch shares. */
    void fail(Exception shared) {
      for (Pending p : calls) {
        finish(p, failure(shared));
      }
    }

    /**
     * The call of this sent batch best placed to read its replies: of those whose caller has
     * not given up, is not interrupted and whose deadline has not passed, the one with the
     * latest deadline (the batch's own, so that the reader waits no longer than it would for
     * its own replies), the first of them on a tie; {@code null} when there is none.
     */
    Pending reader(long now) {
      Pending best = null;
      for (Pending p : calls) {
        if (p.state.get() == Pending.SENT && p.deadline - now > 0 && !p.thread.isInterrupted()
            && (best == null || p.deadline - best.deadline > 0)) {
          best = p;
        }
      }
      return best;
    }
  }

  /**
   * Holding the connection: sends {@code own} (if any) and the queued calls as one batch, reads
   * the replies and completes each call, then passes the connection on ({@link #readAndPass}).
   * Calls queued while the connection is down are told to use Lettuce.
   *
   * @return whether the connection was handed to another thread, which then releases it
   */
  private boolean lead(Pending own) {
    Batch batch = take(own, 0);
    return batch != null && send(batch) && readAndPass(batch);
  }

  /**
   * Holding the connection: takes {@code own} (if any) and the queued calls whose deadline has
   * not passed into a batch, up to {@link #MAX_BATCH}, and, if {@code limit} is not 0, only as
   * many in queue order as take up to {@code limit} bytes of commands (the rest stay queued);
   * {@code null} when there are none, or when the connection is down (the calls taken are then
   * told to use Lettuce).
   */
  private Batch take(Pending own, long limit) {
    if (own == null && queue.isEmpty()) {
      return null; // the common case after a lone call: nothing to build
    }
    List<Pending> calls = new ArrayList<>();
    if (own != null) {
      calls.add(own);
    }
    long now = System.nanoTime();
    long bytes = 0;
    while (calls.size() < MAX_BATCH) {
      Pending q;
      if (limit == 0) {
        q = queue.poll();
      } else { // only the holder takes from the queue; a caller giving up may remove its call
        q = queue.peek();
        if (q != null && q.state.get() == Pending.WAITING) {
          bytes += q.size();
          if (bytes > limit) {
            break; // it stays queued, first in line
          }
        }
        if (q != null && !queue.remove(q)) {
          continue; // its caller gave up and removed it meanwhile
        }
      }
      if (q == null) {
        break;
      }
      if (!q.state.compareAndSet(Pending.WAITING, Pending.SENT)) {
        continue;
      }
      if (q.deadline - now <= 0) { // its caller has not noticed yet; its commands are not sent
        finish(q, new SocketTimeoutException("no reply within the timeout (not sent)"));
      } else {
        calls.add(q);
      }
    }
    if (calls.isEmpty()) {
      return null;
    }
    if (socket == null || closed) {
      for (Pending p : calls) {
        finish(p, UNAVAILABLE);
      }
      return null;
    }
    List<Pending> gets = new ArrayList<>();
    List<byte[][]> commands = new ArrayList<>(calls.size() + 1);
    // the batch may take until its latest caller's deadline; the others leave at their own
    long deadline = now;
    boolean bulk = false;
    for (Pending p : calls) {
      deadline = p.deadline - deadline > 0 ? p.deadline : deadline;
      bulk |= p.bulk;
      if (p.get()) {
        gets.add(p);
      }
    }
    boolean mget = mergeGets && gets.size() > 1;
    if (mget) {
      byte[][] keys = new byte[gets.size() + 1][];
      keys[0] = MGET;
      for (int i = 0; i < gets.size(); i++) {
        keys[i + 1] = gets.get(i).commands.get(0)[1];
      }
      commands.add(keys);
    }
    for (Pending p : calls) {
      if (!mget || !p.get()) {
        commands.addAll(p.commands);
      }
    }
    return new Batch(calls, gets, mget, commands, deadline, bulk);
  }

  /** Writes a batch's commands; on failure fails each of its calls and tells that it did. */
  private boolean send(Batch batch) {
    return orFail(batch, () -> {
      transmit(batch.commands);
      return Boolean.TRUE;
    }) != null;
  }

  /** A step of a batch's I/O. */
  @FunctionalInterface
  private interface Step<T> {
    T run() throws IOException;
  }

  /**
   * Runs a step of a batch's I/O; if it fails, fails each call of the batch and returns {@code
   * null} (an {@link Error} fails them too, and is rethrown).
   */
  private static <T> T orFail(Batch batch, Step<T> step) {
    try {
      return step.run();
    } catch (IOException | RuntimeException e) {
      batch.fail(e);
      return null;
    } catch (Throwable e) {
      finishAll(batch.calls, e);
      throw e;
    }
  }

  /**
   * Holding the connection after reading a batch, before handing its replies out: takes and
   * sends the calls queued meanwhile as the next batch, as many in queue order as fit {@link
   * #EARLY_BYTES}, so that the write cannot keep the answered callers waiting; {@code null} when
   * none is queued, the first queued is larger (it is then sent by its own caller, woken when
   * the connection is released), or sending failed (its calls then failed).
   */
  private Batch sendNext() {
    Batch next = take(null, EARLY_BYTES);
    return next != null && send(next) ? next : null;
  }

  /**
   * Holding the connection: hands it to the reader of a sent batch ({@link Batch#reader}) and
   * wakes it; tells whether it did (not when every caller of the batch gave up, is interrupted
   * or past its deadline: the batch is then {@link Batch#orphaned} and its replies must still
   * be read by this thread).
   */
  private boolean pass(Batch next) {
    Thread self = Thread.currentThread();
    assert holder == self : "handed on by " + self + ", held by " + holder;
    while (true) {
      Pending reader = next.reader(System.nanoTime());
      if (reader == null) {
        next.orphaned = true;
        return false;
      }
      reader.batch = next;
      holder = reader.thread; // before READER: the reader may release at once
      if (reader.state.compareAndSet(Pending.SENT, Pending.READER)) {
        LockSupport.unpark(reader.thread);
        return true;
      }
      holder = self; // it gave up meanwhile: choose again
    }
  }

  /**
   * Holding the connection: reads a sent batch's replies and completes its calls. After a batch
   * with a bulk call it first sends what queued meanwhile as the next batch, as much as goes in
   * one write that cannot block ({@link #sendNext}), so that Redis works on it while this thread
   * completes its batch and the next batch's reader wakes up, then hands the connection to that
   * reader ({@link #pass}): so under a load of bulk calls a connection always has a batch at the
   * server, as a pipelining client does, where a leader that read, completed, and only then
   * woke the next leader left Redis idle for two thread wake-ups per batch (16 threads of {@code
   * getMany(100)}: about 1.07 times the calls per second, at the same CPU per call for the
   * client and Redis, docs/BENCHMARKS.md). Batches of single-key calls do not: the next batch
   * then holds what queued during the wake-up too, and larger batches cost less per call (sent
   * early, 16 threads of {@code get} or {@code set} made 0.8 to 0.9 times the calls, at 1.5
   * times Redis's CPU per call). A batch nobody waits for any more ({@link Batch#orphaned}) is
   * read with a timeout of at least the {@code timeout} option, not the passed deadline
   * of its callers, so that a healthy connection is not dropped for it.
   *
   * @return whether the connection was handed on (the caller must then not release it); {@code
   *     false} when nothing queued or the connection failed
   */
  private boolean readAndPass(Batch batch) {
    while (true) {
      Batch read = batch;
      long deadline = read.orphaned ? orphanDeadline(read) : read.deadline;
      List<Object> replies = orFail(read, () -> receive(deadline, read.commands.size()));
      if (replies == null) {
        return false;
      }
      Batch next = batch.bulk ? sendNext() : null;
      try {
        complete(batch, replies);
      } catch (Throwable e) {
        finishAll(batch.calls, e);
        if (next != null) { // sent, and nobody will read its replies
          dropped();
          finishAll(next.calls, e);
        }
        throw e;
      }
      if (next == null) {
        return false;
      }
      if (pass(next)) {
        return true;
      }
      batch = next; // every caller of it gave up: its replies are read here
    }
  }

  /**
   * How long the replies of a batch nobody waits for may take: its callers' latest deadline,
   * which has passed or nearly, or the {@code timeout} option from now if that is later.
   */
  private long orphanDeadline(Batch batch) {
    long floor = System.nanoTime() + config.readTimeout().toNanos();
    return floor - batch.deadline > 0 ? floor : batch.deadline;
  }

  /** Hands each caller of an answered batch its own replies. */
  private static void complete(Batch batch, List<Object> replies) {
    int next = 0;
    if (batch.mget) {
      Object values = replies.get(next++);
      for (int i = 0; i < batch.gets.size(); i++) {
        Object value = values instanceof List<?> list ? list.get(i) : values; // or an error
        finish(batch.gets.get(i), value instanceof RedisCommandExecutionException e
            ? failure(e) : java.util.Collections.singletonList(value));
      }
    }
    for (Pending p : batch.calls) {
      if (batch.mget && p.get()) {
        continue;
      }
      List<Object> own2 = replies.subList(next, next + p.commands.size());
      next += p.commands.size();
      Object error = null;
      for (Object r : own2) {
        if (r instanceof RedisCommandExecutionException) {
          error = r;
          break;
        }
      }
      finish(p, error != null ? error : own2);
    }
  }

  /**
   * Fails every call of a batch not yet completed, after an {@link Error} that left the batch
   * half done, so that none of them waits for replies that will not come.
   */
  private static void finishAll(List<Pending> batch, Throwable e) {
    for (Pending p : batch) {
      finish(p, new IOException("the batch failed: " + e, e));
    }
  }

  /**
   * One caller's own exception for a failure a whole batch shares, of the same kind, with the
   * shared one as its cause (so that no two threads hold, and add to, one exception).
   */
  private static Exception failure(Exception shared) {
    String message = shared.getMessage();
    Exception own;
    if (shared instanceof SocketTimeoutException) {
      own = new SocketTimeoutException(message);
    } else if (shared instanceof RedisCommandExecutionException) {
      own = new RedisCommandExecutionException(message);
    } else if (shared instanceof IOException) {
      own = new IOException(message);
    } else {
      return shared; // a bug rather than a failure of Redis: kept as it is
    }
    own.initCause(shared);
    return own;
  }

  /** Completes a call of a batch and wakes its thread. */
  private static void finish(Pending p, Object outcome) {
    if (p.complete(outcome) && p.thread != Thread.currentThread()) {
      LockSupport.unpark(p.thread);
    }
  }

  /**
   * Releases the connection, then wakes the first queued caller so that it sends what queued
   * meanwhile; every holder releases it this way, so that no caller parks while it is free.
   */
  private void unlockAndWake() {
    assert holder == Thread.currentThread() : "released by " + Thread.currentThread()
        + ", held by " + holder;
    holder = null;
    permit.release();
    wakeNext();
  }

  /** Takes the connection, waiting for it. */
  private void acquire() {
    permit.acquireUninterruptibly();
    holder = Thread.currentThread();
  }

  /** Takes the connection if it is free; tells whether it did. */
  private boolean tryAcquire() {
    if (!permit.tryAcquire()) {
      return false;
    }
    holder = Thread.currentThread();
    return true;
  }

  /** Wakes the first queued caller still waiting to be sent. */
  private void wakeNext() {
    for (Pending q : queue) {
      if (q.state.get() == Pending.WAITING) {
        LockSupport.unpark(q.thread);
        return;
      }
    }
  }

  /** Wakes every queued caller, each to see that the connection is closed. */
  private void wakeAll() {
    for (Pending q : queue) {
      LockSupport.unpark(q.thread);
    }
  }

  /**
   * Holding the connection: sends commands in one write and reads their replies; error replies
   * are returned in place, not thrown.
   *
   * @throws IOException if the socket fails or a reply is late; the connection is then closed
   */
  private List<Object> exchange(long deadline, List<byte[][]> commands) throws IOException {
    transmit(commands);
    return receive(deadline, commands.size());
  }

  /**
   * Holding the connection: writes commands and sends them in one write.
   *
   * @throws IOException if the socket fails; the connection is then closed
   */
  private void transmit(List<byte[][]> commands) throws IOException {
    try {
      for (byte[][] command : commands) {
        write(command);
      }
      send();
    } catch (Throwable e) { // even an Error leaves a command half written: never write again
      dropped();
      throw e;
    }
  }

  /**
   * Holding the connection: reads {@code count} replies by {@code deadline}, when {@link
   * Watchdog} closes the socket if they are not all in; error replies are returned in place,
   * not thrown.
   *
   * @throws IOException if the socket fails or a reply is late; the connection is then closed
   */
  private List<Object> receive(long deadline, int count) throws IOException {
    long read = 0; // not watched yet: watch() may throw, and the socket must still be dropped
    try {
      read = watchdog.watch(socket, deadline);
      List<Object> replies = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        replies.add(read());
      }
      watchdog.done(read);
      return replies;
    } catch (Throwable e) { // even an Error leaves the socket mid-reply: never read it again
      dropped();
      if (read != 0) {
        watchdog.done(read, e);
      }
      throw e;
    }
  }

  /**
   * Closes the socket; no reconnection follows. Callers queued meanwhile are woken at once and
   * go through Lettuce.
   */
  void close() {
    markClosed();
    acquire();
    try {
      closeSocket();
    } finally {
      unlockAndWake();
      wakeAll();
      watchdog.close();
      if (ownsWatchdog) {
        watchdog.owner().stop();
      }
    }
  }

  /**
   * Takes no more calls, and wakes the queued callers to go elsewhere, without waiting for a
   * batch in flight; {@link #close()} then closes the socket.
   */
  void markClosed() {
    closed = true;
    wakeAll();
  }

  // ---- connecting --------------------------------------------------------------------------

  private void open() throws IOException {
    Socket s = new Socket();
    // connect and handshake by one deadline; no socket timeout (see watchdog), so the socket
    // stays in blocking mode and a read is one read(2)
    long deadline = System.nanoTime() + config.connectTimeout().toNanos();
    long watch = 0;
    try {
      watch = watchdog.watch(s, deadline);
      s.setTcpNoDelay(true);
      s.setKeepAlive(true);
      s.connect(new InetSocketAddress(server.host(), server.port()));
      socket = s;
      out = s.getOutputStream();
      in = s.getInputStream();
      inPos = 0;
      inLimit = 0;
      int replies = 0;
      if (config.password() != null) {
        byte[] password = config.password().getBytes(StandardCharsets.UTF_8);
        write(config.user() == null ? new byte[][] {ascii("AUTH"), password}
            : new byte[][] {ascii("AUTH"), config.user().getBytes(StandardCharsets.UTF_8),
                password});
        replies++;
      }
      if (config.database() != 0) {
        write(ascii("SELECT"), ascii(Integer.toString(config.database())));
        replies++;
      }
      write(ascii("CLIENT"), ascii("SETNAME"), ascii("larder"));
      replies++;
      send();
      for (int i = 0; i < replies; i++) {
        if (read() instanceof RedisCommandExecutionException e) {
          throw new IOException("the handshake failed: " + e.getMessage());
        }
      }
      watchdog.done(watch);
      failures = 0;
      up = true;
    } catch (IOException | RuntimeException e) {
      socket = s;
      closeSocket();
      if (watch != 0) {
        watchdog.done(watch, e);
      }
      throw e;
    }
  }

  /** After a failure: closes the socket and tries again in the background after a backoff. */
  private void dropped() {
    closeSocket();
    if (closed || reconnecting) {
      return;
    }
    reconnecting = true;
    long delay = backoff.delay(Math.min(++failures, 30)).toNanos();
    Executor later = java.util.concurrent.CompletableFuture.delayedExecutor(delay,
        TimeUnit.NANOSECONDS, background);
    later.execute(() -> {
      acquire();
      try {
        reconnecting = false;
        if (!closed && socket == null) {
          open();
        }
      } catch (IOException | RuntimeException e) {
        dropped();
      } finally {
        unlockAndWake();
      }
    });
  }

  private void closeSocket() {
    Socket s = socket;
    socket = null;
    up = false;
    pending = 0;
    inPos = 0;
    inLimit = 0;
    out = null;
    in = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing after a failure: nothing more to do
      }
    }
  }

  // ---- RESP2 -------------------------------------------------------------------------------

  private void write(byte[]... args) throws IOException {
    // commands gather in the buffer, sent when it is full (a large value goes out on its own)
    // and by send(): a pipeline leaves in one write
    int n = pending;
    n = put(n, '*');
    n = putDecimal(n, args.length);
    for (byte[] a : args) {
      n = put(n, '$');
      n = putDecimal(n, a.length);
      if (n + a.length + 2 > buffer.length) {
        out.write(buffer, 0, n);
        n = 0;
        out.write(a);
      } else {
        System.arraycopy(a, 0, buffer, n, a.length);
        n += a.length;
      }
      n = put(n, '\r');
      n = put(n, '\n');
    }
    pending = n;
  }

  /** Sends the commands written so far. */
  private void send() throws IOException {
    out.write(buffer, 0, pending);
    pending = 0;
    out.flush();
  }

  private int put(int n, int b) throws IOException {
    if (n == buffer.length) {
      out.write(buffer, 0, n);
      n = 0;
    }
    buffer[n] = (byte) b;
    return n + 1;
  }

  /** Writes a count or length (never negative) and CR LF, without making a String. */
  private int putDecimal(int n, long value) throws IOException {
    long scale = 1;
    while (scale <= value / 10) {
      scale *= 10;
    }
    for (; scale > 0; scale /= 10) {
      n = put(n, '0' + (int) (value / scale % 10));
    }
    n = put(n, '\r');
    return put(n, '\n');
  }

  /** Reads one reply; an error reply is returned (not thrown) as the exception to throw. */
  private Object read() throws IOException {
    int type = readByte();
    switch (type) {
      case '+':
        return line();
      case '-':
        return new RedisCommandExecutionException(line());
      case ':':
        return number();
      case '$': {
        long length = number();
        if (length < 0) {
          return null;
        }
        if (length > Integer.MAX_VALUE - 8) {
          throw new IOException("a reply of " + length + " bytes");
        }
        byte[] value = bulk((int) length);
        if (readByte() != '\r' || readByte() != '\n') {
          throw new IOException("a bulk reply without CR LF");
        }
        return value;
      }
      case '*': {
        long count = number();
        if (count < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>((int) Math.min(count, 1024));
        for (long i = 0; i < count; i++) {
          items.add(read());
        }
        return items;
      }
      default:
        throw new IOException("unexpected reply type '" + (char) type + "'");
    }
  }

  // Replies are parsed from our own buffer: no per-byte lock (BufferedInputStream.read() is
  // synchronized), no String per length line; a value is copied once, from the buffer or the
  // socket straight into its array.

  private int readByte() throws IOException {
    if (inPos == inLimit) {
      fill();
    }
    return inBuffer[inPos++] & 0xFF;
  }

  private void fill() throws IOException {
    int n = in.read(inBuffer, 0, inBuffer.length);
    if (n < 0) {
      throw new EOFException("the server closed the connection");
    }
    inPos = 0;
    inLimit = n;
  }

  /** A length or integer line: an optional minus sign, decimal digits, CR LF. */
  private long number() throws IOException {
    int c = readByte();
    boolean negative = c == '-';
    if (negative) {
      c = readByte();
    }
    long n = 0;
    int digits = 0;
    try {
      while (c != '\r') {
        if (c < '0' || c > '9') {
          throw new IOException("a reply length or integer that is no number");
        }
        n = Math.addExact(Math.multiplyExact(n, 10), c - '0');
        digits++;
        c = readByte();
      }
    } catch (ArithmeticException e) {
      throw new IOException("a reply integer beyond 64 bits", e);
    }
    if (digits == 0 || readByte() != '\n') {
      throw new IOException("a reply length or integer that is no number");
    }
    return negative ? -n : n;
  }

  /**
   * The bytes of a bulk reply, from the buffer; a rest larger than the buffer straight from the
   * socket, a smaller one by refilling the buffer, so that the read that ends a value also
   * brings the values after it (one read per buffer of replies, not two).
   */
  private byte[] bulk(int length) throws IOException {
    byte[] value = new byte[length];
    int have = 0;
    while (true) {
      int n = Math.min(inLimit - inPos, length - have);
      System.arraycopy(inBuffer, inPos, value, have, n);
      inPos += n;
      have += n;
      if (have == length) {
        return value;
      }
      if (length - have < inBuffer.length) {
        fill();
        continue;
      }
      n = in.read(value, have, length - have);
      if (n < 0) {
        throw new EOFException("the connection closed in a reply");
      }
      have += n;
    }
  }

  /** A simple-string or error line, as text. */
  private String line() throws IOException {
    int start = inPos;
    for (int i = start; i < inLimit; i++) {
      if (inBuffer[i] == '\r') {
        if (i + 1 == inLimit) {
          break; // LF not buffered yet: the slow way below
        }
        if (inBuffer[i + 1] != '\n') {
          throw new IOException("a reply line without LF");
        }
        inPos = i + 2;
        return i - start == 2 && inBuffer[start] == 'O' && inBuffer[start + 1] == 'K'
            ? "OK" : new String(inBuffer, start, i - start, StandardCharsets.UTF_8);
      }
    }
    java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
    for (int c = readByte(); c != '\r'; c = readByte()) {
      text.write(c);
    }
    if (readByte() != '\n') {
      throw new IOException("a reply line without LF");
    }
    return text.toString(StandardCharsets.UTF_8);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "DirectConnection[" + server + "]";
  }

  /** For tests: whether a socket is open now. */
  boolean connected() {
    acquire();
    try {
      return socket != null;
    } finally {
      unlockAndWake();
    }
  }

  /** Whether a socket is open now, as last seen without holding the connection. */
  boolean up() {
    return up;
  }

  /** How many callers are queued (for tests, and for choosing the shortest queue). */
  int queued() {
    return queue.size();
  }

  /** For tests: whether a caller holds the connection (sends or reads a batch). */
  boolean busy() {
    return permit.availablePermits() == 0;
  }
}
