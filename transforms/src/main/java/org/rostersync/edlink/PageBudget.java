package org.rostersync.edlink;

import java.lang.ref.Cleaner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A bound, shared by every client of a JVM that is given the same budget, on the records of pages
 * read or waiting for their handler. Many types paged at once on two cores otherwise hold two
 * parsed pages per paging thread, most of them waiting for the CPU (docs/benchmark-process.md,
 * "Fewer parsed pages at once").
 *
 * <p>A page takes a page size of records once its response has arrived, so the round trip itself
 * holds nothing, keeps as many as it holds once read, and gives them back when its handler is done;
 * a read that fails, or a page asked for ahead and dropped, gives them back at once, and a page
 * that arrives after it was dropped gives them back when it is collected. The bound is soft: a page
 * that waits longer than {@link #WAIT_MILLIS} for its share is read anyway, so no paging can ever
 * wait on another for good.
 */
public final class PageBudget {
  /** No bound: every page is read at once. */
  public static final PageBudget NONE = new PageBudget(0);

  /** Records per core of {@link #perCore()}: a page and a half of 10,000. */
  public static final int RECORDS_PER_CORE = 15_000;

  /** How long a page waits for its share before it is read over the bound. */
  static final long WAIT_MILLIS = 2_000;

  private static final ConcurrentHashMap<Integer, PageBudget> SHARED = new ConcurrentHashMap<>();
  private static final Cleaner CLEANER = Cleaner.create();

  private final int records;
  private final Semaphore permits;

  private PageBudget(int records) {
    this.records = records;
    this.permits = records > 0 ? new Semaphore(records, true) : null;
  }

  /**
   * The JVM's budget of {@code records} records: 0 for {@link #NONE}, a negative number for {@link
   * #perCore()}.
   */
  public static PageBudget shared(int records) {
    if (records < 0) {
      return perCore();
    }
    return records == 0 ? NONE : SHARED.computeIfAbsent(records, PageBudget::new);
  }

  /**
   * {@link #RECORDS_PER_CORE} for each core of this JVM: 30,000 on two cores. Pages are parsed and
   * handed on by the CPU; more of them at once than the cores can work on only wait, holding
   * memory.
   */
  public static PageBudget perCore() {
    return shared(RECORDS_PER_CORE * Math.max(1, Runtime.getRuntime().availableProcessors()));
  }

  /** A budget of its own, shared with no other client (tests). */
  static PageBudget unshared(int records) {
    return new PageBudget(records);
  }

  /** The bound, in records; 0 for none. */
  public int records() {
    return records;
  }

  /** Records not taken now (0 for {@link #NONE}, which takes none). */
  int available() {
    return permits == null ? 0 : permits.availablePermits();
  }

  /**
   * Takes up to {@code pageSize} records of the budget, waiting up to {@link #WAIT_MILLIS}; none
   * when the wait runs out or the thread is interrupted (the interrupt stays set, so the read stops
   * at once).
   */
  Held take(int pageSize) {
    if (permits == null) {
      return new Held(this, 0, 0, false);
    }
    int n = Math.min(pageSize, records);
    try {
      // A zero timeout keeps the semaphore's fairness, which a plain tryAcquire would not.
      if (permits.tryAcquire(n, 0, TimeUnit.MILLISECONDS)) {
        return new Held(this, n, 0, false);
      }
      long start = System.nanoTime();
      boolean got = permits.tryAcquire(n, WAIT_MILLIS, TimeUnit.MILLISECONDS);
      return new Held(this, got ? n : 0, System.nanoTime() - start, !got);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Held(this, 0, 0, false);
    }
  }

  /** What one page holds of a budget; given back once, however often it is asked to be. */
  static final class Held implements Runnable {
    private final PageBudget budget;
    private int n;
    private final long waitedNanos;
    private final boolean overdrawn;

    private Held(PageBudget budget, int n, long waitedNanos, boolean overdrawn) {
      this.budget = budget;
      this.n = n;
      this.waitedNanos = waitedNanos;
      this.overdrawn = overdrawn;
    }

    /** How long the page waited for its share (0 when it was free at once). */
    long waitedNanos() {
      return waitedNanos;
    }

    /** Whether the page was read over the bound, its wait having run out. */
    boolean overdrawn() {
      return overdrawn;
    }

    /** Gives back all but {@code records}. */
    synchronized void keep(int records) {
      if (records < n) {
        budget.permits.release(n - records);
        n = records;
      }
    }

    /** Gives back everything held. */
    @Override
    public synchronized void run() {
      if (n > 0) {
        budget.permits.release(n);
        n = 0;
      }
    }

    /** Gives back what is held once {@code page} is collected, if nothing did it before. */
    synchronized void untilCollected(Object page) {
      if (n > 0) {
        CLEANER.register(page, this);
      }
    }
  }
}
