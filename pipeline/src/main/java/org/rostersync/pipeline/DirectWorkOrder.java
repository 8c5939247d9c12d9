package org.rostersync.pipeline;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;

/**
 * The order in which the DirectRunner's threads take queued work: the work of later steps first.
 * Beam's runner gives every bundle, and its own driver, to one fixed pool whose queue is first in,
 * first out. A fleet's fetches are hundreds of bundles that each wait on Edlink for seconds; queued
 * behind them, a fetched type's stored-hash read, join, writes and the driver that hands finished
 * bundles on waited 4 to 13 s, so by the end of the mixed fleet's no-change sync nearly every
 * record it had fetched was held at once (docs/benchmark-process.md, "Later steps first").
 *
 * <p>Here the pool's queue is ordered by the step's place in the graph (its index in a topological
 * walk, {@link #rankSteps}): the driver first, then the work furthest along, and bundles of one
 * step in the order they came. A started type is then joined and written before another type's
 * fetch starts; nothing runs that would not have run, only sooner or later. {@link
 * DirectDriverPacing} puts this pool in place of the runner's when it loads the runner's executor.
 * After each bundle the pool also drops the thread's Beam encoding buffer ({@link
 * EncodingBuffers}).
 */
public final class DirectWorkOrder {
  /** JVM system property: {@value #FIFO} keeps Beam's first-in, first-out queue. */
  public static final String ORDER_PROPERTY = "rostersync.directWorkOrder";

  public static final String FIFO = "fifo";

  private static final String TRANSFORM_EXECUTOR =
      "org.apache.beam.runners.direct.DirectTransformExecutor";

  /** Each step's (and composite's) full name → its place in a topological walk of the graph. */
  private static volatile Map<String, Integer> ranks = Map.of();

  /** Whether a pool of this class was made (the runner's executor was rewritten). */
  private static volatile boolean inUse;

  private static volatile Field transformField;

  private DirectWorkOrder() {}

  /** Ranks the steps of {@code pipeline}, the next to run; call after it is built. */
  public static void rankSteps(Pipeline pipeline) {
    Map<String, Integer> found = new HashMap<>();
    int[] next = {0};
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            if (!node.isRootNode()) {
              found.putIfAbsent(node.getFullName(), next[0]++);
            }
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            found.putIfAbsent(node.getFullName(), next[0]++);
          }
        });
    ranks = Map.copyOf(found);
  }

  static Map<String, Integer> ranks() {
    return ranks;
  }

  /** Whether the runner's pool is this class's (set once the runner made its executor). */
  public static boolean inUse() {
    return inUse;
  }

  /**
   * Takes the place of {@code Executors.newFixedThreadPool} in the runner's executor: as many
   * threads, the queue ordered by {@link #rankOf} (or Beam's own pool, with {@link #ORDER_PROPERTY}
   * {@value #FIFO}). Public because the rewritten Beam class calls it.
   */
  public static ExecutorService newFixedThreadPool(int threads, ThreadFactory factory) {
    if (FIFO.equals(System.getProperty(ORDER_PROPERTY))) {
      return Executors.newFixedThreadPool(threads, factory);
    }
    inUse = true;
    return new RankedPool(threads, factory);
  }

  /**
   * A step's rank: its place in the walk, or that of the closest enclosing transform that has one
   * (the runner replaces some steps with its own, named below the replaced one). Anything that is
   * not a step's bundle (the driver) ranks above every step.
   */
  static int rankOf(Runnable task) {
    if (!TRANSFORM_EXECUTOR.equals(task.getClass().getName())) {
      return Integer.MAX_VALUE;
    }
    try {
      Field f = transformField;
      if (f == null) {
        f = task.getClass().getDeclaredField("transform");
        f.setAccessible(true);
        transformField = f;
      }
      Object applied = f.get(task);
      String name =
          ((org.apache.beam.sdk.runners.AppliedPTransform<?, ?, ?>) applied).getFullName();
      return rankOfName(name, ranks);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // A Beam release that renamed the field: first in, first out among the steps, as before.
      return 0;
    }
  }

  static int rankOfName(String name, Map<String, Integer> ranks) {
    for (String n = name; ; ) {
      Integer r = ranks.get(n);
      if (r != null) {
        return r;
      }
      int slash = n.lastIndexOf('/');
      if (slash < 0) {
        return 0;
      }
      n = n.substring(0, slash);
    }
  }

  /** A fixed pool whose queue hands out the highest rank first, first come first within a rank. */
  static final class RankedPool extends ThreadPoolExecutor {
    private final AtomicLong sequence = new AtomicLong();

    RankedPool(int threads, ThreadFactory factory) {
      super(threads, threads, 0L, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(), factory);
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Runnable task, T value) {
      return new Ranked<>(task, value, rankOf(task), sequence.getAndIncrement());
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Callable<T> task) {
      return new Ranked<>(task, Integer.MAX_VALUE, sequence.getAndIncrement());
    }

    @Override
    protected void afterExecute(Runnable task, Throwable thrown) {
      EncodingBuffers.drop();
    }

    @Override
    public void execute(Runnable task) {
      super.execute(
          task instanceof Ranked<?>
              ? task
              : new Ranked<>(task, null, rankOf(task), sequence.getAndIncrement()));
    }
  }

  /**
   * Beam's {@code CoderUtils} keeps one encoding buffer per thread, as large as the largest element
   * that thread ever encoded; the runner's in-memory state encodes each waiting join element when
   * it copies a bag, so every runner thread ends up holding a buffer of a whole shard (about 2.5 MB
   * on the mixed fleet: 43–45 MB in the old generation, docs/benchmark-process.md). Dropped after
   * each bundle, it dies young instead.
   */
  static final class EncodingBuffers {
    private static final ThreadLocal<?> BUFFER = find();

    private EncodingBuffers() {}

    private static ThreadLocal<?> find() {
      try {
        Field f =
            org.apache.beam.sdk.util.CoderUtils.class.getDeclaredField("threadLocalOutputStream");
        f.setAccessible(true);
        return (ThreadLocal<?>) f.get(null);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null; // a Beam release without it: nothing to drop
      }
    }

    static void drop() {
      if (BUFFER != null) {
        BUFFER.remove();
      }
    }

    static boolean found() {
      return BUFFER != null;
    }
  }

  static final class Ranked<T> extends FutureTask<T> implements Comparable<Ranked<?>> {
    private final int rank;
    private final long sequence;

    Ranked(Runnable task, T value, int rank, long sequence) {
      super(task, value);
      this.rank = rank;
      this.sequence = sequence;
    }

    Ranked(Callable<T> task, int rank, long sequence) {
      super(task);
      this.rank = rank;
      this.sequence = sequence;
    }

    @Override
    public int compareTo(Ranked<?> o) {
      int higherFirst = Integer.compare(o.rank, rank);
      return higherFirst != 0 ? higherFirst : Long.compare(sequence, o.sequence);
    }
  }
}
