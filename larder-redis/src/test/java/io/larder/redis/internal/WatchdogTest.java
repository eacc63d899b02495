package io.larder.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The watchdog that stands in for the caller-thread connection's socket timeout. */
class WatchdogTest {
  @Test
  void aCallDoneBeforeItsDeadlineLeavesItsSocketOpenAfterwards() throws Exception {
    watching((socket, watchdog) -> {
      long last = 0;
      for (int i = 0; i < 1_000; i++) { // each one done at once, its deadline soon after
        last = System.nanoTime() + 300_000_000L;
        watchdog.done(watchdog.watch(socket, last));
      }
      while (System.nanoTime() - last < 100_000_000L) { // the watchdog wakes past them all
        Thread.sleep(20);
      }
      assertThat(socket.isClosed()).as("closed by the watchdog after its calls were done")
          .isFalse();
    });
  }

  /**
   * About a second of calls whose deadlines and finishing times are drawn at random from 0 to
   * 200 µs, so that a good share of them race the watchdog: a call whose done succeeded must
   * keep its socket open, and one that was timed out must have it closed.
   */
  @Test
  void callsRacingTheirDeadlinesEndEitherDoneWithTheSocketOpenOrTimedOutWithItClosed()
      throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    Watchdog.Watched watchdog = new Watchdog("test-watchdog").register();
    List<Socket> done = new ArrayList<>();
    List<Socket> timedOut = new ArrayList<>();
    try {
      race(watchdog, random, done, timedOut);
    } finally {
      watchdog.owner().stop();
    }
    assertThat(done).as("calls done in time (seed %d)", seed).isNotEmpty()
        .allSatisfy(socket -> assertThat(socket.isClosed()).as("closed after done").isFalse());
    assertThat(timedOut).as("calls timed out (seed %d)", seed).isNotEmpty();
  }

  @Test
  void anEarlierDeadlineWakesAWatchdogAsleepOnALaterOne() throws Exception {
    watching((socket, watchdog) -> {
      // a call due at once, on a socket of its own: the watchdog times it out, then has nothing
      // to watch (a call done at once with a far deadline could leave it asleep on that one,
      // when its thread looks before the done)
      long due = watchdog.watch(new Socket(), System.nanoTime());
      Thread thread = watchdog.owner().thread();
      awaitState(thread, Thread.State.WAITING); // idle, parked until the next watch
      assertThatThrownBy(() -> watchdog.done(due)).isInstanceOf(SocketTimeoutException.class);
      long later = watchdog.watch(socket, System.nanoTime() + TimeUnit.HOURS.toNanos(3));
      awaitState(thread, Thread.State.TIMED_WAITING); // asleep until that deadline
      watchdog.done(later);
      // only the early wake-up in watch() can end this read: a blocked socket read ignores
      // interrupts, so it runs on its own thread and the test waits for it with a bound (the
      // fixture's closing of the socket then ends it if that bound is hit)
      long id = watchdog.watch(socket, System.nanoTime() + 100_000_000L);
      FutureTask<Integer> read = new FutureTask<>(() -> {
        try {
          return socket.getInputStream().read(); // nothing is ever sent
        } catch (IOException e) {
          watchdog.done(id, e);
          throw e;
        }
      });
      Thread reader = new Thread(read, "test-reader");
      reader.setDaemon(true);
      reader.start();
      assertThatThrownBy(() -> read.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(SocketTimeoutException.class);
      assertThat(socket.isClosed()).isTrue();
    });
  }

  @Test
  void aCallTheWatchdogTimedOutFailsEvenIfItEndsWell() throws Exception {
    watching((socket, watchdog) -> {
      long id = watchdog.watch(socket, System.nanoTime()); // due at once
      long bound = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!socket.isClosed() && System.nanoTime() - bound < 0) {
        Thread.sleep(5);
      }
      assertThat(socket.isClosed()).isTrue();
      assertThatThrownBy(() -> watchdog.done(id)).isInstanceOf(SocketTimeoutException.class);
    });
  }

  @Test
  void aThreadThatFailedToStartIsStartedAgainByTheNextCall() throws Exception {
    AtomicInteger made = new AtomicInteger();
    ThreadFactory threads = run -> {
      if (made.getAndIncrement() == 0) { // started already, so start() throws, as out of threads
        Thread dud = new Thread(() -> { });
        dud.start();
        return dud;
      }
      Thread t = new Thread(run, "test-watchdog");
      t.setDaemon(true);
      return t;
    };
    watching(threads, (socket, watchdog) -> {
      assertThatThrownBy(() -> watchdog.watch(socket, System.nanoTime()))
          .isInstanceOf(IllegalThreadStateException.class);
      assertThat(watchdog.owner().thread()).isNull();
      long id = watchdog.watch(socket, System.nanoTime()); // due at once
      awaitClosed(socket);
      assertThatThrownBy(() -> watchdog.done(id)).isInstanceOf(SocketTimeoutException.class);
    });
  }

  @Test
  void aSocketThatFailsToCloseLeavesTheWatchdogEnforcingLaterDeadlines() throws Exception {
    watching((socket, watchdog) -> {
      AtomicInteger closes = new AtomicInteger();
      Socket failing = new Socket() {
        @Override
        public synchronized void close() throws IOException {
          if (closes.getAndIncrement() == 0) {
            throw new IllegalStateException("the first close fails (test)");
          }
          super.close();
        }
      };
      try {
        long first = watchdog.watch(failing, System.nanoTime()); // due at once
        long bound = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (closes.get() == 0 && System.nanoTime() - bound < 0) {
          Thread.sleep(5);
        }
        assertThatThrownBy(() -> watchdog.done(first)).isInstanceOf(SocketTimeoutException.class);
        watchdog.watch(socket, System.nanoTime()); // due at once
        awaitClosed(socket);
      } finally {
        failing.close();
      }
    });
  }

  @Test
  void aStoppedWatchdogRefusesToWatch() throws Exception {
    watching((socket, watchdog) -> {
      watchdog.done(watchdog.watch(socket, System.nanoTime() + TimeUnit.HOURS.toNanos(1)));
      watchdog.owner().stop();
      assertThatThrownBy(() -> watchdog.watch(socket, System.nanoTime() + 100_000_000L))
          .isInstanceOf(IllegalStateException.class);
    });
  }

  /**
   * A call still in progress when the watchdog stops (on a connection whose close is still
   * under way) would have nothing to bound it afterwards: stop() times it out at once, whatever
   * its deadline, and leaves another connection's socket, with no call, open.
   */
  @Test
  void stopTimesOutACallStillInProgress() throws Exception {
    Watchdog watchdog = new Watchdog("test-watchdog");
    try (Socket inFlight = new Socket(); Socket unused = new Socket()) {
      Watchdog.Watched busy = watchdog.register();
      Watchdog.Watched other = watchdog.register();
      other.done(other.watch(unused, System.nanoTime() + TimeUnit.HOURS.toNanos(1)));
      long call = busy.watch(inFlight, System.nanoTime() + TimeUnit.HOURS.toNanos(1));
      watchdog.stop();
      assertThat(inFlight.isClosed()).as("the socket of the call in progress").isTrue();
      assertThatThrownBy(() -> busy.done(call)).isInstanceOf(SocketTimeoutException.class);
      assertThat(unused.isClosed()).as("a socket with no call in progress").isFalse();
    } finally {
      watchdog.stop();
    }
  }

  @Test
  void theThreadDoesNotPinTheCallersContextClassLoader() throws Exception {
    Thread caller = Thread.currentThread();
    ClassLoader callers = caller.getContextClassLoader();
    try (URLClassLoader webapp = new URLClassLoader(new URL[0], callers)) {
      caller.setContextClassLoader(webapp);
      watching((socket, watchdog) -> {
        watchdog.done(watchdog.watch(socket, System.nanoTime() + TimeUnit.HOURS.toNanos(1)));
        Thread thread = watchdog.owner().thread();
        assertThat(thread.getContextClassLoader()).isSameAs(Watchdog.class.getClassLoader())
            .isNotSameAs(webapp);
      });
    } finally {
      caller.setContextClassLoader(callers);
    }
  }

  /**
   * One watchdog serves several connections: a call past its deadline on one closes that
   * connection's socket only, while another connection's call, due much later, keeps its socket
   * open and ends done; both calls were watched by the one thread.
   */
  @Test
  void aDeadlineClosesOnlyTheSocketOfItsOwnConnection() throws Exception {
    Watchdog watchdog = new Watchdog("test-watchdog");
    try (Socket late = new Socket(); Socket inTime = new Socket()) {
      Watchdog.Watched first = watchdog.register();
      Watchdog.Watched second = watchdog.register();
      long slow = second.watch(inTime, System.nanoTime() + TimeUnit.HOURS.toNanos(1));
      long fast = first.watch(late, System.nanoTime() + 50_000_000L);
      awaitClosed(late);
      assertThatThrownBy(() -> first.done(fast)).isInstanceOf(SocketTimeoutException.class);
      assertThat(inTime.isClosed()).as("the other connection's socket").isFalse();
      second.done(slow);
      assertThat(inTime.isClosed()).isFalse();
      long next = first.watch(late, System.nanoTime() + TimeUnit.HOURS.toNanos(1));
      first.done(next); // a connection that was timed out is watched again with a new id
    } finally {
      watchdog.stop();
    }
  }

  /**
   * Three connections on three threads race their random deadlines against one watchdog
   * thread, as the race above does on one: each call ends either done with its socket open or
   * timed out with it closed, never a socket closed under a call done in time, on any of them.
   */
  @Test
  void callsOfSeveralConnectionsRacingTheirDeadlinesOnOneWatchdogEachEndOneWayOrTheOther()
      throws Exception {
    long seed = System.nanoTime();
    Watchdog watchdog = new Watchdog("test-watchdog");
    List<List<Socket>> done = new ArrayList<>();
    List<List<Socket>> timedOut = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    try {
      for (int c = 0; c < 3; c++) {
        Watchdog.Watched connection = watchdog.register();
        Random random = new Random(seed + c);
        List<Socket> ownDone = new ArrayList<>();
        List<Socket> ownTimedOut = new ArrayList<>();
        done.add(ownDone);
        timedOut.add(ownTimedOut);
        Thread t = new Thread(() -> {
          try {
            race(connection, random, ownDone, ownTimedOut);
          } catch (Throwable e) {
            failures.add(e);
          }
        });
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join();
      }
    } finally {
      watchdog.stop();
    }
    assertThat(failures).isEmpty();
    for (int c = 0; c < 3; c++) {
      assertThat(done.get(c)).as("connection %d's calls done in time (seed %d)", c, seed)
          .isNotEmpty()
          .allSatisfy(socket -> assertThat(socket.isClosed()).as("closed after done").isFalse());
      assertThat(timedOut.get(c)).as("connection %d's calls timed out (seed %d)", c, seed)
          .isNotEmpty();
    }
  }

  /**
   * About a second of calls on one connection whose deadlines and finishing times are drawn at
   * random from 0 to 200 µs, sorted into those done in time and those timed out (whose sockets
   * it waits to see closed: the watchdog may close one just after its compare-and-set).
   */
  private static void race(Watchdog.Watched connection, Random random, List<Socket> done,
      List<Socket> timedOut) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    for (int i = 0; i < 20_000 && System.nanoTime() - end < 0; i++) {
      Socket socket = new Socket(); // never connected: only whether it is closed matters
      long start = System.nanoTime();
      long id = connection.watch(socket, start + random.nextInt(200_000));
      long finish = start + random.nextInt(200_000);
      while (System.nanoTime() - finish < 0) {
        Thread.onSpinWait();
      }
      try {
        connection.done(id);
        done.add(socket);
      } catch (SocketTimeoutException e) {
        timedOut.add(socket);
      }
    }
    for (Socket socket : timedOut) {
      awaitClosed(socket);
    }
  }

  /** Waits, with a bound, until the watchdog closed {@code socket}. */
  private static void awaitClosed(Socket socket) throws InterruptedException {
    long bound = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!socket.isClosed() && System.nanoTime() - bound < 0) {
      Thread.sleep(5);
    }
    assertThat(socket.isClosed()).as("closed by the watchdog").isTrue();
  }

  /** Waits, with a bound, until {@code thread} is in {@code state}. */
  private static void awaitState(Thread thread, Thread.State state) throws InterruptedException {
    long bound = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (thread.getState() != state && System.nanoTime() - bound < 0) {
      Thread.sleep(5);
    }
    assertThat(thread.getState()).as(thread.getName()).isEqualTo(state);
  }

  /** A test's body, given a connected loopback socket and a watchdog. */
  @FunctionalInterface
  private interface Body {
    void run(Socket socket, Watchdog.Watched watchdog) throws Exception;
  }

  /** Runs a body on a connected loopback socket (the peer never sends) and a new watchdog. */
  private static void watching(Body body) throws Exception {
    watching(null, body);
  }

  /** As {@link #watching(Body)}, with the watchdog's thread from {@code threads} if not null. */
  private static void watching(ThreadFactory threads, Body body) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket socket = new Socket(server.getInetAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      Watchdog.Watched watchdog = (threads == null ? new Watchdog("test-watchdog")
          : new Watchdog("test-watchdog", threads)).register();
      try {
        body.run(socket, watchdog);
      } finally {
        watchdog.owner().stop();
      }
    }
  }
}
