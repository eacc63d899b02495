package io.larder.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/**
 * A thread factory that remembers its threads, so that a test can wait until they are all
 * blocked: the way to know that callers are inside a single flight (or a lease's wait) without
 * sleeping and hoping. A loader that blocks on {@link #awaitOthersBlocked} until every other
 * caller waits for it proves single flight when exactly one computation is counted.
 *
 * <pre>{@code
 * CallerThreads callers = new CallerThreads();
 * ExecutorService pool = Executors.newFixedThreadPool(32, callers);
 * // in the loader:
 * callers.awaitOthersBlocked(32, Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class CallerThreads implements ThreadFactory {
  private final List<Thread> threads = new CopyOnWriteArrayList<>();

  /** Makes a factory that has made no thread yet. */
  public CallerThreads() {}

  /**
   * Makes a daemon thread and remembers it.
   *
   * @param task what the thread runs
   * @return the new, unstarted thread
   */
  @Override
  public Thread newThread(Runnable task) {
    Thread t = new Thread(task, "caller-" + threads.size());
    t.setDaemon(true);
    threads.add(t);
    return t;
  }

  /**
   * Returns the threads made so far.
   *
   * @return a snapshot of the threads
   */
  public List<Thread> threads() {
    return List.copyOf(threads);
  }

  /**
   * Waits until this factory has made {@code count} threads and every one but the calling
   * thread is parked ({@code WAITING} or {@code TIMED_WAITING}) in two observations in a row.
   * Spins with {@link Thread#yield()}; it never sleeps.
   *
   * @param count how many threads the test starts
   * @param timeout how long to wait at most
   * @throws IllegalStateException if that does not happen within {@code timeout}, naming the
   *     threads that are not waiting and what they are doing
   */
  public void awaitOthersBlocked(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int stable = 0;
    while (stable < 2) {
      stable = notBlocked(count).isEmpty() ? stable + 1 : 0;
      if (System.nanoTime() > deadline) {
        List<String> busy = new ArrayList<>();
        for (Thread t : notBlocked(count)) {
          StackTraceElement[] stack = t.getStackTrace();
          busy.add(t.getName() + " " + t.getState() + (stack.length > 0 ? " at " + stack[0] : ""));
        }
        throw new IllegalStateException("after " + timeout + ", " + threads.size() + " of "
            + count + " threads were made and these did not wait: " + busy);
      }
      Thread.yield();
    }
  }

  /** Returns the threads that keep the others from all being blocked (or one, if too few). */
  private List<Thread> notBlocked(int count) {
    List<Thread> notWaiting = new ArrayList<>();
    if (threads.size() < count) {
      notWaiting.add(Thread.currentThread());
      return notWaiting;
    }
    for (Thread t : threads) {
      Thread.State s = t.getState();
      if (t != Thread.currentThread() && s != Thread.State.WAITING
          && s != Thread.State.TIMED_WAITING) {
        notWaiting.add(t);
      }
    }
    return notWaiting;
  }
}
