package org.rostersync.pipeline;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.asm.MemberSubstitution;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.pool.TypePool;

/**
 * Paces the DirectRunner's driver loop. Beam's {@code QuiescenceDriver.drive()} is handed back to
 * the runner's thread pool the moment it returns, with or without work to do (BEAM-690, whose
 * back-off was never merged). While a runner thread is idle the driver turns on it about 130,000
 * times a second; on a two-core VM, paced, a medium district's sync used a third less CPU and ended
 * about 2 s sooner (docs/benchmark-process.md, "The runner's driver, paced").
 *
 * <p>The jar's manifest names this class as its {@code Launcher-Agent-Class}, so {@code java -jar}
 * hands it the JVM's {@link Instrumentation} before {@code main}. For a DirectRunner run, {@code
 * main} calls {@link #prepare()}, which rewrites the driver class's bytes on a thread of its own,
 * adding one step to the end of {@code drive()}; just before the run, {@link #pace()} loads the
 * class with a transformer in place that hands over those bytes, and removes the transformer at
 * once (while one is registered the JVM hands every loading class's bytes to it, even those it maps
 * from the class-data archive). The step: when the driver is to go on and no bundle finished since
 * its turn began, it pauses ({@value #PAUSE_PROPERTY}, 5 ms by default; 0 counts without pausing)
 * until a bundle finishes: the runner's completion callback, rewritten the same way, wakes it. So a
 * finished bundle does not wait for the pause, and the pause only bounds what else may be due
 * (processing-time timers). The same transformer rewrites the runner's executor so that its thread
 * pool is {@link DirectWorkOrder}'s, which hands out the driver and the work of later steps first.
 * Nothing else in the runner changes. If a Beam release renames what this looks for, the classes
 * load as they are and {@code DirectDriverPacingTest} fails.
 */
public final class DirectDriverPacing {
  /**
   * JVM system property: the pause in microseconds; 0 counts the driver's turns and never pauses.
   */
  public static final String PAUSE_PROPERTY = "rostersync.directDriverPauseMicros";

  static final long DEFAULT_PAUSE_MICROS = 5_000;

  /**
   * The pause, at most, where the callback could not be rewritten and no finished bundle wakes the
   * driver (the pause of the versions before the wake-up; docs/benchmark-process.md).
   */
  static final long UNWOKEN_PAUSE_MICROS = 500;

  static final String DRIVER = "org.apache.beam.runners.direct.QuiescenceDriver";

  /** The driver's completion callback: every finished bundle passes through it. */
  static final String CALLBACK = DRIVER + "$TimerIterableCompletionCallback";

  /** The runner's executor, whose thread pool {@link DirectWorkOrder} replaces. */
  static final String EXECUTOR = "org.apache.beam.runners.direct.ExecutorServiceParallelExecutor";

  private static final String INTERNAL_NAME = DRIVER.replace('.', '/');
  private static final String CALLBACK_INTERNAL_NAME = CALLBACK.replace('.', '/');
  private static final String EXECUTOR_INTERNAL_NAME = EXECUTOR.replace('.', '/');

  private static final LongAdder TURNS = new LongAdder();
  private static final LongAdder PAUSES = new LongAdder();
  private static final LongAdder WOKEN = new LongAdder();

  /** Bundles finished since the JVM started (each wakes a pausing driver). */
  private static final AtomicLong FINISHED = new AtomicLong();

  /** The thread the driver pauses on, if it does. */
  private static volatile Thread pausing;

  private static volatile long pauseNanos;
  private static volatile Instrumentation instrumentation;
  private static volatile boolean installed;
  private static volatile boolean callbackInstalled;
  private static volatile boolean executorInstalled;
  private static FutureTask<Rewritten> prepared;
  private static volatile boolean fromPrepared;

  private DirectDriverPacing() {}

  /** Entry point of {@code Launcher-Agent-Class} ({@code java -jar}). */
  public static void agentmain(String args, Instrumentation instrumentation) {
    install(instrumentation);
  }

  /** Entry point of {@code -javaagent:} (tests). */
  public static void premain(String args, Instrumentation instrumentation) {
    install(instrumentation);
  }

  private static void install(Instrumentation given) {
    long micros = Long.getLong(PAUSE_PROPERTY, DEFAULT_PAUSE_MICROS);
    if (micros < 0) {
      throw new IllegalArgumentException(PAUSE_PROPERTY + " must be >= 0, was " + micros);
    }
    pauseNanos = micros * 1_000L;
    instrumentation = given;
  }

  /**
   * Starts rewriting the driver class's bytes on a thread of its own, if the JVM was started with
   * this agent: Byte Buddy's part of {@link #pace} (about 0.2 s of start-up, mostly loading its
   * classes, which are compiled for Java 5 and so never in the class-data archive) then runs beside
   * the schema check and the graph's construction.
   */
  static synchronized void prepare() {
    if (instrumentation == null || installed || prepared != null) {
      return;
    }
    prepared = new FutureTask<>(DirectDriverPacing::rewriteFromClassPath);
    Thread t = new Thread(prepared, "driver-pacing");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Loads the DirectRunner's driver class paced, if the JVM was started with this agent and the
   * class is not loaded yet; call before the DirectRunner runs. Uses the bytes {@link #prepare}
   * rewrote when the class loads from the same bytes, and rewrites them here otherwise. Returns
   * whether it is paced.
   */
  static synchronized boolean pace() {
    Instrumentation inst = instrumentation;
    if (inst == null || installed) {
      return installed;
    }
    Rewritten ready = null;
    if (prepared != null) {
      try {
        ready = prepared.get();
      } catch (ExecutionException e) {
        // Rewritten below as the class loads, or left unpaced.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ClassFileTransformer transformer = new DriverTransformer(ready);
    inst.addTransformer(transformer);
    try {
      Class.forName(DRIVER, false, DirectDriverPacing.class.getClassLoader());
      Class.forName(CALLBACK, false, DirectDriverPacing.class.getClassLoader());
      Class.forName(EXECUTOR, false, DirectDriverPacing.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      // No DirectRunner in this class path: nothing to pace.
    } finally {
      inst.removeTransformer(transformer);
    }
    return installed;
  }

  /** The driver class's bytes as found, and as rewritten; null if it cannot be found. */
  private static Rewritten rewriteFromClassPath() throws IOException {
    ClassLoader loader = DirectDriverPacing.class.getClassLoader();
    byte[] driver = bytesOf(INTERNAL_NAME, loader);
    byte[] callback = bytesOf(CALLBACK_INTERNAL_NAME, loader);
    byte[] executor = bytesOf(EXECUTOR_INTERNAL_NAME, loader);
    if (driver == null || callback == null || executor == null) {
      return null;
    }
    return new Rewritten(
        driver,
        rewrite(DRIVER, driver, loader),
        callback,
        rewrite(CALLBACK, callback, loader),
        executor,
        rewrite(EXECUTOR, executor, loader));
  }

  private static byte[] bytesOf(String internalName, ClassLoader loader) throws IOException {
    try (InputStream in = loader.getResourceAsStream(internalName + ".class")) {
      return in == null ? null : in.readAllBytes();
    }
  }

  /**
   * The driver class with the pause added to {@code drive()}, the callback class with a wake-up
   * added to each of its ends, or the executor class making its pool with {@link DirectWorkOrder}.
   */
  private static byte[] rewrite(String name, byte[] original, ClassLoader loader) {
    ClassFileLocator locator =
        new ClassFileLocator.Compound(
            ClassFileLocator.Simple.of(name, original), ClassFileLocator.ForClassLoader.of(loader));
    TypeDescription type = TypePool.Default.of(locator).describe(name).resolve();
    AsmVisitorWrapper step;
    if (name.equals(DRIVER)) {
      step = Advice.to(DriveAdvice.class).on(named("drive").and(takesNoArguments()));
    } else if (name.equals(CALLBACK)) {
      step =
          Advice.to(FinishedAdvice.class)
              .on(
                  named("handleResult")
                      .or(named("handleEmpty"))
                      .or(named("handleException"))
                      .or(named("handleError")));
    } else {
      step =
          MemberSubstitution.strict()
              .method(
                  named("newFixedThreadPool")
                      .and(isDeclaredBy(Executors.class))
                      .and(takesArguments(int.class, ThreadFactory.class)))
              .replaceWith(orderedPool())
              .on(isConstructor());
    }
    return new ByteBuddy()
        .with(TypeValidation.DISABLED)
        .redefine(type, locator)
        .visit(step)
        .make()
        .getBytes();
  }

  private static java.lang.reflect.Method orderedPool() {
    try {
      return DirectWorkOrder.class.getMethod("newFixedThreadPool", int.class, ThreadFactory.class);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
  }

  private record Rewritten(
      byte[] driver,
      byte[] pacedDriver,
      byte[] callback,
      byte[] wakingCallback,
      byte[] executor,
      byte[] orderedExecutor) {}

  /** Whether the driver class loaded with the bytes {@link #prepare} had rewritten. */
  static boolean pacedFromPrepared() {
    return fromPrepared;
  }

  /** Whether the completion callback was found and rewritten to wake the driver. */
  public static boolean wakes() {
    return callbackInstalled;
  }

  /** Whether the runner's executor class was found and rewritten to order its queue. */
  public static boolean ordersWork() {
    return executorInstalled;
  }

  /** Whether the driver class was found and rewritten. */
  public static boolean installed() {
    return installed;
  }

  /** How many times the driver ran {@code drive()} since the JVM started. */
  public static long turns() {
    return TURNS.sum();
  }

  /** How many of those turns ended in a pause. */
  public static long pauses() {
    return PAUSES.sum();
  }

  /** How many pauses a finished bundle cut short. */
  public static long woken() {
    return WOKEN.sum();
  }

  /** Bundles finished so far. Public because the rewritten Beam class calls it. */
  public static long finished() {
    return FINISHED.get();
  }

  /**
   * Called at the end of every {@code drive()} that returns; {@code state} is the driver's result,
   * {@code pendingWork} its queue of finished bundles' updates, {@code finishedBefore} what {@link
   * #finished} was when the turn began. Pauses only if no bundle finished since, so a bundle that
   * finished while the turn ran gets the next turn at once. Public because the rewritten Beam class
   * calls it.
   */
  public static void afterDrive(Object state, Queue<?> pendingWork, long finishedBefore) {
    TURNS.increment();
    long pause =
        callbackInstalled ? pauseNanos : Math.min(pauseNanos, UNWOKEN_PAUSE_MICROS * 1_000);
    if (pause > 0 && "CONTINUE".equals(String.valueOf(state)) && pendingWork.isEmpty()) {
      // Seen by a bundle finishing from here on, which then wakes this thread; one that finished
      // before is seen in the count below. So no wake-up is lost.
      pausing = Thread.currentThread();
      try {
        if (FINISHED.get() == finishedBefore) {
          PAUSES.increment();
          LockSupport.parkNanos(pause);
          if (FINISHED.get() != finishedBefore) {
            WOKEN.increment();
          }
        }
      } finally {
        pausing = null;
      }
    }
  }

  /**
   * Called as the runner's completion callback returns, for every finished bundle: wakes the driver
   * if it pauses. Public because the rewritten Beam class calls it.
   */
  public static void bundleFinished() {
    FINISHED.incrementAndGet();
    Thread t = pausing;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** Inlined into {@code QuiescenceDriver.drive()} by Byte Buddy. */
  static final class DriveAdvice {
    private DriveAdvice() {}

    @Advice.OnMethodEnter
    static long enter() {
      return DirectDriverPacing.finished();
    }

    @Advice.OnMethodExit
    static void exit(
        @Advice.Enter long finishedBefore,
        @Advice.Return Object state,
        @Advice.FieldValue("pendingWork") Queue<?> pendingWork) {
      DirectDriverPacing.afterDrive(state, pendingWork, finishedBefore);
    }
  }

  /** Inlined into the ends of the driver's completion callback by Byte Buddy. */
  static final class FinishedAdvice {
    private FinishedAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class)
    static void exit() {
      DirectDriverPacing.bundleFinished();
    }
  }

  /** Rewrites the driver and callback classes as they load; any other class passes unchanged. */
  private static final class DriverTransformer implements ClassFileTransformer {
    private final Rewritten ready;

    DriverTransformer(Rewritten ready) {
      this.ready = ready;
    }

    @Override
    public byte[] transform(
        ClassLoader loader,
        String className,
        Class<?> redefined,
        ProtectionDomain domain,
        byte[] bytes) {
      boolean driver = INTERNAL_NAME.equals(className);
      boolean executor = EXECUTOR_INTERNAL_NAME.equals(className);
      if (!driver && !executor && !CALLBACK_INTERNAL_NAME.equals(className) || redefined != null) {
        return null;
      }
      try {
        if (executor) {
          boolean same = ready != null && Arrays.equals(ready.executor(), bytes);
          byte[] ordered = same ? ready.orderedExecutor() : rewrite(EXECUTOR, bytes, loader);
          executorInstalled = true;
          return ordered;
        }
        if (driver) {
          boolean same = ready != null && Arrays.equals(ready.driver(), bytes);
          byte[] paced = same ? ready.pacedDriver() : rewrite(DRIVER, bytes, loader);
          fromPrepared = same;
          installed = true;
          return paced;
        }
        boolean same = ready != null && Arrays.equals(ready.callback(), bytes);
        byte[] waking = same ? ready.wakingCallback() : rewrite(CALLBACK, bytes, loader);
        callbackInstalled = true;
        return waking;
      } catch (RuntimeException | LinkageError e) {
        // The runner works unpaced; the test of this class says why.
        return null;
      }
    }
  }
}
