package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * Batch jobs take the same per-integration lease as streaming: an integration named twice (or also
 * covered by --allIntegrations) is synced once, and of two batch jobs launched side by side for one
 * integration only one syncs it; the other's run is recorded failed "lease held by run X".
 */
class BatchLeasesTest {
  private static TestDatabase db;
  private static EdlinkSimulator sim;
  private static String a;
  private static String b;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start();
    sim = TestSimulator.start(31L, "batch-secret", DatasetSize.TINY, DatasetSize.TINY);
    a = sim.integrations().get(0).id();
    b = sim.integrations().get(1).id();
  }

  @AfterAll
  static void stop() throws Exception {
    PooledDataSources.closeAll();
    sim.close();
    db.close();
  }

  private static SyncOptions options() {
    SyncOptions o = SyncRunner.options(db.config(), sim.baseUrl(), sim.appSecret());
    o.setMode("full");
    return o;
  }

  private static List<String[]> runsOf(String integration, java.sql.Timestamp since)
      throws Exception {
    List<String[]> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT run_id, status, coalesce(error, '') FROM sync_runs"
                    + " WHERE integration_id = ?::uuid AND finished_at >= ?")) {
      ps.setString(1, integration);
      ps.setTimestamp(2, since);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
        }
      }
    }
    return rows;
  }

  private static java.sql.Timestamp now() throws Exception {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
        ResultSet rs = c.createStatement().executeQuery("SELECT clock_timestamp()")) {
      rs.next();
      return rs.getTimestamp(1);
    }
  }

  @Test
  void anIntegrationNamedTwiceOrAlsoCoveredByAllIsSyncedOnce() throws Exception {
    SyncOptions o = options();
    o.setAllIntegrations(true);
    o.setIntegrationIds(a + "," + a.toUpperCase(java.util.Locale.ROOT) + "," + a);
    java.sql.Timestamp since = now();
    SyncRunner.Outcome outcome = SyncRunner.run(o, null);
    assertThat(outcome.state(), is(PipelineResult.State.DONE));
    assertThat(runsOf(a, since), hasSize(1));
    assertThat(runsOf(a, since).get(0)[1], equalTo("succeeded"));
    assertThat(runsOf(b, since), hasSize(1));
  }

  @Test
  void twoBatchJobsSideBySideNeverSyncOneIntegrationAtOnce() throws Exception {
    // Slow pages keep the first job's run going while the second one starts.
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(a)
                .endpoint("people")
                .kind(FaultKind.SLOW)
                .delayMillis(4_000)
                .build());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      java.sql.Timestamp since = now();
      List<Future<SyncRunner.Outcome>> jobs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        SyncOptions o = options();
        o.setIntegrationIds(a);
        jobs.add(pool.submit(() -> SyncRunner.run(o, null)));
        Thread.sleep(1_500);
      }
      for (Future<SyncRunner.Outcome> f : jobs) {
        assertThat(f.get().state(), is(PipelineResult.State.DONE));
      }
      List<String[]> runs = runsOf(a, since);
      assertThat(runs, hasSize(2));
      List<String> statuses = runs.stream().map(r -> r[1]).toList();
      assertThat(statuses, containsInAnyOrder("succeeded", "failed"));
      String[] failed = runs.stream().filter(r -> r[1].equals("failed")).findFirst().orElseThrow();
      String[] succeeded =
          runs.stream().filter(r -> r[1].equals("succeeded")).findFirst().orElseThrow();
      assertThat(failed[2], containsString("lease held by run " + succeeded[0]));
    } finally {
      pool.shutdownNow();
      sim.faults().clear();
    }
  }
}
