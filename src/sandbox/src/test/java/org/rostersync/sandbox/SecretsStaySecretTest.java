package org.rostersync.sandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.FaultKind;
import org.rostersync.sandbox.simulator.FaultRule;
import org.rostersync.sandbox.simulator.SimIntegration;
import org.rostersync.testing.TestDatabase;
import org.rostersync.testing.TestSimulator;
import org.rostersync.transforms.PooledDataSources;

/**
 * A sync with 429s, 5xx, dropped connections, a revoked token and a disabled integration: every log
 * line it prints and everything it stores is searched for access tokens and the application secret.
 */
class SecretsStaySecretTest {
  private static final String APP_SECRET = "app-secret-0f3c9a7d51e24b";
  private static TestDatabase db;
  private static EdlinkSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    db = TestDatabase.start();
    sim = TestSimulator.start(3L, APP_SECRET, DatasetSize.TINY, DatasetSize.TINY, DatasetSize.TINY);
  }

  @AfterAll
  static void stop() throws Exception {
    PooledDataSources.closeAll();
    sim.close();
    db.close();
  }

  @Test
  void noTokenOrSecretInLogsOrDatabase() throws Exception {
    List<String> secrets = new ArrayList<>();
    secrets.add(APP_SECRET);
    sim.integrations().forEach(i -> secrets.add(i.accessToken()));
    SimIntegration first = sim.integrations().get(0);
    SimIntegration second = sim.integrations().get(1);
    sim.faults()
        .add(FaultRule.builder().kind(FaultKind.RATE_LIMIT).retryAfterSeconds(1).times(3).build());
    sim.faults()
        .add(
            FaultRule.builder()
                .endpoint("people")
                .kind(FaultKind.UNAVAILABLE_503)
                .times(2)
                .build());
    sim.faults()
        .add(
            FaultRule.builder().endpoint("classes").kind(FaultKind.DROP_MID_BODY).times(2).build());
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(second.id())
                .endpoint("enrollments")
                .kind(FaultKind.SERVER_ERROR_500)
                .build());
    sim.revokeToken(first.id());
    secrets.add(sim.integrations().get(0).accessToken());
    sim.setStatus(sim.integrations().get(2).id(), "disabled");

    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream oldErr = System.err;
    PrintStream oldOut = System.out;
    PrintStream tee = new PrintStream(captured, true, StandardCharsets.UTF_8);
    System.setErr(tee);
    System.setOut(tee);
    SyncRunner.Outcome outcome;
    try {
      SyncOptions o = SyncRunner.options(db.config(), sim.baseUrl(), sim.appSecret());
      o.setIntegrationIds(
          String.join(",", sim.integrations().stream().map(SimIntegration::id).toList()));
      o.setMode("full");
      outcome = SyncRunner.run(o, null);
    } finally {
      System.setErr(oldErr);
      System.setOut(oldOut);
      sim.faults().clear();
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat("the sync logged something to search", logs.length(), greaterThan(0));
    assertThat(outcome.counter("edlink_retries"), greaterThan(0L));

    StringBuilder stored = new StringBuilder();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), "postgres", "postgres");
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT coalesce(string_agg(t::text, ' '), '') FROM"
                        + " (SELECT * FROM sync_runs) t UNION ALL SELECT coalesce(string_agg(s::text, ' '), '') FROM sync_state s"
                        + " UNION ALL SELECT coalesce(string_agg(d::text, ' '), '') FROM dead_letter_records d")) {
      while (rs.next()) {
        stored.append(rs.getString(1));
      }
    }
    assertThat(stored.toString(), containsString("disabled"));
    for (String secret : secrets) {
      assertThat("logs", logs, not(containsString(secret)));
      assertThat("database", stored.toString(), not(containsString(secret)));
    }
  }
}
