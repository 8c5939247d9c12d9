package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WriteBudgetTest {
  @Test
  void theDefaultIsOneWritePerCoreSharedByTheJvm() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(WriteBudget.perCore().rows(), is(SyncDefaults.ROWS_PER_WRITE * cores));
    assertThat(WriteBudget.shared(-1), sameInstance(WriteBudget.perCore()));
    assertThat(WriteBudget.shared(1234), sameInstance(WriteBudget.shared(1234)));
    assertThat(WriteBudget.shared(0), sameInstance(WriteBudget.NONE));
    assertThat(
        JdbcConfig.of("jdbc:postgresql://h/d", "u", null).writeBudget(),
        sameInstance(WriteBudget.perCore()));
    assertThat(
        JdbcConfig.of("jdbc:postgresql://h/d", "u", null).withWriteRowsInFlight(0).writeBudget(),
        sameInstance(WriteBudget.NONE));
    assertThrows(
        IllegalArgumentException.class,
        () -> JdbcConfig.of("jdbc:postgresql://h/d", "u", null).withWriteRowsInFlight(-2));
  }

  @Test
  void noBoundTakesNothingAndNeverWaits() throws Exception {
    try (WriteBudget.Taken t = WriteBudget.NONE.take(1_000_000)) {
      assertThat(t.rows(), is(0));
      assertThat(t.waitedNanos(), is(0L));
    }
  }

  /** Writers at once never hold more rows than the bound; every one of them gets to write. */
  @Test
  void writersAtOnceNeverHoldMoreThanTheBound() throws Exception {
    WriteBudget budget = WriteBudget.unshared(10_000);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> all = new ArrayList<>();
    int[] sizes = {5_000, 3_000, 700, 12_000, 5_000, 1, 4_999, 9_000};
    for (int round = 0; round < 20; round++) {
      for (int size : sizes) {
        all.add(
            pool.submit(
                () -> {
                  try (WriteBudget.Taken t = budget.take(size)) {
                    int now = inFlight.addAndGet(t.rows());
                    most.accumulateAndGet(now, Math::max);
                    Thread.sleep(1);
                    inFlight.addAndGet(-t.rows());
                  }
                  done.incrementAndGet();
                  return null;
                }));
      }
    }
    for (Future<?> f : all) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(done.get(), is(20 * sizes.length));
    assertThat(most.get(), lessThanOrEqualTo(10_000));
    assertThat("writers did overlap", most.get(), greaterThan(5_000));
    assertThat(budget.available(), is(10_000));
  }

  /** A batch larger than the bound takes all of it: it waits for every other writer, then goes. */
  @Test
  void aBatchLargerThanTheBoundTakesAllOfIt() throws Exception {
    WriteBudget budget = WriteBudget.unshared(100);
    WriteBudget.Taken small = budget.take(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Future<WriteBudget.Taken> large = pool.submit(() -> budget.take(5_000));
    Thread.sleep(200);
    assertThat("it waits while one row is held", large.isDone(), is(false));
    small.close();
    try (WriteBudget.Taken t = large.get(10, TimeUnit.SECONDS)) {
      assertThat(t.rows(), is(100));
      assertThat(t.waitedNanos(), greaterThan(0L));
      assertThat(budget.available(), is(0));
    }
    assertThat(budget.available(), is(100));
    pool.shutdown();
  }

  @Test
  void givenBackOnceHoweverOftenClosedAndNothingTakenWhenInterrupted() throws Exception {
    WriteBudget budget = WriteBudget.unshared(10);
    WriteBudget.Taken all = budget.take(10);
    all.close();
    all.close();
    assertThat(budget.available(), is(10));

    WriteBudget.Taken held = budget.take(10);
    Thread.currentThread().interrupt();
    assertThrows(InterruptedException.class, () -> budget.take(5));
    assertThat("the interrupt is consumed by the throw", Thread.interrupted(), is(false));
    held.close();
    assertThat(budget.available(), is(10));
  }
}
