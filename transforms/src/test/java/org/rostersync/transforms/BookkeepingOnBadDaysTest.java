package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.edlink.EntityType;
import org.rostersync.testing.TestDatabase;

/** Bookkeeping and reads that must survive hostile text, retried bundles and database blips. */
class BookkeepingOnBadDaysTest {
  @RegisterExtension static final TestDatabase.PerClass DB = TestDatabase.perClass();

  private static Pipeline pipeline() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    return Pipeline.create(options);
  }

  private static Connection connect() throws Exception {
    return DriverManager.getConnection(DB.get().jdbcUrl(), "postgres", "postgres");
  }

  @Test
  void remoteTextWithNulAndLoneSurrogatesIsRecordedNotRetriedForever() throws Exception {
    String integration = UUID.randomUUID().toString();
    SyncJob job =
        new SyncJob(
                "run-nul",
                integration,
                List.of(EntityType.PEOPLE, EntityType.CLASSES),
                SyncJob.Mode.FULL,
                "req\u0000",
                false,
                0)
            .withPlan(PlanRuns.NO_EVENTS, "gate \u0000 said \uD800");
    String hostile = "Edlink: bad \u0000 value \uDC00 here";
    Pipeline p = pipeline();
    p.apply(
            Create.of(
                KV.of(
                    job.runKey(),
                    RunEvent.type(job, TypeOutcome.failed(EntityType.PEOPLE, null, hostile))),
                KV.of(
                    job.runKey(),
                    RunEvent.type(job, TypeOutcome.failed(EntityType.CLASSES, null, "x\uD83D")))))
        .apply(RecordRuns.to(DB.get().config()));
    p.run().waitUntilFinish();
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT status, error, counts->'people'->>'error', gate_reason"
                    + " FROM sync_runs WHERE run_id = 'run-nul'")) {
      assertThat(rs.next(), is(true));
      assertThat(rs.getString(1), equalTo("failed"));
      // NUL becomes U+FFFD; a lone surrogate becomes U+FFFD here or '?' already in a coder's UTF-8
      // on the way.
      assertThat(rs.getString(2), matchesPattern(".*bad \uFFFD value [\uFFFD?] here.*"));
      assertThat(rs.getString(3), matchesPattern("Edlink: bad \uFFFD value [\uFFFD?] here"));
      assertThat(rs.getString(4), matchesPattern("gate \uFFFD said [\uFFFD?]"));
    }
  }

  @Test
  void aRetriedDeadLetterIsStoredOnce() throws Exception {
    String integration = UUID.randomUUID().toString();
    RejectedRecord r =
        new RejectedRecord(
            "run-dl",
            integration,
            EntityType.PEOPLE,
            UUID.randomUUID().toString(),
            "too deep \u0000",
            "{\"x\":\"\u0000\"}");
    DataSource ds = PooledDataSources.get(DB.get().config());
    WriteDeadLetterRecords.insert(ds, List.of(r));
    WriteDeadLetterRecords.insert(ds, List.of(r));
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*), min(reason) FROM dead_letter_records"
                    + " WHERE integration_id = '"
                    + integration
                    + "'")) {
      rs.next();
      assertThat(rs.getInt(1), is(1));
      assertThat(rs.getString(2), equalTo("too deep \uFFFD"));
    }
  }

  /**
   * A query that fails with a serialization failure (transient) the first time it runs, then
   * succeeds.
   */
  private static void createFlakyFunction(String name) throws Exception {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("CREATE SEQUENCE " + name + "_calls");
      st.execute(
          "CREATE FUNCTION "
              + name
              + "(t text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN"
              + " IF nextval('"
              + name
              + "_calls') = 1 THEN"
              + " RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; END IF;"
              + " RETURN t || '!'; END $$");
    }
  }

  private static PCollection<String> readAll(
      Pipeline p, JdbcConfig jdbc, boolean retrying, String fn) {
    return p.apply(Create.of("a", "b"))
        .apply(
            JdbcIO.<String, String>readAll()
                .withDataSourceProviderFn(
                    retrying
                        ? PooledDataSources.retryingProviderFn(jdbc)
                        : PooledDataSources.providerFn(jdbc))
                .withQuery("SELECT " + fn + "(?)")
                .withParameterSetter((String s, PreparedStatement ps) -> ps.setString(1, s))
                .withRowMapper(rs -> rs.getString(1))
                .withCoder(StringUtf8Coder.of())
                .withOutputParallelization(false));
  }

  @Test
  void jdbcReadAllAloneFailsOnATransientErrorWhileTheRetryingDataSourceRecovers() throws Exception {
    createFlakyFunction("flaky_plain");
    Pipeline plain = pipeline();
    readAll(plain, DB.get().config(), false, "flaky_plain");
    Exception e =
        org.junit.jupiter.api.Assertions.assertThrows(
            Exception.class, () -> plain.run().waitUntilFinish());
    assertThat(String.valueOf(e.getMessage()), containsString("serialize"));

    createFlakyFunction("flaky_retried");
    Pipeline retried = pipeline();
    PAssert.that(readAll(retried, DB.get().config(), true, "flaky_retried"))
        .containsInAnyOrder("a!", "b!");
    retried.run().waitUntilFinish();
    assertThat(
        Long.parseLong(scalar("SELECT last_value FROM flaky_retried_calls")), greaterThan(2L));
  }

  @Test
  void aReadConnectionTheServerDroppedAfterItsRowsClosesWithoutFailingTheRead() throws Exception {
    // The soak's database restart, 18 s into a sync, failed the run this way: JdbcIO's read
    // closes its connection in finishBundle, and the pool's rollback of the dead connection threw.
    DataSource reads = PooledDataSources.retryingProviderFn(DB.get().config()).apply(null);
    Connection c = reads.getConnection();
    c.setAutoCommit(false);
    int pid;
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid()");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      pid = rs.getInt(1);
    }
    assertThat(scalar("SELECT pg_terminate_backend(" + pid + ")"), equalTo("t"));
    c.close();
    try (Connection again = reads.getConnection();
        PreparedStatement ps = again.prepareStatement("SELECT 1");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      assertThat("the pool serves a live connection after it", rs.getInt(1), is(1));
    }
  }

  private static String scalar(String sql) throws Exception {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
