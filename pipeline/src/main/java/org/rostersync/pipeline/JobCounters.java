package org.rostersync.pipeline;

import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.rostersync.transforms.SyncMetrics;

/**
 * The job's counters ({@link SyncMetrics}): Dataflow exports them to Cloud Monitoring; a batch run
 * on the DirectRunner (the cron VM) has no one to collect them, so it logs them as its last line.
 */
public final class JobCounters {
  private JobCounters() {}

  /**
   * The counters of {@link SyncMetrics#NAMESPACE} by name, and the largest value of each of its
   * distributions as {@code name.max}; empty if the runner cannot say yet.
   */
  public static Map<String, Long> of(PipelineResult result) {
    Map<String, Long> out = new TreeMap<>();
    MetricQueryResults q;
    try {
      q =
          result
              .metrics()
              .queryMetrics(
                  MetricsFilter.builder()
                      .addNameFilter(MetricNameFilter.inNamespace(SyncMetrics.NAMESPACE))
                      .build());
    } catch (RuntimeException e) {
      // Metrics are best-effort while the pipeline is still running.
      return out;
    }
    for (MetricResult<Long> c : q.getCounters()) {
      Long v = c.getAttempted();
      out.merge(c.getName().getName(), v == null ? 0L : v, Long::sum);
    }
    for (MetricResult<DistributionResult> d : q.getDistributions()) {
      DistributionResult v = d.getAttempted();
      if (v != null && v.getCount() > 0) {
        out.merge(d.getName().getName() + ".max", v.getMax(), Math::max);
      }
    }
    return out;
  }

  /** One line, names in order, counters at 0 left out: {@code job counters: a=1 b=2}. */
  public static String line(Map<String, Long> counters) {
    StringBuilder s = new StringBuilder("job counters:");
    new TreeMap<>(counters)
        .forEach(
            (name, value) -> {
              if (value != 0) {
                s.append(' ').append(name).append('=').append(value);
              }
            });
    return s.toString();
  }
}
