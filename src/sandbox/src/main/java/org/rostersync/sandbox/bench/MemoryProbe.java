package org.rostersync.sandbox.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of one scenario: the process's peak resident set (VmHWM, reset through
 * /proc/self/clear_refs) and the sum of the heap pools' peak usage. Both cover the whole JVM,
 * simulator included.
 */
final class MemoryProbe {
  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  private MemoryProbe() {}

  /** Collects garbage left by the previous scenario and starts new peaks from the current usage. */
  static void reset() {
    System.gc();
    try {
      // "5" resets the peak RSS (VmHWM) to the current RSS (proc(5), Linux 4.0+).
      Files.writeString(CLEAR_REFS, "5");
    } catch (IOException e) {
      throw new IllegalStateException("cannot reset the peak RSS through " + CLEAR_REFS, e);
    }
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  /** VmHWM in MB since the last {@link #reset}. */
  static long peakRssMb() {
    return statusKb("VmHWM:") / 1024;
  }

  /** VmRSS in MB now. */
  static long rssMb() {
    return statusKb("VmRSS:") / 1024;
  }

  /**
   * Sum of the heap pools' peak usage in MB since the last {@link #reset} (an upper bound of the
   * true peak).
   */
  static long peakHeapMb() {
    long bytes = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        bytes += pool.getPeakUsage().getUsed();
      }
    }
    return bytes / (1024 * 1024);
  }

  private static long statusKb(String field) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + STATUS, e);
    }
    throw new IllegalStateException(field + " missing from " + STATUS);
  }
}
