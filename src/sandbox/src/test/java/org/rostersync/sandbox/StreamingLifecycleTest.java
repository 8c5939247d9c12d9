package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory;
import org.apache.beam.sdk.extensions.gcp.options.GcpOptions;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.rostersync.pipeline.Migrations;
import org.rostersync.pipeline.RosterSyncPipeline;
import org.rostersync.pipeline.SyncConfigs;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.FaultKind;
import org.rostersync.sandbox.simulator.FaultRule;
import org.rostersync.sandbox.simulator.RosterType;
import org.rostersync.testing.TestDatabase;
import org.rostersync.testing.TestSimulator;
import org.rostersync.transforms.PooledDataSources;

/**
 * The life of a long-running streaming job on the DirectRunner and Google's Pub/Sub emulator:
 * per-run state does not accumulate over many runs, a waiting operator job is merged with the
 * scheduler tick behind it, and after a pipeline is cancelled mid-run the integration syncs again
 * within one lease expiry.
 *
 * <p>{@code -Drostersync.stateRuns=300} sets how many runs the state test completes (CI default:
 * 60); {@code -Drostersync.settleAtTen=true} also lets the watermark pass before the first
 * measurement.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamingLifecycleTest {
  private static final long TIMEOUT_MS = 180_000;
  private static final String LEASE_TTL = "12s";

  /**
   * Keys that may still appear after run 10 however many runs follow: the fan-out shuffle's unused
   * buckets.
   */
  private static final int BOUNDED_SLACK = 64 + 10;

  private static final long SETTLE_MILLIS = Long.getLong("rostersync.settleMillis", 3_000);
  private static PubsubEmulator pubsub;
  private static TestDatabase db;
  private static EdlinkSimulator sim;
  private static SyncOptions options;
  private static PipelineResult pipeline;
  private static List<String> ids;

  @BeforeAll
  static void start() throws Exception {
    pubsub = PubsubEmulator.startWithJobTopics();
    db = TestDatabase.start();
    sim =
        TestSimulator.start(
            23L, "lifecycle-secret", DatasetSize.TINY, DatasetSize.TINY, DatasetSize.TINY);
    ids = sim.integrations().stream().map(i -> i.id()).toList();

    options = SyncRunner.options(db.config(), sim.baseUrl(), sim.appSecret());
    options.setJobsSubscription(pubsub.subscription("jobs-sub"));
    options.setDeadLetterTopic(pubsub.topic("dead-letters"));
    options.setStreaming(true);
    options.setLeaseTtl(LEASE_TTL);
    // TINY integrations hold 20 enrollments: guard waves from 5 rows so deleting them all needs an
    // approval.
    options.setDeleteGuardMinRows(5);
    options.as(PubsubOptions.class).setPubsubRootUrl(pubsub.rootUrl());
    options.as(GcpOptions.class).setProject(PubsubEmulator.PROJECT);
    options.as(GcpOptions.class).setCredentialFactoryClass(NoopCredentialFactory.class);
    options.as(DirectOptions.class).setBlockOnRun(false);
    options.as(DirectOptions.class).setTargetParallelism(4);
    Migrations.apply(SyncConfigs.jdbc(options));
    pipeline = startPipeline();
  }

  private static PipelineResult startPipeline() {
    Pipeline p = Pipeline.create(options);
    RosterSyncPipeline.build(p, options);
    return p.run();
  }

  @AfterAll
  static void stop() throws Exception {
    if (pipeline != null) {
      pipeline.cancel();
    }
    PooledDataSources.closeAll();
    if (sim != null) {
      sim.close();
    }
    if (db != null) {
      db.close();
    }
    if (pubsub != null) {
      pubsub.close();
    }
  }

  private static Connection connect() throws Exception {
    return DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
  }

  private static long scalar(String sql) throws Exception {
    try (Connection c = connect();
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void execute(String sql) throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static java.sql.Timestamp now() throws Exception {
    try (Connection c = connect();
        ResultSet rs = c.createStatement().executeQuery("SELECT clock_timestamp()")) {
      rs.next();
      return rs.getTimestamp(1);
    }
  }

  /** Waits until at least {@code n} runs finished after {@code since}; returns how many did. */
  private static long awaitRuns(java.sql.Timestamp since, long n, String extraWhere)
      throws Exception {
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    long count = 0;
    while (System.currentTimeMillis() < deadline) {
      PipelineResult.State state = pipeline.waitUntilFinish(org.joda.time.Duration.millis(1));
      assertThat("pipeline state", state == null || !state.isTerminal(), is(true));
      try (Connection c = connect();
          PreparedStatement ps =
              c.prepareStatement(
                  "SELECT count(*) FROM sync_runs WHERE finished_at > ?" + extraWhere)) {
        ps.setTimestamp(1, since);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          count = rs.getLong(1);
        }
      }
      if (count >= n) {
        return count;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("only " + count + " of " + n + " runs recorded in time");
  }

  private static String steps() {
    Map<String, DirectRunnerState.Step> steps = DirectRunnerState.read(pipeline);
    StringBuilder sb =
        new StringBuilder(
            "DirectRunner: "
                + DirectRunnerState.totalTimers(steps)
                + " pending timers, "
                + DirectRunnerState.totalStateKeys(steps)
                + " keys with state, "
                + DirectRunnerState.totalHolds(steps)
                + " keyed watermark holds");
    steps.forEach((name, s) -> sb.append("\n    ").append(name).append(": ").append(s));
    return sb.toString();
  }

  /**
   * Many runs (ticks over three integrations, mostly skipped by the gate, every fifth tick a full
   * sync of one of them through fetch, join, writes and the delete guard): live timers and keyed
   * state stay flat.
   */
  @Test
  @Order(1)
  void liveStateStaysFlatOverManyRuns() throws Exception {
    int runs = Integer.getInteger("rostersync.stateRuns", 60);
    java.sql.Timestamp since = now();
    LiveState atTen = null;
    LiveState last = null;
    Map<String, DirectRunnerState.Step> stepsAtTen = null;
    int done = 0;
    long started = System.currentTimeMillis();
    for (int tick = 0; done < runs; tick++) {
      if (tick % 5 == 4) {
        pubsub.publish(
            "jobs", "{\"integration_id\": \"" + ids.get(tick % 3) + "\", \"mode\": \"full\"}");
        done += 1;
      } else {
        pubsub.publish("jobs", "{\"all\": true}");
        done += 3;
      }
      awaitRuns(since, done, "");
      if (atTen == null && done >= 10) {
        if (Boolean.getBoolean("rostersync.settleAtTen")) {
          Thread.sleep(SETTLE_MILLIS);
        }
        atTen = LiveState.measure();
        stepsAtTen = DirectRunnerState.read(pipeline);
        System.out.println("[state] after " + done + " runs: " + atTen + "; " + steps());
      }
    }
    // Per-run state is cleared when a run ends; what stays is keyed by integration, type, shard or
    // one of the fan-out
    // shuffle's buckets, and those fill up over the first runs. (The emulator's source watermark
    // never moves on the
    // DirectRunner, so nothing here may depend on the watermark to clean up.)
    Thread.sleep(SETTLE_MILLIS);
    last = LiveState.measure();
    System.out.printf(
        "[state] after %d runs: %s (%.0f s); %s%n",
        done, last, (System.currentTimeMillis() - started) / 1000.0, steps());
    System.out.println("[state] grew most: " + last.growthSince(atTen, 25));
    assertThat(
        "every run recorded",
        scalar("SELECT count(*) FROM sync_runs WHERE status = 'failed'"),
        is(0L));
    Map<String, DirectRunnerState.Step> stepsAtEnd = DirectRunnerState.read(pipeline);
    long timersAtTen = DirectRunnerState.totalTimers(stepsAtTen);
    long timersAtEnd = DirectRunnerState.totalTimers(stepsAtEnd);
    long keysAtTen = DirectRunnerState.totalStateKeys(stepsAtTen);
    long keysAtEnd = DirectRunnerState.totalStateKeys(stepsAtEnd);
    System.out.printf(
        "[state] DirectRunner pending timers %d -> %d, keys with state %d -> %d (runs 10 -> %d)%n",
        timersAtTen, timersAtEnd, keysAtTen, keysAtEnd, done);
    assertThat(
        "pending timers do not grow with runs",
        timersAtEnd,
        lessThanOrEqualTo(timersAtTen + BOUNDED_SLACK));
    assertThat(
        "keys with state do not grow with runs",
        keysAtEnd,
        lessThanOrEqualTo(keysAtTen + BOUNDED_SLACK));
  }

  /**
   * The scenario: the integration's lease is held elsewhere, an operator's full sync approving a
   * delete wave is parked, the scheduler's tick arrives behind it; when the lease frees one run
   * does both, and the deleted enrollments are removed. Before the fix only the tick ran (auto,
   * deletes held) and the approval was lost.
   */
  @Test
  @Order(2)
  void aParkedApprovalIsMergedWithTheTickBehindItAndDeletes() throws Exception {
    String x = ids.get(0);
    sim.deleteAll(x, RosterType.ENROLLMENTS);
    execute(
        "INSERT INTO sync_leases VALUES ('"
            + x
            + "', 'held-elsewhere', now(), now() + interval '1 hour')"
            + " ON CONFLICT (integration_id) DO UPDATE SET run_id = 'held-elsewhere', expires_at = EXCLUDED.expires_at");
    java.sql.Timestamp since = now();
    pubsub.publish(
        "jobs",
        "{\"integration_id\": \""
            + x
            + "\", \"mode\": \"full\", \"approve_deletes\": true,"
            + " \"entity_types\": [\"enrollments\"], \"request_id\": \"operator-approval\"}");
    Thread.sleep(3_000);
    pubsub.publish("jobs", "{\"all\": true, \"request_id\": \"tick-after\"}");
    awaitRuns(since, 2, ""); // the other two integrations' runs of the tick
    Thread.sleep(2_000);
    execute("DELETE FROM sync_leases WHERE run_id = 'held-elsewhere'");
    awaitRuns(since, 1, " AND integration_id = '" + x + "'");
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT mode, status, request_id,"
                    + " request_ids, counts::text FROM sync_runs WHERE integration_id = ?::uuid AND finished_at > ?")) {
      ps.setString(1, x);
      ps.setTimestamp(2, since);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next(), is(true));
        assertThat(rs.getString(5), rs.getString(1), equalTo("full"));
        assertThat(rs.getString(5), rs.getString(2), equalTo("succeeded"));
        assertThat(rs.getString(3), equalTo("operator-approval"));
        assertThat(
            Arrays.asList((String[]) rs.getArray(4).getArray()),
            containsInAnyOrder("operator-approval", "tick-after"));
        assertThat("one run for both jobs", rs.next(), is(false));
      }
    }
    assertThat(
        scalar(
            "SELECT count(*) FROM roster_entities WHERE integration_id = '"
                + x
                + "' AND entity_type = 'enrollments'"),
        is(0L));
    assertThat(
        SourceComparison.total(SourceComparison.compare(db.config(), x, sim)).equal(), is(true));
  }

  /**
   * A pipeline cancelled in the middle of a run leaves its lease behind; a new pipeline's job for
   * that integration runs once the lease lapses (one expiry), not hours later.
   */
  @Test
  @Order(3)
  void afterACancelMidRunTheIntegrationSyncsAgainWithinOneLeaseExpiry() throws Exception {
    String y = ids.get(1);
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(y)
                .endpoint("people")
                .kind(FaultKind.SLOW)
                .delayMillis(120_000)
                .build());
    java.sql.Timestamp since = now();
    pubsub.publish("jobs", "{\"integration_id\": \"" + y + "\", \"mode\": \"full\"}");
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    while (scalar("SELECT count(*) FROM sync_leases WHERE integration_id = '" + y + "'") == 0) {
      assertThat("the run took its lease in time", System.currentTimeMillis() < deadline, is(true));
      Thread.sleep(100);
    }
    Thread.sleep(2_000);
    pipeline.cancel();
    long cancelledAt = System.currentTimeMillis();
    java.sql.Timestamp cancelled = now();
    sim.faults().clear();
    assertThat(
        "the cancelled run left its lease",
        scalar("SELECT count(*) FROM sync_leases WHERE integration_id = '" + y + "'"),
        is(1L));

    pipeline = startPipeline();
    pubsub.publish("jobs", "{\"integration_id\": \"" + y + "\", \"mode\": \"full\"}");
    awaitRuns(cancelled, 1, " AND integration_id = '" + y + "' AND status = 'succeeded'");
    double recovery = (System.currentTimeMillis() - cancelledAt) / 1000.0;
    System.out.printf(
        "[lease] integration synced again %.1f s after the cancel (lease ttl %s, retry 10 s)%n",
        recovery, LEASE_TTL);
    long ttl = SyncConfigs.parseDuration(LEASE_TTL).toSeconds();
    assertThat(recovery, lessThan(ttl + 10 + 30.0));
    assertThat(
        SourceComparison.total(SourceComparison.compare(db.config(), y, sim)).equal(), is(true));
    assertThat(
        scalar(
            "SELECT count(*) FROM sync_runs WHERE finished_at > '"
                + since
                + "' AND error LIKE"
                + " '%lease held%'"),
        lessThanOrEqualTo(1L));
  }
}
