package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rostersync.pipeline.RosterSyncPipeline;
import org.rostersync.pipeline.SyncConfigs;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.RosterType;
import org.rostersync.testing.TestDatabase;
import org.rostersync.testing.TestSimulator;
import org.rostersync.transforms.AskedAhead;
import org.rostersync.transforms.JobRequest;
import org.rostersync.transforms.PooledDataSources;
import org.rostersync.transforms.SyncJob;

/**
 * A batch run whose listing and change-gate calls were asked while the runner set up: the run asks
 * Edlink none of them again, and the newest event id it stores is the one asked before its fetch,
 * so an event between the two is seen by the next run.
 */
class AskedAheadSyncTest {
  private static TestDatabase db;
  private static EdlinkSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start();
    sim = TestSimulator.start(23L, "ahead-e2e-secret", DatasetSize.TINY, DatasetSize.TINY);
  }

  @AfterAll
  static void stop() throws Exception {
    PooledDataSources.closeAll();
    sim.close();
    db.close();
  }

  private static SyncOptions options(String mode) {
    SyncOptions o = SyncRunner.options(db.config(), sim.baseUrl(), sim.appSecret());
    o.setAllIntegrations(true);
    o.setMode(mode);
    return o;
  }

  private static long calls(String endpoint) {
    long n = 0;
    for (var i : sim.integrations()) {
      n += sim.requestCount(i.id(), endpoint);
    }
    return n;
  }

  private static String storedNewestEventId(String integrationId) throws Exception {
    try (Connection c = db.connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT newest_event_id::text FROM sync_state WHERE integration_id = ?")) {
      ps.setObject(1, UUID.fromString(integrationId));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  @Test
  void theRunUsesTheAnswersAndStoresTheIdAskedBeforeItsFetch() throws Exception {
    SyncOptions full = options("full");
    org.rostersync.pipeline.Migrations.apply(SyncConfigs.jdbc(full));
    String changed = sim.integrations().get(0).id();
    String quiet = sim.integrations().get(1).id();

    AskedAhead.start(
            SyncConfigs.edlink(full),
            SyncConfigs.jdbc(full),
            List.of(JobRequest.forAll(SyncJob.Mode.FULL)),
            SyncConfigs.parseDuration(full.getMaxSkipAge()).toMillis())
        .get(30, TimeUnit.SECONDS);
    String askedAhead = sim.newestEventId(changed);
    long listings = sim.requestCount(null, "integrations");
    long events = calls("events");
    // An update after the answer, before the run fetches.
    sim.update(changed, RosterType.PEOPLE, 3);

    // Built here rather than by SyncRunner, which would ask ahead again, after the update.
    java.sql.Timestamp since = new java.sql.Timestamp(System.currentTimeMillis() - 1000);
    Pipeline pipeline = Pipeline.create(full);
    RosterSyncPipeline.build(pipeline, full);
    assertThat(pipeline.run().waitUntilFinish(), is(PipelineResult.State.DONE));
    assertThat(
        SyncRunner.runsSince(full, since).stream().map(SyncRunner.RunRow::status).toList(),
        everyItem(equalTo("succeeded")));
    assertThat(
        "the run listed nothing itself", sim.requestCount(null, "integrations"), is(listings));
    assertThat("the run asked no gate question itself", calls("events"), is(events));
    SyncChecks.assertDatabaseEqualsSource(db, changed, sim);
    assertThat(storedNewestEventId(changed), equalTo(askedAhead));
    assertThat(storedNewestEventId(quiet), equalTo(sim.newestEventId(quiet)));

    // SyncRunner asks ahead as main does.
    SyncRunner.Outcome next = SyncRunner.run(options("auto"), null);
    SyncRunner.RunRow changedRun =
        next.runs().stream().filter(r -> r.integrationId().equals(changed)).findFirst().get();
    SyncRunner.RunRow quietRun =
        next.runs().stream().filter(r -> r.integrationId().equals(quiet)).findFirst().get();
    assertThat(
        "the update is after the stored id: the next run syncs",
        changedRun.gateReason(),
        equalTo("new events after " + askedAhead));
    assertThat(changedRun.status(), equalTo("succeeded"));
    assertThat(quietRun.status(), equalTo("skipped"));
    SyncChecks.assertDatabaseEqualsSource(db, changed, sim);
  }
}
