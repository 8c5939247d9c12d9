package org.rostersync.pipeline;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
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
 * from the class-data archive). The step: when the driver is to go on and no finished bundle is
 * waiting for it, it pauses ({@value #PAUSE_PROPERTY}, 500 µs by default; 0 counts without
 * pausing). A bundle that finishes meanwhile waits at most that long. Nothing else in the runner
 * changes. If a Beam release renames what this looks for, the class loads as it is and {@code
 * DirectDriverPacingTest} fails.
 */
public final class DirectDriverPacing {
  /**
   * JVM system property: the pause in microseconds; 0 counts the driver's turns and never pauses.
   */
  public static final String PAUSE_PROPERTY = "rostersync.directDriverPauseMicros";

  static final long DEFAULT_PAUSE_MICROS = 500;
  static final String DRIVER = "org.apache.beam.runners.direct.QuiescenceDriver";
  private static final String INTERNAL_NAME = DRIVER.replace('.', '/');

  private static final LongAdder TURNS = new LongAdder();
  private static final LongAdder PAUSES = new LongAdder();
  private static volatile long pauseNanos;
  private static volatile Instrumentation instrumentation;
  private static volatile boolean installed;
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
    try (InputStream in = loader.getResourceAsStream(INTERNAL_NAME + ".class")) {
      if (in == null) {
        return null;
      }
      byte[] original = in.readAllBytes();
      return new Rewritten(original, rewrite(original, loader));
    }
  }

  /** The driver class with the pause added to {@code drive()}. */
  private static byte[] rewrite(byte[] original, ClassLoader loader) {
    ClassFileLocator locator =
        new ClassFileLocator.Compound(
            ClassFileLocator.Simple.of(DRIVER, original),
            ClassFileLocator.ForClassLoader.of(loader));
    TypeDescription type = TypePool.Default.of(locator).describe(DRIVER).resolve();
    return new ByteBuddy()
        .with(TypeValidation.DISABLED)
        .redefine(type, locator)
        .visit(Advice.to(DriveAdvice.class).on(named("drive").and(takesNoArguments())))
        .make()
        .getBytes();
  }

  private record Rewritten(byte[] original, byte[] paced) {}

  /** Whether the driver class loaded with the bytes {@link #prepare} had rewritten. */
  static boolean pacedFromPrepared() {
    return fromPrepared;
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

  /**
   * Called at the end of every {@code drive()} that returns; {@code state} is the driver's result,
   * {@code pendingWork} its queue of finished bundles. Public because the rewritten Beam class
   * calls it.
   */
  public static void afterDrive(Object state, Queue<?> pendingWork) {
    TURNS.increment();
    long pause = pauseNanos;
    if (pause > 0 && "CONTINUE".equals(String.valueOf(state)) && pendingWork.isEmpty()) {
      PAUSES.increment();
      LockSupport.parkNanos(pause);
    }
  }

  /** Inlined into {@code QuiescenceDriver.drive()} by Byte Buddy. */
  static final class DriveAdvice {
    private DriveAdvice() {}

    @Advice.OnMethodExit
    static void exit(
        @Advice.Return Object state, @Advice.FieldValue("pendingWork") Queue<?> pendingWork) {
      DirectDriverPacing.afterDrive(state, pendingWork);
    }
  }

  /** Rewrites the driver class as it loads; any other class passes unchanged. */
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
      if (!INTERNAL_NAME.equals(className) || redefined != null) {
        return null;
      }
      try {
        boolean same = ready != null && Arrays.equals(ready.original(), bytes);
        byte[] paced = same ? ready.paced() : rewrite(bytes, loader);
        fromPrepared = same;
        installed = true;
        return paced;
      } catch (RuntimeException | LinkageError e) {
        // The runner works unpaced; the test of this class says why.
        return null;
      }
    }
  }
}
