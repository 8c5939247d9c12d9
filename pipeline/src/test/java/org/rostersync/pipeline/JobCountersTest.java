package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import java.util.Map;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.Test;
import org.rostersync.transforms.SyncMetrics;

/** What a batch run on the DirectRunner logs as its last line: the job's own counters. */
class JobCountersTest {

  /** Counts into two of the job's metrics and one of another namespace. */
  static final class CountFn extends DoFn<Long, Void> {
    @ProcessElement
    public void process(@Element Long n) {
      SyncMetrics.PAGE_BUDGET_WAIT_MS.inc(n);
      SyncMetrics.FETCH_ELEMENT_BYTES.update(n * 1000);
      Metrics.counter("elsewhere", "not_ours").inc();
    }
  }

  @Test
  void theJobsCountersAndDistributionMaximaAreReadBackAndOthersLeftOut() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    Pipeline p = Pipeline.create(options);
    p.apply(Create.of(3L, 5L, 7L)).apply(ParDo.of(new CountFn()));
    PipelineResult result = p.run();
    result.waitUntilFinish();

    Map<String, Long> counters = JobCounters.of(result);
    assertThat(counters, hasEntry("page_budget_wait_ms", 15L));
    assertThat(counters, hasEntry("record_bytes_per_fetch_element.max", 7000L));
    assertThat(counters, not(hasKey("not_ours")));
  }

  @Test
  void theLineNamesEachCounterInOrderAndLeavesOutZeros() {
    assertThat(
        JobCounters.line(
            Map.of("rows_created", 12L, "pages_over_budget", 0L, "edlink_retries", 3L)),
        equalTo("job counters: edlink_retries=3 rows_created=12"));
    assertThat(JobCounters.line(Map.of()), equalTo("job counters:"));
  }
}
