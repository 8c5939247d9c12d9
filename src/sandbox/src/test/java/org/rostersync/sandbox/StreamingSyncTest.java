package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.notNullValue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 * The streaming pipeline on the DirectRunner, reading jobs from Google's Pub/Sub emulator: ticks
 * sync every active integration, unchanged ones are skipped through the change gate, a single job
 * completes on its own without any later message (no watermark wait), a small job is not held back
 * by a slow large one, and bad messages go to the dead-letter topic with reasons while valid jobs
 * in the same burst complete.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamingSyncTest {
  private static final long TIMEOUT_MS = 180_000;
  private static PubsubEmulator pubsub;
  private static TestDatabase db;
  private static EdlinkSimulator sim;
  private static PipelineResult pipeline;
  private static List<String> ids;

  @BeforeAll
  static void start() throws Exception {
    pubsub = PubsubEmulator.startWithJobTopics();
    db = TestDatabase.start();
    sim =
        TestSimulator.start(
            11L, "stream-secret", DatasetSize.TINY, DatasetSize.SMALL, DatasetSize.TINY);
    ids = sim.integrations().stream().map(i -> i.id()).toList();

    SyncOptions o = SyncRunner.options(db.config(), sim.baseUrl(), sim.appSecret());
    o.setJobsSubscription(pubsub.subscription("jobs-sub"));
    o.setDeadLetterTopic(pubsub.topic("dead-letters"));
    o.setStreaming(true);
    o.as(PubsubOptions.class).setPubsubRootUrl(pubsub.rootUrl());
    o.as(GcpOptions.class).setProject(PubsubEmulator.PROJECT);
    o.as(GcpOptions.class).setCredentialFactoryClass(NoopCredentialFactory.class);
    o.as(DirectOptions.class).setBlockOnRun(false);
    o.as(DirectOptions.class).setTargetParallelism(8);
    Migrations.apply(SyncConfigs.jdbc(o));
    Pipeline p = Pipeline.create(o);
    RosterSyncPipeline.build(p, o);
    pipeline = p.run();
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

  /**
   * Waits until {@code n} runs recorded after {@code since} exist; returns integration → status.
   */
  private static Map<String, String> awaitRuns(java.sql.Timestamp since, int n) throws Exception {
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    Map<String, String> runs = new HashMap<>();
    while (System.currentTimeMillis() < deadline) {
      // Surfaces a pipeline failure at once instead of as a time-out.
      PipelineResult.State state = pipeline.waitUntilFinish(org.joda.time.Duration.millis(1));
      assertThat("pipeline state", state == null || !state.isTerminal(), is(true));
      runs = runsSince(since);
      if (runs.size() >= n) {
        return runs;
      }
      Thread.sleep(300);
    }
    throw new AssertionError(
        "only " + runs.size() + " of " + n + " runs recorded in time: " + runs);
  }

  private static Map<String, String> runsSince(java.sql.Timestamp since) throws Exception {
    Map<String, String> runs = new HashMap<>();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT integration_id::text, status FROM sync_runs"
                    + " WHERE finished_at > ? ORDER BY finished_at")) {
      ps.setTimestamp(1, since);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          runs.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    return runs;
  }

  private static java.sql.Timestamp now() throws Exception {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
        ResultSet rs = c.createStatement().executeQuery("SELECT clock_timestamp()")) {
      rs.next();
      return rs.getTimestamp(1);
    }
  }

  private static long lastWrite() throws Exception {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT coalesce(extract(epoch from max(synced_at)) * 1000, 0), count(*) FROM roster_entities")) {
      rs.next();
      return (long) rs.getDouble(1) + rs.getLong(2);
    }
  }

  @Test
  @Order(1)
  void aTickSyncsEveryActiveIntegration() throws Exception {
    java.sql.Timestamp since = now();
    pubsub.publish("jobs", "{\"all\": true, \"request_id\": \"tick-1\"}");
    Map<String, String> runs = awaitRuns(since, 3);
    assertThat(runs.keySet(), containsInAnyOrder(ids.toArray()));
    assertThat(new ArrayList<>(runs.values()), everyIs("succeeded"));
    for (String id : ids) {
      assertThat(
          SourceComparison.total(SourceComparison.compare(db.config(), id, sim)).equal(), is(true));
    }
  }

  @Test
  @Order(2)
  void aSecondTickWithoutChangesSkipsAllWithoutWrites() throws Exception {
    long before = lastWrite();
    java.sql.Timestamp since = now();
    pubsub.publish("jobs", "{\"all\": true}");
    Map<String, String> runs = awaitRuns(since, 3);
    assertThat(new ArrayList<>(runs.values()), everyIs("skipped"));
    assertThat(lastWrite(), equalTo(before));
  }

  @Test
  @Order(3)
  void afterAMutationTheNextTickSyncsOnlyThatIntegration() throws Exception {
    sim.update(ids.get(1), RosterType.PEOPLE, 4);
    java.sql.Timestamp since = now();
    pubsub.publish("jobs", "{\"all\": true}");
    Map<String, String> runs = awaitRuns(since, 3);
    assertThat(runs.get(ids.get(1)), equalTo("succeeded"));
    assertThat(runs.get(ids.get(0)), equalTo("skipped"));
    assertThat(runs.get(ids.get(2)), equalTo("skipped"));
    assertThat(
        SourceComparison.total(SourceComparison.compare(db.config(), ids.get(1), sim)).equal(),
        is(true));
  }

  @Test
  @Order(4)
  void aSmallJobIsNotHeldBackByASlowLargeOne() throws Exception {
    String large = ids.get(1);
    String small = ids.get(0);
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(large)
                .endpoint("enrollments")
                .kind(FaultKind.SLOW)
                .delayMillis(8_000)
                .build());
    try {
      java.sql.Timestamp since = now();
      // Queued right behind the large job, in one publish request. The DirectRunner reads its
      // source only when no bundle is in flight, so a job pulled *after* the large one started
      // would wait for its slow fetch there (Dataflow reads continuously). Two publish requests
      // let a pull land between them: that made this test flaky.
      pubsub.publishAll(
          "jobs",
          "{\"integration_id\": \"" + large + "\", \"mode\": \"full\"}",
          "{\"integration_id\": \"" + small + "\", \"mode\": \"full\"}");
      awaitRuns(since, 2);
      try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
          PreparedStatement ps =
              c.prepareStatement(
                  "SELECT integration_id::text, finished_at FROM sync_runs"
                      + " WHERE finished_at > ? ORDER BY finished_at")) {
        ps.setTimestamp(1, since);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next(), is(true));
          assertThat(
              "the small job finished first (" + timeline(since) + ")",
              rs.getString(1),
              equalTo(small));
        }
      }
    } finally {
      sim.faults().clear();
    }
  }

  @Test
  @Order(5)
  void badMessagesGoToTheDeadLetterTopicAndValidJobsStillComplete() throws Exception {
    java.sql.Timestamp since = now();
    String unknown = UUID.randomUUID().toString();
    pubsub.publish("jobs", "this is not json");
    pubsub.publish("jobs", "{\"integration_id\": \"42; DROP TABLE sync_runs\"}");
    pubsub.publish("jobs", "{\"integration_id\": \"" + unknown + "\"}");
    pubsub.publish("jobs", ("{\"all\": true, \"pad\": \"" + "x".repeat(20_000) + "\"}"));
    pubsub.publish("jobs", "{\"integration_id\": \"" + ids.get(2) + "\", \"mode\": \"full\"}");
    Map<String, String> runs = awaitRuns(since, 1);
    assertThat(runs.get(ids.get(2)), equalTo("succeeded"));

    List<PubsubEmulator.Received> dead = new ArrayList<>();
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    while (dead.size() < 4 && System.currentTimeMillis() < deadline) {
      dead.addAll(pubsub.pull("dead-letters-sub", 10));
      Thread.sleep(200);
    }
    assertThat(dead.size(), is(4));
    List<String> reasons = dead.stream().map(d -> d.attributes().get("error")).toList();
    assertThat(reasons, hasItem(org.hamcrest.Matchers.containsString("not valid JSON")));
    assertThat(reasons, hasItem(org.hamcrest.Matchers.containsString("must be a UUID")));
    assertThat(
        reasons, hasItem(org.hamcrest.Matchers.containsString("unknown integration " + unknown)));
    assertThat(reasons, hasItem(org.hamcrest.Matchers.containsString("bytes, more than")));
    for (PubsubEmulator.Received d : dead) {
      assertThat(d.attributes().get("failed_at"), notNullValue());
    }
    assertThat(
        dead.stream().map(PubsubEmulator.Received::text).toList(), hasItem("this is not json"));
    assertThat(runsSince(since).size(), lessThan(2));
  }

  @Test
  @Order(6)
  void twoJobsForOneIntegrationCloseTogetherRunOnce() throws Exception {
    java.sql.Timestamp since = now();
    String job = "{\"integration_id\": \"" + ids.get(0) + "\", \"mode\": \"full\"}";
    pubsub.publish("jobs", job);
    pubsub.publish("jobs", job);
    awaitRuns(since, 1);
    Thread.sleep(5_000);
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM sync_runs WHERE finished_at > ?")) {
      ps.setTimestamp(1, since);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat("the second job was collapsed into the first", rs.getInt(1), is(1));
      }
    }
  }

  private static String timeline(java.sql.Timestamp since) throws Exception {
    StringBuilder sb = new StringBuilder();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT integration_id::text, started_at, finished_at, counts::text"
                    + " FROM sync_runs WHERE finished_at > ? ORDER BY finished_at")) {
      ps.setTimestamp(1, since);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sb.append(rs.getString(1))
              .append(" ")
              .append(rs.getTimestamp(2))
              .append(" -> ")
              .append(rs.getTimestamp(3))
              .append(" ")
              .append(rs.getString(4))
              .append("\n");
        }
      }
    }
    return "since " + since + ": " + sb;
  }

  private static org.hamcrest.Matcher<Iterable<? extends String>> everyIs(String status) {
    return org.hamcrest.Matchers.everyItem(equalTo(status));
  }
}
