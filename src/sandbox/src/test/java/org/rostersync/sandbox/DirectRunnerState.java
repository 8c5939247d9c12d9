package org.rostersync.sandbox;

import java.lang.reflect.Field;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.runners.AppliedPTransform;

/**
 * Reads, by reflection, what a running DirectRunner pipeline keeps per step: pending timers, keys
 * with timers, keys with state, and the step's input watermark. Diagnostics for tests only (the
 * fields are DirectRunner internals).
 */
final class DirectRunnerState {
  private DirectRunnerState() {}

  record Step(long timers, long timerKeys, long stateKeys, long holds, String inputWatermark) {}

  static Map<String, Step> read(PipelineResult result) {
    Map<String, Step> steps = new TreeMap<>();
    try {
      Object context = field(result, "evaluationContext");
      Object watermarks = field(context, "watermarkManager");
      Map<?, ?> byTransform = (Map<?, ?>) field(watermarks, "transformToWatermarks");
      Map<?, ?> state = (Map<?, ?>) field(context, "applicationStateInternals");
      Map<String, Long> stateKeys = new TreeMap<>();
      for (Object stepAndKey : state.keySet()) {
        AppliedPTransform<?, ?, ?> t = (AppliedPTransform<?, ?, ?>) field(stepAndKey, "step");
        stateKeys.merge(t.getFullName(), 1L, Long::sum);
      }
      for (Map.Entry<?, ?> e : byTransform.entrySet()) {
        String name = ((AppliedPTransform<?, ?, ?>) e.getKey()).getFullName();
        Object input = field(e.getValue(), "inputWatermark");
        long timers = ((Collection<?>) field(input, "pendingTimers")).size();
        long keys = ((Map<?, ?>) field(input, "existingTimers")).size();
        Object wm =
            ((java.util.concurrent.atomic.AtomicReference<?>) field(input, "currentWatermark"))
                .get();
        long sk = stateKeys.getOrDefault(name, 0L);
        Object output = field(e.getValue(), "outputWatermark");
        long holds = ((Map<?, ?>) field(field(output, "holds"), "keyedHolds")).size();
        if (timers > 0 || sk > 0 || holds > 0) {
          steps.put(name, new Step(timers, keys, sk, holds, String.valueOf(wm)));
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      steps.put("(unreadable: " + e + ")", new Step(0, 0, 0, 0, ""));
    }
    return steps;
  }

  static long totalTimers(Map<String, Step> steps) {
    return steps.values().stream().mapToLong(Step::timers).sum();
  }

  static long totalHolds(Map<String, Step> steps) {
    return steps.values().stream().mapToLong(Step::holds).sum();
  }

  static long totalStateKeys(Map<String, Step> steps) {
    return steps.values().stream().mapToLong(Step::stateKeys).sum();
  }

  private static Object field(Object o, String name) throws ReflectiveOperationException {
    for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
      } catch (NoSuchFieldException e) {
        // keep looking in the superclass
      }
    }
    throw new NoSuchFieldException(name + " in " + o.getClass());
  }
}
