package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.RosterType;
import org.rostersync.testing.TestDatabase;
import org.rostersync.testing.TestSimulator;
import org.rostersync.transforms.PooledDataSources;

/**
 * Types larger than one fetch element ({@code --fetchBytesPerElement}) are paged in checkpointed
 * stretches and assembled per shard: the database still ends equal to the source, no fetch element
 * holds or emits more than its budget and one page, and a failure or a conflicting duplicate in a
 * later stretch fails the type without deleting anything.
 */
class SpilledTypesTest {
  private static final int PAGE_SIZE = 100;
  private static final long BUDGET = 20_000;
  private static final int SHARDS = 8;

  private static TestDatabase db;
  private static EdlinkSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start();
    sim =
        TestSimulator.builder(23L, "spill-secret")
            .integration(DatasetSize.SMALL)
            .integration(DatasetSize.SMALL)
            .integration(DatasetSize.SMALL)
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    PooledDataSources.closeAll();
    sim.close();
    db.close();
  }

  private static SyncRunner.Outcome sync(String integration) throws Exception {
    SyncOptions o = SyncRunner.options(db.config(), sim.baseUrl(), sim.appSecret());
    o.setIntegrationIds(integration);
    o.setMode("full");
    o.setPageSize(PAGE_SIZE);
    o.setMaxShards(SHARDS);
    o.setFetchBytesPerElement(BUDGET);
    SyncRunner.Outcome outcome = SyncRunner.run(o, null);
    assertThat(outcome.state(), is(PipelineResult.State.DONE));
    assertThat(outcome.runs().size(), is(1));
    return outcome;
  }

  /** The largest page of any type, in the bytes the budget counts. */
  private static long largestPageBytes(String integration) {
    long largest = 0;
    for (RosterType type : RosterType.values()) {
      List<JsonObject> records = sim.records(integration, type);
      for (int from = 0; from < records.size(); from += PAGE_SIZE) {
        long bytes = 0;
        for (JsonObject r : records.subList(from, Math.min(records.size(), from + PAGE_SIZE))) {
          bytes += 48 + r.toString().getBytes(StandardCharsets.UTF_8).length;
        }
        largest = Math.max(largest, bytes);
      }
    }
    return largest;
  }

  @Test
  void aSpilledSyncEndsEqualToTheSourceWithEveryFetchElementWithinItsBudget() throws Exception {
    String a = sim.integrations().get(0).id();
    long enrollmentBytes = 0;
    for (JsonObject r : sim.records(a, RosterType.ENROLLMENTS)) {
      enrollmentBytes += 48 + r.toString().getBytes(StandardCharsets.UTF_8).length;
    }
    assertThat("enrollments need many stretches", enrollmentBytes, greaterThan(10 * BUDGET));

    SyncRunner.Outcome cold = sync(a);
    assertThat(cold.runs().get(0).status(), equalTo("succeeded"));
    assertThat(cold.counter("types_spilled"), greaterThanOrEqualTo(2L));
    assertThat(
        "no fetch element held more than its budget and one page",
        cold.counter("record_bytes_per_fetch_element.max"),
        lessThanOrEqualTo(BUDGET + largestPageBytes(a)));
    assertThat(
        SyncChecks.typeCounts(cold.runs().get(0), EntityType.ENROLLMENTS)
            .get("created")
            .getAsLong(),
        is(sim.count(a, RosterType.ENROLLMENTS)));
    SyncChecks.assertDatabaseEqualsSource(db, a, sim);

    sim.delete(a, RosterType.ENROLLMENTS, 10);
    sim.update(a, RosterType.ENROLLMENTS, 30);
    sim.create(a, RosterType.ENROLLMENTS, 20);
    SyncRunner.Outcome churn = sync(a);
    assertThat(churn.runs().get(0).status(), equalTo("succeeded"));
    JsonObject enrollments = SyncChecks.typeCounts(churn.runs().get(0), EntityType.ENROLLMENTS);
    assertThat(enrollments.get("updated").getAsLong(), is(30L));
    assertThat(enrollments.get("created").getAsLong(), is(20L));
    assertThat(enrollments.get("deleted").getAsLong(), is(10L));
    SyncChecks.assertDatabaseEqualsSource(db, a, sim);
  }

  @Test
  void aBadRecordInALaterStretchFailsTheTypeAndDeletesNothing() throws Exception {
    String b = sim.integrations().get(1).id();
    assertThat(sync(b).runs().get(0).status(), equalTo("succeeded"));
    sim.delete(b, RosterType.ENROLLMENTS, 5);
    long stored = SyncChecks.storedRows(db, b, EntityType.ENROLLMENTS);
    int last = (int) sim.count(b, RosterType.ENROLLMENTS) - 1;
    sim.corruptId(b, RosterType.ENROLLMENTS, last, "not-a-uuid");

    SyncRunner.RunRow run = sync(b).runs().get(0);
    assertThat(run.status(), equalTo("partial"));
    JsonObject enrollments = SyncChecks.typeCounts(run, EntityType.ENROLLMENTS);
    assertThat(enrollments.get("status").getAsString(), equalTo("failed"));
    assertThat(run.error(), containsString("is not a UUID"));
    assertThat(enrollments.get("deleted").getAsLong(), is(0L));
    assertThat(
        "no delete was applied", SyncChecks.storedRows(db, b, EntityType.ENROLLMENTS), is(stored));
    assertThat(
        SyncChecks.typeCounts(run, EntityType.PEOPLE).get("status").getAsString(), equalTo("ok"));
  }

  @Test
  void anIdServedTwiceWithDifferentContentAcrossStretchesFailsTheTypeAndDeletesNothing()
      throws Exception {
    String c = sim.integrations().get(2).id();
    assertThat(sync(c).runs().get(0).status(), equalTo("succeeded"));
    sim.delete(c, RosterType.ENROLLMENTS, 5);
    long stored = SyncChecks.storedRows(db, c, EntityType.ENROLLMENTS);
    String firstId = sim.records(c, RosterType.ENROLLMENTS).get(0).get("id").getAsString();
    int last = (int) sim.count(c, RosterType.ENROLLMENTS) - 1;
    sim.corruptId(c, RosterType.ENROLLMENTS, last, firstId);

    SyncRunner.RunRow run = sync(c).runs().get(0);
    assertThat(run.status(), equalTo("partial"));
    JsonObject enrollments = SyncChecks.typeCounts(run, EntityType.ENROLLMENTS);
    assertThat(enrollments.get("status").getAsString(), equalTo("failed"));
    assertThat(run.error(), containsString("served twice with different content"));
    assertThat(enrollments.get("deleted").getAsLong(), is(0L));
    assertThat(
        "no delete was applied", SyncChecks.storedRows(db, c, EntityType.ENROLLMENTS), is(stored));
  }
}
