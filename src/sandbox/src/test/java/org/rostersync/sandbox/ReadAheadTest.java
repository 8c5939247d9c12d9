package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.google.gson.JsonObject;
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
 * On the DirectRunner a type with more stored rows than one join group has its stored hashes read
 * while it is paged: the sync still ends equal to the source, with the same counts, and a fetch
 * that fails after the read deletes nothing, fails only its type, and clears the groups it read
 * (withdrawn, not left as groups without a remote side). A type with nothing stored is not read at
 * all: its fetch gives the join an empty stored side.
 */
class ReadAheadTest {
  /** 2,000 enrollments and 500 people per small district: both are read ahead. */
  private static final int PER_SHARD = 300;

  private static TestDatabase db;
  private static EdlinkSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start();
    sim =
        TestSimulator.builder(31L, "read-ahead-secret")
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
    o.setPageSize(250);
    o.setRecordsPerShard(PER_SHARD);
    SyncRunner.Outcome outcome = SyncRunner.run(o, null);
    assertThat(outcome.state(), is(PipelineResult.State.DONE));
    assertThat(outcome.runs().size(), is(1));
    return outcome;
  }

  @Test
  void aTypeReadAheadSyncsAsBefore() throws Exception {
    String a = sim.integrations().get(0).id();
    SyncRunner.Outcome cold = sync(a);
    assertThat(cold.runs().get(0).status(), equalTo("succeeded"));
    assertThat("nothing stored yet: nothing read ahead", cold.counter("types_read_ahead"), is(0L));
    assertThat(
        "nothing stored: each of the nine types gave its join an empty stored side, unread",
        cold.counter("types_stored_known_empty"),
        is((long) EntityType.values().length));
    assertThat(cold.counter("incomplete_join_groups"), is(0L));
    SyncChecks.assertDatabaseEqualsSource(db, a, sim);
    long stillEmpty = 0;
    for (EntityType t : EntityType.values()) {
      if (SyncChecks.storedRows(db, a, t) == 0) {
        stillEmpty++;
      }
    }

    sim.delete(a, RosterType.ENROLLMENTS, 10);
    sim.update(a, RosterType.ENROLLMENTS, 30);
    sim.create(a, RosterType.ENROLLMENTS, 20);
    sim.update(a, RosterType.PEOPLE, 7);
    SyncRunner.Outcome churn = sync(a);
    SyncRunner.RunRow run = churn.runs().get(0);
    assertThat(run.status(), equalTo("succeeded"));
    assertThat("enrollments and people", churn.counter("types_read_ahead"), is(2L));
    assertThat(
        "only types with nothing stored skip the read",
        churn.counter("types_stored_known_empty"),
        is(stillEmpty));
    // Pages of 250: the types were paged from both ends, and still converge below.
    assertThat(churn.counter("pages_fetched_from_end"), greaterThan(0L));
    JsonObject enrollments = SyncChecks.typeCounts(run, EntityType.ENROLLMENTS);
    assertThat(enrollments.get("updated").getAsLong(), is(30L));
    assertThat(enrollments.get("created").getAsLong(), is(20L));
    assertThat(enrollments.get("deleted").getAsLong(), is(10L));
    assertThat(SyncChecks.typeCounts(run, EntityType.PEOPLE).get("updated").getAsLong(), is(7L));
    assertThat(churn.counter("incomplete_join_groups"), is(0L));
    assertThat(churn.counter("groups_withdrawn"), is(0L));
    SyncChecks.assertDatabaseEqualsSource(db, a, sim);

    // The type doubles: it keeps the shard count it was read ahead with, and still converges.
    sim.create(a, RosterType.ENROLLMENTS, 2_500);
    SyncRunner.RunRow grown = sync(a).runs().get(0);
    assertThat(grown.status(), equalTo("succeeded"));
    assertThat(
        SyncChecks.typeCounts(grown, EntityType.ENROLLMENTS).get("created").getAsLong(),
        is(2_500L));
    SyncChecks.assertDatabaseEqualsSource(db, a, sim);

    SyncRunner.Outcome again = sync(a);
    JsonObject unchanged = SyncChecks.typeCounts(again.runs().get(0), EntityType.ENROLLMENTS);
    assertThat(unchanged.get("unchanged").getAsLong(), is(sim.count(a, RosterType.ENROLLMENTS)));
    assertThat(unchanged.get("created").getAsLong() + unchanged.get("updated").getAsLong(), is(0L));
  }

  @Test
  void aFetchThatFailsAfterItsReadAheadDeletesNothingAndClearsItsGroups() throws Exception {
    String b = sim.integrations().get(1).id();
    assertThat(sync(b).runs().get(0).status(), equalTo("succeeded"));
    sim.delete(b, RosterType.ENROLLMENTS, 5);
    long stored = SyncChecks.storedRows(db, b, EntityType.ENROLLMENTS);
    int last = (int) sim.count(b, RosterType.ENROLLMENTS) - 1;
    sim.corruptId(b, RosterType.ENROLLMENTS, last, "not-a-uuid");

    SyncRunner.Outcome outcome = sync(b);
    SyncRunner.RunRow run = outcome.runs().get(0);
    assertThat(run.status(), equalTo("partial"));
    assertThat(outcome.counter("types_read_ahead"), is(2L));
    JsonObject enrollments = SyncChecks.typeCounts(run, EntityType.ENROLLMENTS);
    assertThat(enrollments.get("status").getAsString(), equalTo("failed"));
    assertThat(run.error(), containsString("is not a UUID"));
    assertThat(enrollments.get("deleted").getAsLong(), is(0L));
    assertThat(
        "no delete was applied", SyncChecks.storedRows(db, b, EntityType.ENROLLMENTS), is(stored));
    assertThat(
        SyncChecks.typeCounts(run, EntityType.PEOPLE).get("status").getAsString(), equalTo("ok"));
    // 2,000 stored enrollments over 300 per group: 8 groups (a power of two), each withdrawn.
    assertThat(outcome.counter("groups_withdrawn"), is(8L));
    assertThat(outcome.counter("incomplete_join_groups"), is(0L));
    assertThat(outcome.counter("join_groups"), greaterThan(0L));
  }
}
