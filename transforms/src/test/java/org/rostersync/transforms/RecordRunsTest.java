package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
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
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;

/**
 * RecordRuns' summary of a run, and RecordRunFn's collection of a run's outcomes, without
 * PostgreSQL.
 */
class RecordRunsTest {
  private static final String INTEGRATION = UUID.randomUUID().toString();
  private static final FetchSummary FETCH = new FetchSummary(120, 2, 1, 300, 4);

  private static SyncJob job(String run, List<EntityType> types, long startedAt) {
    return new SyncJob(run, INTEGRATION, types, SyncJob.Mode.AUTO, "req-" + run, false, startedAt)
        .withPlan(UUID.randomUUID().toString(), "new events after x");
  }

  private static TypeOutcome ok(EntityType type) {
    return new TypeOutcome(
        type, TypeOutcome.Status.OK, FETCH, 100, 10, 5, 2, 83, 0, List.of(), null);
  }

  private static TypeOutcome failed(EntityType type, String error) {
    return TypeOutcome.failed(type, FETCH, error);
  }

  private static TypeOutcome held(EntityType type) {
    return new TypeOutcome(
        type,
        TypeOutcome.Status.HELD,
        FETCH,
        100,
        1,
        0,
        0,
        60,
        39,
        List.of("id-1", "id-2"),
        "held 39 deletes of 100 stored rows (over 10%); approve to apply");
  }

  private static RunResult summarize(TypeOutcome... types) {
    List<EntityType> ts = new ArrayList<>();
    for (TypeOutcome t : types) {
      ts.add(t.type());
    }
    return RecordRuns.RecordRunFn.summarize(job("run-1", ts, 1_000), List.of(types));
  }

  @Test
  void everyTypeOkIsSucceeded() {
    RunResult r = summarize(ok(EntityType.SCHOOLS), ok(EntityType.PEOPLE));
    assertThat(r.status(), is(RunResult.Status.SUCCEEDED));
    assertThat(r.error(), nullValue());
    assertThat(r.gateReason(), equalTo("new events after x"));
    assertThat(r.runId(), equalTo("run-1"));
    assertThat(r.startedAtMillis(), is(1_000L));
    assertThat(r.types(), hasSize(2));
  }

  @Test
  void someFailedIsPartialAndJoinsTheErrorsByType() {
    RunResult r =
        summarize(
            failed(EntityType.SCHOOLS, "HTTP 500"),
            ok(EntityType.PEOPLE),
            failed(EntityType.CLASSES, "timeout"));
    assertThat(r.status(), is(RunResult.Status.PARTIAL));
    assertThat(r.error(), equalTo("schools: HTTP 500; classes: timeout"));
  }

  @Test
  void everyTypeFailedIsFailed() {
    RunResult r = summarize(failed(EntityType.SCHOOLS, "a"), failed(EntityType.PEOPLE, "b"));
    assertThat(r.status(), is(RunResult.Status.FAILED));
    assertThat(r.error(), equalTo("schools: a; people: b"));
  }

  @Test
  void heldWithoutFailuresIsHeldAndAFailureWinsOverHeld() {
    RunResult r = summarize(ok(EntityType.SCHOOLS), held(EntityType.PEOPLE));
    assertThat(r.status(), is(RunResult.Status.HELD));
    assertThat(
        r.error(),
        equalTo("people: held 39 deletes of 100 stored rows (over 10%); approve to apply"));
    assertThat(
        summarize(held(EntityType.PEOPLE), failed(EntityType.CLASSES, "x")).status(),
        is(RunResult.Status.PARTIAL));
  }

  @Test
  void countsJsonCarriesEveryCountAndTheHeldSampleOnlyWhenHeld() {
    JsonObject all =
        JsonParser.parseString(
                RecordRuns.RecordRunFn.countsJson(
                    List.of(ok(EntityType.SCHOOLS), held(EntityType.PEOPLE))))
            .getAsJsonObject();
    assertThat(all.keySet(), contains("schools", "people"));
    JsonObject schools = all.getAsJsonObject("schools");
    assertThat(schools.get("status").getAsString(), equalTo("ok"));
    assertThat(schools.get("fetched").getAsLong(), is(120L));
    assertThat(schools.get("pages").getAsInt(), is(2));
    assertThat(schools.get("retries").getAsInt(), is(1));
    assertThat(schools.get("fetch_ms").getAsLong(), is(300L));
    assertThat(schools.get("rejected").getAsLong(), is(4L));
    assertThat(schools.get("stored_before").getAsLong(), is(100L));
    assertThat(schools.get("created").getAsLong(), is(10L));
    assertThat(schools.get("updated").getAsLong(), is(5L));
    assertThat(schools.get("deleted").getAsLong(), is(2L));
    assertThat(schools.get("unchanged").getAsLong(), is(83L));
    assertThat(schools.has("held_deletes"), is(false));
    assertThat(schools.has("held_sample"), is(false));
    assertThat(schools.has("error"), is(false));

    JsonObject people = all.getAsJsonObject("people");
    assertThat(people.get("status").getAsString(), equalTo("held"));
    assertThat(people.get("held_deletes").getAsLong(), is(39L));
    assertThat(people.getAsJsonArray("held_sample").size(), is(2));
    assertThat(people.getAsJsonArray("held_sample").get(0).getAsString(), equalTo("id-1"));
    assertThat(people.get("error").getAsString(), containsString("approve to apply"));
  }

  @Test
  void countsJsonSanitisesTheErrorAndOmitsAMissingFetch() {
    String raw = "bad\u0000byte \uD800 lone" + "x".repeat(3_000);
    JsonObject o =
        JsonParser.parseString(
                RecordRuns.RecordRunFn.countsJson(
                    List.of(TypeOutcome.failed(EntityType.PEOPLE, null, raw))))
            .getAsJsonObject()
            .getAsJsonObject("people");
    String error = o.get("error").getAsString();
    assertThat(error, equalTo(SafeText.clean(raw)));
    assertThat(error, not(containsString("\u0000")));
    assertThat(error, containsString("\uFFFD"));
    assertThat(error.length(), is(SafeText.MAX_CHARS + 1));
    assertThat(o.has("fetched"), is(false));
    assertThat(o.get("status").getAsString(), equalTo("failed"));
  }

  @Test
  void onlyARunOfEveryTypeCoversTheGate() {
    assertThat(
        RecordRuns.RecordRunFn.coversEveryType(job("r", List.of(EntityType.values()), 1)),
        is(true));
    List<EntityType> allButAgents = new ArrayList<>(List.of(EntityType.values()));
    allButAgents.remove(EntityType.AGENTS);
    assertThat(RecordRuns.RecordRunFn.coversEveryType(job("r", allButAgents, 1)), is(false));
    assertThat(
        RecordRuns.RecordRunFn.coversEveryType(job("r", List.of(EntityType.PEOPLE), 1)), is(false));
  }

  /**
   * Runs recorded in memory; serialized into the DoFn, so the log lives in a static map under a
   * name.
   */
  static final class FakeRunStore implements RecordRuns.RunStore {
    private static final long serialVersionUID = 1L;
    static final Map<String, List<String>> LOG = new ConcurrentHashMap<>();
    private final String name;

    FakeRunStore(String name) {
      this.name = name;
      LOG.put(name, Collections.synchronizedList(new ArrayList<>()));
    }

    List<String> log() {
      return LOG.get(name);
    }

    @Override
    public java.sql.Timestamp record(SyncJob job, RunResult result) {
      log().add(result.runId() + " " + result.status().dbValue());
      return null;
    }
  }

  private static Pipeline pipeline() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    options.as(StreamingOptions.class).setStreaming(true);
    return Pipeline.create(options);
  }

  private static KV<String, RunEvent> type(SyncJob job, TypeOutcome outcome) {
    return KV.of(job.runKey(), RunEvent.type(job, outcome));
  }

  /**
   * A run's types arrive one by one, with an abandoned older run's type before and after it; one
   * result, for the current run once its last type arrived, with its own outcomes in sync order.
   * Then the next run is skipped.
   */
  @Test
  void aRunIsRecordedOnceAfterItsLastTypeAndAnOlderRunsEventsAreDropped() {
    List<EntityType> types = List.of(EntityType.SCHOOLS, EntityType.PEOPLE, EntityType.CLASSES);
    SyncJob older = job("run-older", types, 1_000);
    SyncJob current = job("run-current", types, 2_000);
    SyncJob next = job("run-next", types, 3_000);
    FakeRunStore store = new FakeRunStore("stream");
    Pipeline p = pipeline();
    PCollection<RunResult> results =
        p.apply(
                TestStream.create(KvCoder.of(StringUtf8Coder.of(), RunEvent.Coder.of()))
                    .addElements(type(older, ok(EntityType.SCHOOLS)))
                    .advanceProcessingTime(Duration.standardSeconds(1))
                    // A newer run starts: what the older one left is dropped.
                    .addElements(type(current, ok(EntityType.PEOPLE)))
                    .advanceProcessingTime(Duration.standardSeconds(1))
                    // A late type of the abandoned run: dropped, it must not complete anything.
                    .addElements(type(older, ok(EntityType.PEOPLE)))
                    .advanceProcessingTime(Duration.standardSeconds(1))
                    .addElements(type(current, failed(EntityType.SCHOOLS, "HTTP 500")))
                    .advanceProcessingTime(Duration.standardSeconds(1))
                    .addElements(type(older, ok(EntityType.CLASSES)))
                    .advanceProcessingTime(Duration.standardSeconds(1))
                    .addElements(type(current, ok(EntityType.CLASSES)))
                    .advanceProcessingTime(Duration.standardSeconds(1))
                    .addElements(
                        KV.of(
                            next.runKey(),
                            RunEvent.wholeRun(next, RunResult.Status.SKIPPED, "no events")))
                    .advanceWatermarkToInfinity())
            .apply(ParDo.of(new RecordRuns.RecordRunFn(store)))
            .setCoder(RunResult.Coder.of());
    PAssert.that(results)
        .satisfies(
            all -> {
              List<RunResult> list = new ArrayList<>();
              all.forEach(list::add);
              assertThat("one result per run: " + list, list, hasSize(2));
              RunResult run =
                  list.stream()
                      .filter(r -> r.runId().equals("run-current"))
                      .findFirst()
                      .orElseThrow();
              assertThat(run.status(), is(RunResult.Status.PARTIAL));
              assertThat(run.types().stream().map(TypeOutcome::type).toList(), equalTo(types));
              assertThat(run.error(), equalTo("schools: HTTP 500"));
              RunResult skipped =
                  list.stream().filter(r -> r.runId().equals("run-next")).findFirst().orElseThrow();
              assertThat(skipped.status(), is(RunResult.Status.SKIPPED));
              assertThat(skipped.types(), empty());
              assertThat(skipped.error(), nullValue());
              return null;
            });
    p.run().waitUntilFinish();
    assertThat(store.log(), equalTo(List.of("run-current partial", "run-next skipped")));
  }
}
