package org.rostersync.sandbox;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.ObjectName;

/**
 * What a pipeline keeps alive in this JVM, read from a class histogram (which runs a full GC
 * first): heap in use, and the number of live DirectRunner timers and keyed-state objects. A
 * pipeline whose per-run state is cleared keeps these flat however many runs it completes.
 */
record LiveState(
    long heapBytes, long timers, long stateTables, long stateKeys, Map<String, Long> instances) {

  static LiveState measure() throws Exception {
    String histogram =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
    Map<String, Long> instances = new LinkedHashMap<>();
    for (String line : histogram.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        instances.merge(f[3], Long.parseLong(f[1]), Long::sum);
      }
    }
    long timers = sum(instances, "TimerInternals_TimerData");
    long tables = sum(instances, "CopyOnAccessInMemoryStateInternals");
    long keys = sum(instances, "StructuralKey");
    Runtime rt = Runtime.getRuntime();
    return new LiveState(rt.totalMemory() - rt.freeMemory(), timers, tables, keys, instances);
  }

  private static long sum(Map<String, Long> instances, String suffix) {
    long n = 0;
    for (Map.Entry<String, Long> e : instances.entrySet()) {
      if (e.getKey().contains(suffix)) {
        n += e.getValue();
      }
    }
    return n;
  }

  /** The classes whose live instances grew most since {@code earlier}. */
  String growthSince(LiveState earlier, int top) {
    return instances.entrySet().stream()
        .map(
            e ->
                Map.entry(
                    e.getKey(), e.getValue() - earlier.instances.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .limit(top)
        .map(e -> e.getKey() + " +" + e.getValue())
        .collect(java.util.stream.Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return String.format(
        "heap %.1f MB after GC, %d live timers, %d keyed state tables, %d structural keys",
        heapBytes / 1e6, timers, stateTables, stateKeys);
  }
}
