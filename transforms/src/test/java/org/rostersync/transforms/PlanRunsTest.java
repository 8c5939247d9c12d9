package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.EventsProbe;
import org.rostersync.edlink.Integration;

/**
 * PlanRunFn in a pipeline with the lease table, sync_state and Edlink's events in memory (tokens
 * pre-cached, so no Meta API call): each job is either planned as a full sync or ended, never both.
 */
class PlanRunsTest {
  /** Nothing listens here: a call to the real client would fail the test. */
  private static final String BASE_URL = "http://127.0.0.1:9/plan-runs-test-" + UUID.randomUUID();

  private static final String STORED = "11111111-1111-4111-8111-111111111111";
  private static final String NEWEST = "22222222-2222-4222-8222-222222222222";

  private static final String QUIET = UUID.randomUUID().toString();
  private static final String BUSY = UUID.randomUUID().toString();
  private static final String NEW = UUID.randomUUID().toString();
  private static final String FORCED = UUID.randomUUID().toString();
  private static final String LOCKED = UUID.randomUUID().toString();

  /** sync_state in memory; static because the store is serialized into the DoFn. */
  static final Map<String, ChangeGate.StoredState> STATE = new ConcurrentHashMap<>();

  /** Per token: the answer to "events after the stored id?". */
  static final Map<String, EventsProbe.Kind> AFTER = new ConcurrentHashMap<>();

  static final class MemoryState implements ChangeGate.StateStore {
    private static final long serialVersionUID = 1L;

    @Override
    public Optional<ChangeGate.StoredState> read(String integrationId) {
      return Optional.ofNullable(STATE.get(integrationId));
    }
  }

  static final class MemoryEvents implements ChangeGate.Events.Source {
    private static final long serialVersionUID = 1L;

    @Override
    public ChangeGate.Events open(org.rostersync.edlink.EdlinkClient client, String token) {
      return new ChangeGate.Events() {
        @Override
        public Optional<String> newestEventId() {
          return Optional.of(NEWEST);
        }

        @Override
        public EventsProbe eventsAfter(String eventId) {
          EventsProbe.Kind kind = AFTER.get(token);
          return new EventsProbe(kind, kind == EventsProbe.Kind.NONE ? eventId : NEWEST, 0);
        }
      };
    }
  }

  private static SyncJob job(String integration, SyncJob.Mode mode) {
    return new SyncJob(
        "run-" + integration, integration, List.of(EntityType.values()), mode, null, false, 1_000);
  }

  @Test
  void eachJobIsPlannedOrEnded() {
    long recent = System.currentTimeMillis() - 60_000;
    STATE.put(QUIET, new ChangeGate.StoredState(STORED, new Timestamp(recent)));
    STATE.put(BUSY, new ChangeGate.StoredState(STORED, new Timestamp(recent)));
    STATE.put(FORCED, new ChangeGate.StoredState(STORED, new Timestamp(recent)));
    AFTER.put("token-" + QUIET, EventsProbe.Kind.NONE);
    AFTER.put("token-" + BUSY, EventsProbe.Kind.SOME);
    AFTER.put("token-" + FORCED, EventsProbe.Kind.NONE);
    List<Integration> integrations = new ArrayList<>();
    for (String id : List.of(QUIET, BUSY, NEW, FORCED, LOCKED)) {
      integrations.add(new Integration(id, "active", "us", "sis", "team", "token-" + id));
    }
    IntegrationTokens.remember(BASE_URL, integrations);
    InMemoryLeases leases = new InMemoryLeases("plan").heldElsewhere(LOCKED, "run-other", 5);

    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    options.as(StreamingOptions.class).setStreaming(true);
    Pipeline p = Pipeline.create(options);
    PCollectionTuple out =
        p.apply(
                TestStream.create(SyncJob.Coder.of())
                    .addElements(
                        job(QUIET, SyncJob.Mode.AUTO),
                        job(BUSY, SyncJob.Mode.AUTO),
                        job(NEW, SyncJob.Mode.AUTO),
                        job(FORCED, SyncJob.Mode.FULL),
                        job(LOCKED, SyncJob.Mode.AUTO))
                    .advanceWatermarkToInfinity())
            .apply(
                ParDo.of(
                        new PlanRuns.PlanRunFn(
                            EdlinkConfig.of(BASE_URL, SecretRef.plain("unused-app-secret")),
                            24 * 3_600_000L,
                            Duration.standardMinutes(1),
                            Duration.standardMinutes(5),
                            false,
                            leases,
                            new MemoryState(),
                            new MemoryEvents()))
                    .withOutputTags(PlanRuns.FULL_SYNC, TupleTagList.of(PlanRuns.ENDED)));
    PCollection<SyncJob> full = out.get(PlanRuns.FULL_SYNC).setCoder(SyncJob.Coder.of());
    PCollection<KV<String, RunEvent>> ended =
        out.get(PlanRuns.ENDED).setCoder(KvCoder.of(StringUtf8Coder.of(), RunEvent.Coder.of()));

    PAssert.that(full)
        .satisfies(
            jobs -> {
              Map<String, SyncJob> byIntegration = new ConcurrentHashMap<>();
              jobs.forEach(j -> byIntegration.put(j.integrationId(), j));
              assertThat(byIntegration.keySet(), equalTo(java.util.Set.of(BUSY, NEW, FORCED)));
              assertThat(
                  byIntegration.get(BUSY).gateReason(), equalTo("new events after " + STORED));
              assertThat(
                  byIntegration.get(NEW).gateReason(), equalTo("no stored event id (first sync)"));
              assertThat(byIntegration.get(FORCED).gateReason(), equalTo("full sync requested"));
              byIntegration.values().forEach(j -> assertThat(j.newestEventId(), equalTo(NEWEST)));
              return null;
            });
    PAssert.that(ended)
        .satisfies(
            events -> {
              Map<String, RunEvent> byIntegration = new ConcurrentHashMap<>();
              events.forEach(e -> byIntegration.put(e.getKey(), e.getValue()));
              assertThat(byIntegration.keySet(), equalTo(java.util.Set.of(QUIET, LOCKED)));
              assertThat(byIntegration.get(QUIET).runStatus(), is(RunResult.Status.SKIPPED));
              assertThat(byIntegration.get(QUIET).message(), equalTo("no events after " + STORED));
              assertThat(byIntegration.get(LOCKED).runStatus(), is(RunResult.Status.FAILED));
              assertThat(
                  byIntegration.get(LOCKED).message(),
                  containsString("lease held by run run-other"));
              return null;
            });
    p.run().waitUntilFinish();
    assertThat(leases.log().stream().filter(l -> l.startsWith("acquired ")).toList(), hasSize(4));
  }
}
