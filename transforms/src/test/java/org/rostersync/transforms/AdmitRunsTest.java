package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.UUID;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;

/**
 * Streaming admission with the lease table in memory: waiting jobs merge, leases are renewed, stuck
 * runs expire.
 */
class AdmitRunsTest {
  private static final String INTEGRATION = UUID.randomUUID().toString();

  private static Pipeline pipeline() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    options.as(StreamingOptions.class).setStreaming(true);
    return Pipeline.create(options);
  }

  private static SyncJob job(
      String run, List<EntityType> types, SyncJob.Mode mode, String request, boolean approve) {
    return new SyncJob(run, INTEGRATION, types, mode, request, approve, 1_000L);
  }

  /**
   * The scenario: the lease is held elsewhere, an operator's full sync with approved deletes waits,
   * the scheduler's tick arrives behind it; when the lease frees, one run does both (full,
   * approved, every type, both request ids). Before the fix only the tick ran.
   */
  @Test
  void aWaitingApprovalIsMergedWithTheTickBehindIt() {
    InMemoryLeases leases = new InMemoryLeases("merge").heldElsewhere(INTEGRATION, "other-run", 2);
    Pipeline p = pipeline();
    SyncJob approval =
        job("run-approval", List.of(EntityType.ENROLLMENTS), SyncJob.Mode.FULL, "operator-1", true);
    SyncJob tick =
        job("run-tick", List.of(EntityType.values()), SyncJob.Mode.AUTO, "tick-7", false);
    Instant t0 = new Instant(0);
    PCollection<SyncJob> admitted =
        p.apply(
                TestStream.create(SyncJob.Coder.of())
                    .addElements(TimestampedValue.of(approval, t0))
                    .advanceProcessingTime(Duration.standardSeconds(5))
                    .addElements(TimestampedValue.of(tick, t0.plus(Duration.standardSeconds(5))))
                    .advanceProcessingTime(Duration.standardSeconds(11))
                    .advanceProcessingTime(Duration.standardSeconds(11))
                    .advanceProcessingTime(Duration.standardSeconds(11))
                    .advanceWatermarkToInfinity())
            .apply(AdmitRuns.using(leases).withRetryEvery(java.time.Duration.ofSeconds(10)));

    PAssert.that(admitted)
        .satisfies(
            jobs -> {
              List<SyncJob> all = new java.util.ArrayList<>();
              jobs.forEach(all::add);
              assertThat("one run for both jobs: " + all, all.size(), is(1));
              SyncJob run = all.get(0);
              assertThat(run.mode(), equalTo(SyncJob.Mode.FULL));
              assertThat(run.approveDeletes(), is(true));
              assertThat(run.entityTypes(), equalTo(List.of(EntityType.values())));
              assertThat(run.requestIds(), contains("operator-1", "tick-7"));
              assertThat(run.requestId(), equalTo("operator-1"));
              assertThat(run.runId(), equalTo("run-approval"));
              return null;
            });
    p.run().waitUntilFinish();
  }

  /**
   * While its run is in flight the lease is renewed; a run that never ends is expired and its lease
   * released.
   */
  @Test
  void anInFlightRunIsRenewedAndExpiredWhenItNeverEnds() {
    InMemoryLeases leases = new InMemoryLeases("expire");
    Pipeline p = pipeline();
    SyncJob stuck = job("run-stuck", List.of(EntityType.PEOPLE), SyncJob.Mode.FULL, null, false);
    // Asks for a type the stuck run does not cover, so it is not collapsed into it.
    SyncJob next = job("run-next", List.of(EntityType.SCHOOLS), SyncJob.Mode.FULL, "after", false);
    TestStream.Builder<SyncJob> stream =
        TestStream.create(SyncJob.Coder.of())
            .addElements(TimestampedValue.of(stuck, new Instant(0)));
    for (int i = 0; i < 8; i++) {
      stream = stream.advanceProcessingTime(Duration.standardSeconds(4));
    }
    PCollection<SyncJob> admitted =
        p.apply(
                stream
                    .addElements(TimestampedValue.of(next, new Instant(1)))
                    .advanceProcessingTime(Duration.standardSeconds(4))
                    .advanceWatermarkToInfinity())
            .apply(
                AdmitRuns.using(leases)
                    .withRetryEvery(java.time.Duration.ofSeconds(1))
                    .withLeaseTtl(java.time.Duration.ofSeconds(8))
                    .withMaxRunDuration(java.time.Duration.ofMillis(8_000)));
    PAssert.that(admitted).containsInAnyOrder(stuck, next);
    try {
      p.run().waitUntilFinish();
    } catch (RuntimeException e) {
      throw new AssertionError("lease log: " + leases.log(), e);
    }
    assertThat(leases.log(), hasItem("renewed run-stuck"));
    assertThat(leases.log(), hasItem("expired run-stuck"));
    assertThat(leases.log(), hasItem("acquired run-next"));
  }
}
