package org.rostersync.sandbox.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The heap in use right after garbage collections, watched for the memory probes: the largest after
 * any collection (an upper bound of the live set, old garbage included) and the largest after a
 * full one (the live set then). {@link #liveNow()} forces a full collection and reads it.
 */
public final class LiveHeap {
  private final AtomicLong afterAny = new AtomicLong();
  private final AtomicLong afterFull = new AtomicLong();
  private final AtomicLong lastFull = new AtomicLong();

  private LiveHeap() {}

  /** Starts watching every collector of this JVM. */
  public static LiveHeap watch() {
    LiveHeap heap = new LiveHeap();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc)
          .addNotificationListener(
              (notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    notification.getType())) {
                  return;
                }
                GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from(
                        (CompositeData) notification.getUserData());
                long used = 0;
                for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) {
                  used += u.getUsed();
                }
                heap.afterAny.accumulateAndGet(used, Math::max);
                if (info.getGcAction().contains("major")) {
                  heap.afterFull.accumulateAndGet(used, Math::max);
                  heap.lastFull.set(used);
                }
              },
              null,
              null);
    }
    return heap;
  }

  /** Forgets the largest figures so far: the next ones cover only what follows. */
  public void restart() {
    afterAny.set(0);
    afterFull.set(0);
  }

  /** The largest heap in use after any collection so far, in bytes. */
  public long maxAfterAny() {
    return afterAny.get();
  }

  /** The largest heap in use after a full collection so far, in bytes. */
  public long maxAfterFull() {
    return afterFull.get();
  }

  /**
   * A full collection now, and the heap in use after it (the live set), in bytes. The notification
   * arrives on another thread, so this waits for it briefly.
   */
  public long liveNow() throws InterruptedException {
    lastFull.set(-1);
    System.gc();
    for (int i = 0; i < 50 && lastFull.get() < 0; i++) {
      Thread.sleep(10);
    }
    return lastFull.get();
  }

  /** Bytes to MB, for the probes' RESULT lines. */
  public static long mb(long bytes) {
    return bytes / 1_048_576;
  }
}
