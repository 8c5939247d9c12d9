package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.FaultKind;
import org.rostersync.sandbox.simulator.FaultRule;
import org.rostersync.testing.TestDatabase;
import org.rostersync.testing.TestSimulator;
import org.rostersync.transforms.PooledDataSources;

/**
 * A batch run over the whole fleet plans its integrations side by side. The fleet is expanded from
 * one request, so without spreading the jobs every integration's lease, lookup and change-gate call
 * to Edlink ran one after another, and a fleet of N integrations waited N round trips before the
 * last one started fetching.
 */
class FleetPlanningTest {
  private static final int INTEGRATIONS = 7;
  private static final long GATE_CALL_MILLIS = 1_500;

  private static TestDatabase db;
  private static EdlinkSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start();
    org.rostersync.pipeline.Migrations.apply(db.config());
    sim =
        TestSimulator.start(
            37L,
            "planning-secret",
            java.util.Collections.nCopies(INTEGRATIONS, DatasetSize.TINY)
                .toArray(new DatasetSize[0]));
  }

  @AfterAll
  static void stop() throws Exception {
    PooledDataSources.closeAll();
    sim.close();
    db.close();
  }

  @Test
  void integrationsArePlannedSideBySide() throws Exception {
    // Every change-gate call (the newest event, asked before each full sync) answers slowly.
    sim.faults()
        .add(
            FaultRule.builder()
                .endpoint("events")
                .kind(FaultKind.SLOW)
                .delayMillis(GATE_CALL_MILLIS)
                .build());
    // When each run took its lease, which is the first thing planning does, before the gate call.
    try (java.sql.Connection c = db.connect();
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE TABLE lease_taken (at timestamptz NOT NULL)");
      st.execute(
          "CREATE FUNCTION note_lease() RETURNS trigger LANGUAGE plpgsql AS"
              + " $$ BEGIN INSERT INTO lease_taken VALUES (clock_timestamp()); RETURN NEW; END $$");
      st.execute(
          "CREATE TRIGGER note_lease AFTER INSERT ON sync_leases"
              + " FOR EACH ROW EXECUTE FUNCTION note_lease()");
    }
    SyncOptions o = SyncRunner.options(db.config(), sim.baseUrl(), sim.appSecret());
    o.setAllIntegrations(true);
    o.setMode("full");
    o.as(DirectOptions.class).setTargetParallelism(INTEGRATIONS + 2);
    SyncRunner.Outcome outcome = SyncRunner.run(o, null);
    assertThat(outcome.state(), is(PipelineResult.State.DONE));
    assertThat(outcome.runs().size(), equalTo(INTEGRATIONS));
    outcome.runs().forEach(r -> assertThat(r.status(), equalTo("succeeded")));
    // One after another, each lease waits for the previous integration's gate call: the leases
    // spread over (INTEGRATIONS - 1) calls, 9 s here. Side by side, they are taken together.
    assertThat(
        SyncChecks.scalar(db, "SELECT count(*) FROM lease_taken"), equalTo("" + INTEGRATIONS));
    double spread =
        Double.parseDouble(
            SyncChecks.scalar(db, "SELECT extract(epoch FROM max(at) - min(at)) FROM lease_taken"));
    System.out.printf("[planning] leases taken within %.2f s of each other%n", spread);
    assertThat(spread, lessThan((INTEGRATIONS - 1) * GATE_CALL_MILLIS / 2000.0));
  }
}
