package org.rostersync.transforms;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * A bound, shared by the writers of a JVM given the same budget, on the rows they write to the
 * database at once. Eight bulk writes into one table on two cores took PostgreSQL more CPU for
 * little more throughput than two (contended WAL, relation extension and index pages), and while
 * they ran they took the cores the fetch needed (docs/benchmark-process.md, "Two bulk writes at
 * once per two cores").
 *
 * <p>A batch takes its row count, or the whole budget if it is larger, and waits as long as it
 * takes: a holder only writes one batch and gives its rows back, and takes nothing else of the
 * budget meanwhile, so no writer waits on another for good.
 */
final class WriteBudget {
  /** Rows per core of {@link #perCore()}: one write of the default 5,000 rows. */
  static final int ROWS_PER_CORE = SyncDefaults.ROWS_PER_WRITE;

  /** No bound: every batch is written at once (up to the connection pool). */
  static final WriteBudget NONE = new WriteBudget(0);

  private static final ConcurrentHashMap<Integer, WriteBudget> SHARED = new ConcurrentHashMap<>();

  private final int rows;
  private final Semaphore permits;

  private WriteBudget(int rows) {
    this.rows = rows;
    this.permits = rows > 0 ? new Semaphore(rows, true) : null;
  }

  /** The JVM's budget of {@code rows}: 0 for {@link #NONE}, a negative number for per core. */
  static WriteBudget shared(int rows) {
    if (rows < 0) {
      return perCore();
    }
    return rows == 0 ? NONE : SHARED.computeIfAbsent(rows, WriteBudget::new);
  }

  /** {@link #ROWS_PER_CORE} for each core of this JVM: 10,000 rows on two cores. */
  static WriteBudget perCore() {
    return shared(ROWS_PER_CORE * Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  /** A budget of its own, shared with no other writer (tests). */
  static WriteBudget unshared(int rows) {
    return new WriteBudget(rows);
  }

  /** The bound, in rows; 0 for none. */
  int rows() {
    return rows;
  }

  /** Rows not taken now (0 for {@link #NONE}). */
  int available() {
    return permits == null ? 0 : permits.availablePermits();
  }

  /**
   * Takes {@code batchRows} rows, or the whole bound if the batch is larger, waiting until they are
   * free.
   *
   * @throws InterruptedException if the thread is interrupted while it waits; nothing is taken
   */
  Taken take(int batchRows) throws InterruptedException {
    if (permits == null || batchRows <= 0) {
      return new Taken(this, 0, 0);
    }
    int n = Math.min(batchRows, rows);
    long start = System.nanoTime();
    permits.acquire(n);
    return new Taken(this, n, System.nanoTime() - start);
  }

  /** What one batch holds of a budget; given back once, however often it is closed. */
  static final class Taken implements AutoCloseable {
    private final WriteBudget budget;
    private int n;
    private final long waitedNanos;

    private Taken(WriteBudget budget, int n, long waitedNanos) {
      this.budget = budget;
      this.n = n;
      this.waitedNanos = waitedNanos;
    }

    /** Rows held. */
    synchronized int rows() {
      return n;
    }

    /** How long the batch waited for its rows. */
    long waitedNanos() {
      return waitedNanos;
    }

    @Override
    public synchronized void close() {
      if (n > 0) {
        budget.permits.release(n);
        n = 0;
      }
    }
  }
}
