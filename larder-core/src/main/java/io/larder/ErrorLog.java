package io.larder;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands log records to one daemon thread, so that a slow or blocked log handler never holds
 * the thread that made a cache call. The hand-off holds at most {@link #CAPACITY} records;
 * when it is full a record is dropped and counted, never waited for.
 */
final class ErrorLog {
  /** How many records may wait for the logging thread. */
  static final int CAPACITY = 64;

  private static final BlockingQueue<Runnable> QUEUE = new ArrayBlockingQueue<>(CAPACITY);
  private static final AtomicLong DROPPED = new AtomicLong();

  static {
    Thread writer = new Thread(ErrorLog::drain, "larder-log");
    writer.setDaemon(true);
    writer.start();
  }

  private ErrorLog() {}

  /**
   * Queues a record to be logged on the logging thread.
   *
   * @return {@code false} if the hand-off was full and the record was dropped
   */
  static boolean submit(Runnable record) {
    if (QUEUE.offer(record)) {
      return true;
    }
    DROPPED.incrementAndGet();
    return false;
  }

  /** How many records this process has dropped because the hand-off was full. */
  static long dropped() {
    return DROPPED.get();
  }

  private static void drain() {
    while (true) {
      Runnable record;
      try {
        record = QUEUE.take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        record.run();
      } catch (RuntimeException e) {
        // a failing handler must not end logging for the process
      }
    }
  }
}
