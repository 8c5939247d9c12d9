package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.startsWith;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rostersync.testing.TestDatabase;
import org.rostersync.transforms.JdbcConfig;

/**
 * The Status command against a real PostgreSQL with the real schema and rows as the pipeline writes
 * them.
 */
class StatusTest {
  static final String PARTIAL_ID = "00000000-0000-4000-8000-00000000000a";
  static final String HELD = "00000000-0000-4000-8000-00000000000b";
  static final String OK = "00000000-0000-4000-8000-00000000000c";
  static final String STALE = "00000000-0000-4000-8000-00000000000d";
  static final String RUNNING = "00000000-0000-4000-8000-00000000000e";

  static TestDatabase postgres;
  static JdbcConfig jdbc;
  static Instant now;

  @BeforeAll
  static void database() throws Exception {
    postgres = TestDatabase.start();
    jdbc = postgres.config();
    Migrations.apply(jdbc);
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    try (Connection c = DriverManager.getConnection(jdbc.url(), "postgres", "postgres")) {
      // Partly failing: a full sync 30 h ago, then a run whose people fetch failed (schools changed
      // 3 rows).
      state(
          c,
          PARTIAL_ID,
          "partial",
          ago(30, ChronoUnit.HOURS),
          "full",
          "new events since the last full sync");
      run(
          c,
          PARTIAL_ID,
          "r1",
          "succeeded",
          ago(30, ChronoUnit.HOURS),
          "{\"people\":{\"status\":\"succeeded\",\"created\":5," + "\"updated\":0,\"deleted\":0}}",
          null);
      run(
          c,
          PARTIAL_ID,
          "r2",
          "partial",
          ago(1, ChronoUnit.HOURS),
          "{\"people\":{\"status\":\"failed\",\"created\":0,"
              + "\"updated\":0,\"deleted\":0,\"error\":\"HTTP 500 from Edlink\"},\"schools\":{\"status\":\"succeeded\","
              + "\"created\":2,\"updated\":1,\"deleted\":0}}",
          "people: HTTP 500 from Edlink");
      // Held: 120 deletes of people wait for approval; 4 updates went through.
      state(
          c,
          HELD,
          "held",
          ago(2, ChronoUnit.HOURS),
          "full",
          "forced: last full sync older than 24h");
      run(
          c,
          HELD,
          "r3",
          "held",
          ago(1, ChronoUnit.HOURS),
          "{\"people\":{\"status\":\"held\",\"created\":0,"
              + "\"updated\":4,\"deleted\":0,\"held_deletes\":120,\"held_sample\":[]}}",
          null);
      // Fine: a full sync 5 h ago (10 rows created), skipped since.
      state(c, OK, "succeeded", ago(5, ChronoUnit.HOURS), "skip", "no new events");
      run(
          c,
          OK,
          "r4",
          "succeeded",
          ago(5, ChronoUnit.HOURS),
          "{\"people\":{\"status\":\"succeeded\",\"created\":10," + "\"updated\":0,\"deleted\":0}}",
          null);
      run(c, OK, "r5", "skipped", ago(10, ChronoUnit.MINUTES), "{}", null);
      // Stale: the last full sync is 3 days old.
      state(c, STALE, "succeeded", ago(72, ChronoUnit.HOURS), "skip", "no new events");
      run(c, STALE, "r6", "skipped", ago(1, ChronoUnit.HOURS), "{}", null);
      // Never synced, its first run holds the lease right now.
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO sync_leases VALUES (?::uuid, 'r7', ?, ?)")) {
        ps.setString(1, RUNNING);
        ps.setTimestamp(2, Timestamp.from(ago(2, ChronoUnit.MINUTES)));
        ps.setTimestamp(3, Timestamp.from(now.plus(1, ChronoUnit.HOURS)));
        ps.executeUpdate();
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @Test
  void worstFirstWithWhatAnOperatorActsOn() throws Exception {
    Status.Report report = Status.read(jdbc, now, Duration.ofHours(48));

    assertThat(
        report.integrations().stream().map(Status.Integration::integrationId).toList(),
        contains(PARTIAL_ID, HELD, STALE, RUNNING, OK));
    Status.Integration failed = report.integrations().get(0);
    assertThat(failed.state(), is(Status.State.PARTIAL));
    assertThat(failed.lastRunStatus(), is("partial"));
    assertThat(
        failed.failedTypes(), contains(new Status.FailedType("people", "HTTP 500 from Edlink")));
    assertThat(failed.rowsChangedLastDay(), is(3L));
    assertThat(failed.lastFullSyncAt(), is(ago(30, ChronoUnit.HOURS)));

    Status.Integration held = report.integrations().get(1);
    assertThat(held.heldDeletes(), is(120L));
    assertThat(held.heldTypes(), contains("people"));
    assertThat(held.gateReason(), is("forced: last full sync older than 24h"));

    assertThat(report.integrations().get(2).state(), is(Status.State.STALE));
    assertThat(report.integrations().get(3).running(), is(true));
    Status.Integration ok = report.integrations().get(4);
    assertThat(ok.lastRunStatus(), is("skipped"));
    assertThat(ok.gateDecision(), is("skip"));
    assertThat(ok.rowsChangedLastDay(), is(10L));

    String text = Status.text(report);
    assertThat(
        text,
        startsWith(
            "5 integrations: 0 failed, 1 partial, 1 held (120 deletes waiting for approval),"
                + " 1 stale (no full sync for 2d 0h), 1 running, 1 ok; 17 rows changed in the last day; stalest full sync:"
                + " never ("
                + RUNNING
                + ")"));
    assertThat(text, containsString("failed people: HTTP 500 from Edlink"));
    assertThat(text, containsString("partial 1h 0m ago"));
    assertThat(text.indexOf(PARTIAL_ID), lessThan(text.indexOf(OK)));
  }

  @Test
  void jsonForScriptsFromTheCommandLine() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int exit =
        Status.run(
            new String[] {
              "--jdbcUrl=" + jdbc.url(),
              "--jdbcUser=postgres",
              "--jdbcPassword=postgres",
              "--format=json"
            },
            new PrintStream(bytes, true, StandardCharsets.UTF_8));

    assertThat(exit, is(0));
    JsonObject json =
        JsonParser.parseString(bytes.toString(StandardCharsets.UTF_8)).getAsJsonObject();
    assertThat(json.getAsJsonObject("counts").get("held_deletes").getAsLong(), is(120L));
    assertThat(json.getAsJsonObject("counts").get("partial").getAsLong(), is(1L));
    JsonArray list = json.getAsJsonArray("integrations");
    JsonObject first = list.get(0).getAsJsonObject();
    assertThat(first.get("integration_id").getAsString(), is(PARTIAL_ID));
    assertThat(first.get("state").getAsString(), is("partial"));
    assertThat(
        first.getAsJsonArray("failed_types").get(0).getAsJsonObject().get("error").getAsString(),
        is("HTTP 500 from Edlink"));
    assertThat(list.get(1).getAsJsonObject().get("held_deletes").getAsLong(), is(120L));
    assertThat(List.of(list.get(4).getAsJsonObject().get("state").getAsString()), contains("ok"));
  }

  private static Instant ago(long amount, ChronoUnit unit) {
    return now.minus(amount, unit);
  }

  private static void state(
      Connection c,
      String id,
      String lastResult,
      Instant lastFullSync,
      String decision,
      String reason)
      throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO sync_state (integration_id, last_full_sync_at,"
                + " last_result, last_gate_decision, last_gate_reason, last_gate_at) VALUES (?::uuid, ?, ?, ?, ?, ?)")) {
      ps.setString(1, id);
      ps.setTimestamp(2, Timestamp.from(lastFullSync));
      ps.setString(3, lastResult);
      ps.setString(4, decision);
      ps.setString(5, reason);
      ps.setTimestamp(6, Timestamp.from(now));
      ps.executeUpdate();
    }
  }

  private static void run(
      Connection c,
      String id,
      String runId,
      String status,
      Instant finished,
      String counts,
      String error)
      throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO sync_runs (run_id, integration_id, mode, status,"
                + " started_at, finished_at, counts, error) VALUES (?, ?::uuid, 'auto', ?, ?, ?, ?::jsonb, ?)")) {
      ps.setString(1, runId + "-" + UUID.randomUUID());
      ps.setString(2, id);
      ps.setString(3, status);
      ps.setTimestamp(4, Timestamp.from(finished.minusSeconds(60)));
      ps.setTimestamp(5, Timestamp.from(finished));
      ps.setString(6, counts);
      ps.setString(7, error);
      ps.executeUpdate();
    }
  }
}
