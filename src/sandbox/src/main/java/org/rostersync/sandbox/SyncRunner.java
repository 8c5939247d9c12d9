package org.rostersync.sandbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;
import org.rostersync.pipeline.JobCounters;
import org.rostersync.pipeline.Migrations;
import org.rostersync.pipeline.RosterSyncPipeline;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.transforms.JdbcConfig;

/**
 * Runs the real pipeline once on the DirectRunner and reads back what it recorded. Used by the
 * local launcher, the end-to-end tests and the benchmarks, so they all exercise the same code path
 * as production.
 */
public final class SyncRunner {
  private SyncRunner() {}

  /** Options for a local run against {@code jdbc} and an Edlink at {@code baseUrl}. */
  public static SyncOptions options(JdbcConfig jdbc, String baseUrl, String appSecret) {
    SyncOptions o = PipelineOptionsFactory.as(SyncOptions.class);
    o.setRunner(DirectRunner.class);
    o.setJdbcUrl(jdbc.url());
    o.setJdbcUser(jdbc.user());
    o.setJdbcPassword(jdbc.password().resolve());
    o.setEdlinkBaseUrl(baseUrl);
    o.setEdlinkAppSecret(appSecret);
    return o;
  }

  /** What one pipeline run did. */
  public record Outcome(
      PipelineResult.State state, Map<String, Long> counters, List<RunRow> runs, long millis) {
    public long counter(String name) {
      return counters.getOrDefault(name, 0L);
    }
  }

  /** One {@code sync_runs} row. */
  public record RunRow(
      String runId,
      String integrationId,
      String status,
      String gateReason,
      String countsJson,
      String error,
      long millis) {}

  /** Runs to completion; {@code progress} (may be null) gets live counters about twice a second. */
  public static Outcome run(SyncOptions options, Consumer<Map<String, Long>> progress)
      throws SQLException {
    if (options.getMigrate()) {
      Migrations.apply(org.rostersync.pipeline.SyncConfigs.jdbc(options));
    }
    Timestamp since;
    try (Connection c = connect(options)) {
      try (ResultSet rs = c.createStatement().executeQuery("SELECT now()")) {
        rs.next();
        since = rs.getTimestamp(1);
      }
    }
    options.as(DirectOptions.class).setBlockOnRun(false);
    RosterSyncPipeline.askAhead(options);
    Pipeline pipeline = Pipeline.create(options);
    RosterSyncPipeline.build(pipeline, options);
    long start = System.currentTimeMillis();
    PipelineResult result = pipeline.run();
    PipelineResult.State state;
    do {
      state = result.waitUntilFinish(Duration.millis(500));
      if (progress != null) {
        progress.accept(JobCounters.of(result));
      }
    } while (state == null || !state.isTerminal());
    long millis = System.currentTimeMillis() - start;
    return new Outcome(state, JobCounters.of(result), runsSince(options, since), millis);
  }

  /** The {@code sync_runs} rows of runs that finished at or after {@code since} (database time). */
  public static List<RunRow> runsSince(SyncOptions options, Timestamp since) throws SQLException {
    List<RunRow> rows = new ArrayList<>();
    try (Connection c = connect(options);
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT run_id, integration_id::text, status, gate_reason,"
                    + " counts::text, error, extract(epoch from finished_at - started_at) * 1000 FROM sync_runs"
                    + " WHERE finished_at >= ? ORDER BY integration_id")) {
      ps.setTimestamp(1, since);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new RunRow(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  (long) rs.getDouble(7)));
        }
      }
    }
    return rows;
  }

  private static Connection connect(SyncOptions o) throws SQLException {
    return DriverManager.getConnection(o.getJdbcUrl(), o.getJdbcUser(), o.getJdbcPassword());
  }
}
