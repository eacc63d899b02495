package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Store-failure logging never holds the caller, even when the log handler blocks. */
class StoreErrorLogTest {

  /** A handler that blocks every record until released. */
  static final class BlockingHandler extends Handler {
    final CountDownLatch reached = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final List<LogRecord> records = new ArrayList<>();

    @Override
    public void publish(LogRecord record) {
      synchronized (records) {
        records.add(record);
      }
      reached.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  @Test
  void callersReturnWhileTheLogHandlerBlocks() throws Exception {
    Logger jul = Logger.getLogger(Cache.class.getName());
    BlockingHandler handler = new BlockingHandler();
    boolean parents = jul.getUseParentHandlers();
    jul.addHandler(handler);
    jul.setUseParentHandlers(false);
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try {
      FailureModesTest.FlakyStore store = new FailureModesTest.FlakyStore();
      store.down = true;
      Cache cache = Larder.builder().store(store).build();
      List<Future<String>> calls = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        calls.add(callers.submit(() -> cache.get("k", String.class)));
      }
      assertThat(handler.reached.await(30, TimeUnit.SECONDS))
          .as("the failure was logged").isTrue();
      for (Future<String> call : calls) {
        // a caller held by the handler would stay there until it is released below
        assertThat(call.get(10, TimeUnit.SECONDS)).isNull();
      }
      assertThat(cache.stats().storeErrors()).isEqualTo(200);
      synchronized (handler.records) {
        assertThat(handler.records.get(0).getThrown())
            .as("no stack trace unless debug logging is on").isNull();
        assertThat(handler.records.get(0).getMessage()).contains("connection refused (test)");
      }
    } finally {
      handler.release.countDown();
      callers.shutdownNow();
      jul.removeHandler(handler);
      jul.setUseParentHandlers(parents);
    }
  }

  @Test
  void aFullHandOffDropsAndCountsRecordsInsteadOfWaiting() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    ErrorLog.submit(() -> {
      running.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
      long dropped = ErrorLog.dropped();
      int accepted = 0;
      for (int i = 0; i < ErrorLog.CAPACITY + 10; i++) {
        if (ErrorLog.submit(() -> { })) {
          accepted++;
        }
      }
      assertThat(accepted).isLessThanOrEqualTo(ErrorLog.CAPACITY);
      assertThat(ErrorLog.dropped() - dropped).isEqualTo(ErrorLog.CAPACITY + 10 - accepted)
          .isGreaterThanOrEqualTo(10);
    } finally {
      release.countDown();
    }
  }
}
