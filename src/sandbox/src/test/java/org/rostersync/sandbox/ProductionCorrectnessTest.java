package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.rostersync.edlink.EntityType;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.RosterType;
import org.rostersync.testing.TestDatabase;
import org.rostersync.testing.TestSimulator;
import org.rostersync.transforms.PooledDataSources;
import org.rostersync.transforms.Sharding;

/**
 * The gate position, database errors that hit every row, and the shard count, on the real pipeline
 * against a real PostgreSQL: staleness is never hidden and a failed write never deletes or advances
 * the gate.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProductionCorrectnessTest {
  private static TestDatabase db;
  private static EdlinkSimulator sim;
  private static String a;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start();
    sim =
        TestSimulator.builder(11L, "pc-secret")
            .shuffleKeys(true)
            .integration(DatasetSize.SMALL)
            .start();
    a = sim.integrations().get(0).id();
  }

  @AfterAll
  static void stop() throws Exception {
    PooledDataSources.closeAll();
    sim.close();
    db.close();
  }

  private static SyncOptions options(String mode) {
    SyncOptions o = SyncRunner.options(db.config(), sim.baseUrl(), sim.appSecret());
    o.setIntegrationIds(a);
    o.setMode(mode);
    return o;
  }

  private static SyncRunner.Outcome sync(SyncOptions o) throws Exception {
    SyncRunner.Outcome outcome = SyncRunner.run(o, null);
    assertThat(outcome.state(), is(PipelineResult.State.DONE));
    assertThat(outcome.runs().size(), is(1));
    return outcome;
  }

  private static void assertDatabaseEqualsSource() throws Exception {
    SyncChecks.assertDatabaseEqualsSource(db, a, sim);
  }

  private static Connection connect() throws SQLException {
    return db.connect();
  }

  private static String scalar(String sql) throws SQLException {
    return SyncChecks.scalar(db, sql);
  }

  private static long storedRows(EntityType t) throws SQLException {
    return SyncChecks.storedRows(db, a, t);
  }

  @Test
  @Order(1)
  void aRunOfSomeTypesDoesNotMoveTheGateForTheOthers() throws Exception {
    assertThat(sync(options("full")).runs().get(0).status(), equalTo("succeeded"));
    String gateAfterFull =
        scalar("SELECT newest_event_id::text FROM sync_state WHERE integration_id = '" + a + "'");
    sim.update(a, RosterType.PEOPLE, 5);
    sim.update(a, RosterType.ENROLLMENTS, 6);
    sim.delete(a, RosterType.ENROLLMENTS, 3);

    SyncOptions peopleOnly = options("full");
    peopleOnly.setEntityTypes("people");
    assertThat(sync(peopleOnly).runs().get(0).status(), equalTo("succeeded"));
    assertThat(
        "a people-only run leaves the gate where every type was in step",
        scalar("SELECT newest_event_id::text FROM sync_state WHERE integration_id = '" + a + "'"),
        equalTo(gateAfterFull));

    SyncRunner.Outcome auto = sync(options("auto"));
    assertThat(
        "enrollments changed after the stored gate position",
        auto.runs().get(0).status(),
        equalTo("succeeded"));
    assertDatabaseEqualsSource();
  }

  @Test
  @Order(2)
  void anErrorThatHitsEveryRowFailsTheTypeDeletesNothingAndKeepsTheGate() throws Exception {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute(
          "CREATE FUNCTION deny_writes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
              + " RAISE EXCEPTION 'permission denied for table entities_people' USING ERRCODE = '42501'; END $$");
      st.execute(
          "CREATE TRIGGER deny_people BEFORE INSERT OR UPDATE ON entities_people"
              + " FOR EACH ROW EXECUTE FUNCTION deny_writes()");
    }
    String gateBefore =
        scalar("SELECT newest_event_id::text FROM sync_state WHERE integration_id = '" + a + "'");
    long peopleBefore = storedRows(EntityType.PEOPLE);
    sim.update(a, RosterType.PEOPLE, 6);
    sim.create(a, RosterType.PEOPLE, 3);
    sim.delete(a, RosterType.PEOPLE, 2);
    sim.update(a, RosterType.CLASSES, 2);

    SyncRunner.Outcome o = sync(options("auto"));
    SyncRunner.RunRow run = o.runs().get(0);
    assertThat(run.status(), equalTo("partial"));
    assertThat(run.error(), containsString("42501"));
    JsonObject people =
        JsonParser.parseString(run.countsJson()).getAsJsonObject().getAsJsonObject("people");
    assertThat(people.get("status").getAsString(), equalTo("failed"));
    assertThat(
        "counts are rows written",
        people.get("created").getAsLong() + people.get("updated").getAsLong(),
        is(0L));
    assertThat(people.get("deleted").getAsLong(), is(0L));
    JsonObject classes =
        JsonParser.parseString(run.countsJson()).getAsJsonObject().getAsJsonObject("classes");
    assertThat(classes.get("status").getAsString(), equalTo("ok"));
    assertThat(classes.get("updated").getAsLong(), is(2L));
    assertThat("no delete was applied", storedRows(EntityType.PEOPLE), is(peopleBefore));
    assertThat(
        "nothing was dead-lettered",
        scalar("SELECT count(*) FROM dead_letter_records WHERE run_id = '" + run.runId() + "'"),
        equalTo("0"));
    assertThat(
        scalar("SELECT newest_event_id::text FROM sync_state WHERE integration_id = '" + a + "'"),
        equalTo(gateBefore));

    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("DROP TRIGGER deny_people ON entities_people");
    }
    SyncRunner.Outcome healed = sync(options("auto"));
    assertThat(
        "the gate still sees the changes", healed.runs().get(0).status(), equalTo("succeeded"));
    assertDatabaseEqualsSource();
  }

  @Test
  @Order(3)
  void theShardCountFollowsTheStoredRowsWhenTheSourceSuddenlyServesFew() throws Exception {
    int perShard = 100;
    long storedPeople = storedRows(EntityType.PEOPLE);
    assertThat(storedPeople, greaterThan(3L * perShard));
    sim.delete(a, RosterType.PEOPLE, (int) storedPeople - 20);
    long expected = 0;
    for (EntityType t : EntityType.values()) {
      long stored = storedRows(t);
      // More stored rows than one group: read ahead, with the power of two the stored rows give.
      expected +=
          stored > perShard
              ? Sharding.powerOfTwoShardCountFor(stored, perShard, 512)
              : Sharding.shardCountFor(
                  Math.max(sim.count(a, TestSimulator.type(t)), stored), perShard, 512);
    }
    SyncOptions o = options("full");
    o.setRecordsPerShard(perShard);
    SyncRunner.Outcome out = sync(o);
    assertThat(out.counter("join_groups"), is(expected));
    assertThat("the wave of deletes is held", out.runs().get(0).status(), equalTo("held"));
    assertThat(storedRows(EntityType.PEOPLE), is(storedPeople));
  }
}
