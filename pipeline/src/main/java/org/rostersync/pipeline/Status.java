package org.rostersync.pipeline;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.rostersync.transforms.JdbcConfig;

/**
 * The fleet at a glance, from the database alone: per integration the last run (status, age), the
 * last full sync, the change gate's decision, deletes held for approval, failed types with their
 * errors and the rows changed in the last day; worst first, under a one-line summary. A command of
 * the shipped jar: {@code java -cp roster-sync-pipeline-bundled.jar org.rostersync.pipeline.Status
 * --jdbcUrl=... [--jdbcUser=...] [--format=json] [--staleAfter=48h]} (password from
 * ROSTER_SYNC_JDBC_PASSWORD or --jdbcPasswordSecretName).
 */
public final class Status {
  private Status() {}

  /** Options of the command: the pipeline's database options plus the output format. */
  public interface Options extends SyncOptions {
    @Description("text (a table, worst first) or json (for scripts).")
    @Default.String("text")
    String getFormat();

    void setFormat(String value);

    @Description(
        "An integration whose last successful full sync is older than this is stale (e.g. 48h).")
    @Default.String("48h")
    String getStaleAfter();

    void setStaleAfter(String value);
  }

  /** Worst first: the order of the report. */
  public enum State {
    FAILED,
    PARTIAL,
    HELD,
    STALE,
    RUNNING,
    OK;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public record FailedType(String type, String error) {}

  public record Integration(
      String integrationId,
      State state,
      String lastRunId,
      String lastRunStatus,
      Instant lastRunAt,
      String lastResult,
      String lastError,
      Instant lastFullSyncAt,
      String gateDecision,
      String gateReason,
      long heldDeletes,
      List<String> heldTypes,
      List<FailedType> failedTypes,
      long rowsChangedLastDay,
      boolean running) {}

  public record Report(Instant now, Duration staleAfter, List<Integration> integrations) {
    public long count(State state) {
      return integrations.stream().filter(i -> i.state() == state).count();
    }

    public long heldDeletes() {
      return integrations.stream().mapToLong(Integration::heldDeletes).sum();
    }

    public long rowsChangedLastDay() {
      return integrations.stream().mapToLong(Integration::rowsChangedLastDay).sum();
    }
  }

  public static void main(String[] args) throws SQLException {
    System.exit(run(args, System.out));
  }

  /** Prints the report; exit code 0. */
  static int run(String[] args, PrintStream out) throws SQLException {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    String format = options.getFormat().trim().toLowerCase(Locale.ROOT);
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException(
          "--format must be text or json, got '" + options.getFormat() + "'");
    }
    Report report =
        read(
            SyncConfigs.jdbc(options),
            Instant.now(),
            SyncConfigs.parseDuration(options.getStaleAfter()));
    out.println(format.equals("json") ? json(report) : text(report));
    return 0;
  }

  /** Reads the report; {@code now} is passed in so that ages are testable. */
  public static Report read(JdbcConfig jdbc, Instant now, Duration staleAfter) throws SQLException {
    try (Connection c =
        DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password().resolve())) {
      c.setReadOnly(true);
      Map<String, Builder> byId = new LinkedHashMap<>();
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT integration_id::text, last_full_sync_at, last_result,"
                      + " last_gate_decision, last_gate_reason FROM sync_state");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Builder b = byId.computeIfAbsent(rs.getString(1), Builder::new);
          b.lastFullSyncAt = instant(rs.getTimestamp(2));
          b.lastResult = rs.getString(3);
          b.gateDecision = rs.getString(4);
          b.gateReason = rs.getString(5);
        }
      }
      // The newest run of each integration, and its newest run that was not skipped (failures and
      // holds live there).
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT DISTINCT ON (integration_id) integration_id::text,"
                      + " run_id, status, finished_at, error FROM sync_runs ORDER BY integration_id, started_at DESC, finished_at DESC");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Builder b = byId.computeIfAbsent(rs.getString(1), Builder::new);
          b.lastRunId = rs.getString(2);
          b.lastRunStatus = rs.getString(3);
          b.lastRunAt = instant(rs.getTimestamp(4));
        }
      }
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT DISTINCT ON (integration_id) integration_id::text,"
                      + " status, counts::text, error FROM sync_runs WHERE status <> 'skipped'"
                      + " ORDER BY integration_id, started_at DESC, finished_at DESC");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Builder b = byId.computeIfAbsent(rs.getString(1), Builder::new);
          b.lastResult = b.lastResult == null ? rs.getString(2) : b.lastResult;
          b.lastError = rs.getString(4);
          b.readCounts(rs.getString(2), rs.getString(3));
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT r.integration_id::text, COALESCE(sum("
                  + " COALESCE((t.v->>'created')::bigint, 0) + COALESCE((t.v->>'updated')::bigint, 0)"
                  + " + COALESCE((t.v->>'deleted')::bigint, 0)), 0)"
                  + " FROM sync_runs r CROSS JOIN LATERAL jsonb_each(r.counts) AS t(k, v)"
                  + " WHERE r.finished_at > ? AND jsonb_typeof(t.v) = 'object' GROUP BY r.integration_id")) {
        ps.setTimestamp(1, Timestamp.from(now.minus(Duration.ofDays(1))));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            byId.computeIfAbsent(rs.getString(1), Builder::new).rowsChangedLastDay = rs.getLong(2);
          }
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement("SELECT integration_id::text FROM sync_leases WHERE expires_at > ?")) {
        ps.setTimestamp(1, Timestamp.from(now));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            byId.computeIfAbsent(rs.getString(1), Builder::new).running = true;
          }
        }
      }
      List<Integration> integrations = new ArrayList<>();
      for (Builder b : byId.values()) {
        integrations.add(b.build(now, staleAfter));
      }
      // Worst state first; within a state the stalest full sync first (never synced before
      // everything else).
      integrations.sort(
          Comparator.comparing(Integration::state)
              .thenComparing(i -> i.lastFullSyncAt() == null ? Instant.MIN : i.lastFullSyncAt())
              .thenComparing(Integration::integrationId));
      return new Report(now, staleAfter, List.copyOf(integrations));
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  private static final class Builder {
    final String id;
    Instant lastFullSyncAt;
    String lastResult;
    String gateDecision;
    String gateReason;
    String lastRunId;
    String lastRunStatus;
    Instant lastRunAt;
    String lastError;
    long heldDeletes;
    final List<String> heldTypes = new ArrayList<>();
    final List<FailedType> failedTypes = new ArrayList<>();
    long rowsChangedLastDay;
    boolean running;

    Builder(String id) {
      this.id = UUID.fromString(id).toString();
    }

    /**
     * Types of the last run that was not skipped: failed ones with their error, held ones with
     * their deletes.
     */
    void readCounts(String status, String countsJson) {
      JsonObject counts =
          countsJson == null
              ? new JsonObject()
              : JsonParser.parseString(countsJson).getAsJsonObject();
      for (Map.Entry<String, JsonElement> e : counts.entrySet()) {
        if (!e.getValue().isJsonObject()) {
          continue;
        }
        JsonObject t = e.getValue().getAsJsonObject();
        String typeStatus = t.has("status") ? t.get("status").getAsString() : "";
        if (typeStatus.equals("failed")) {
          failedTypes.add(
              new FailedType(e.getKey(), t.has("error") ? t.get("error").getAsString() : null));
        } else if (typeStatus.equals("held") && status.equals("held")) {
          heldTypes.add(e.getKey());
          heldDeletes += t.has("held_deletes") ? t.get("held_deletes").getAsLong() : 0;
        }
      }
    }

    Integration build(Instant now, Duration staleAfter) {
      State state;
      String result = lastResult == null ? "" : lastResult;
      boolean stale = lastFullSyncAt == null || lastFullSyncAt.isBefore(now.minus(staleAfter));
      if (result.equals("failed")) {
        state = State.FAILED;
      } else if (result.equals("partial")) {
        state = State.PARTIAL;
      } else if (result.equals("held")) {
        state = State.HELD;
      } else if (stale && !running) {
        state = State.STALE;
      } else if (running) {
        state = State.RUNNING;
      } else {
        state = State.OK;
      }
      return new Integration(
          id,
          state,
          lastRunId,
          lastRunStatus,
          lastRunAt,
          lastResult,
          lastError,
          lastFullSyncAt,
          gateDecision,
          gateReason,
          state == State.HELD ? heldDeletes : 0,
          state == State.HELD ? List.copyOf(heldTypes) : List.of(),
          List.copyOf(failedTypes),
          rowsChangedLastDay,
          running);
    }
  }

  // --- Output
  // -------------------------------------------------------------------------------------------------

  /** The one-line fleet summary. */
  public static String summary(Report r) {
    StringBuilder s =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%d integrations: %d failed, %d partial, %d held"
                    + " (%,d deletes waiting for approval), %d stale (no full sync for %s), %d running, %d ok; %,d rows changed in"
                    + " the last day",
                r.integrations().size(),
                r.count(State.FAILED),
                r.count(State.PARTIAL),
                r.count(State.HELD),
                r.heldDeletes(),
                r.count(State.STALE),
                age(r.staleAfter()),
                r.count(State.RUNNING),
                r.count(State.OK),
                r.rowsChangedLastDay()));
    r.integrations().stream()
        .min(
            Comparator.comparing(
                i -> i.lastFullSyncAt() == null ? Instant.MIN : i.lastFullSyncAt()))
        .ifPresent(
            i ->
                s.append("; stalest full sync: ")
                    .append(
                        i.lastFullSyncAt() == null
                            ? "never"
                            : age(Duration.between(i.lastFullSyncAt(), r.now())) + " ago")
                    .append(" (")
                    .append(i.integrationId())
                    .append(')'));
    return s.toString();
  }

  public static String text(Report r) {
    StringBuilder out = new StringBuilder(summary(r)).append('\n');
    if (r.integrations().isEmpty()) {
      return out.append("(no integration has run yet)").toString();
    }
    String row = "%-8s %-36s %-20s %-10s %-40s %8s %11s%n";
    out.append(
        String.format(
            Locale.ROOT,
            row,
            "STATE",
            "INTEGRATION",
            "LAST RUN",
            "FULL SYNC",
            "GATE",
            "HELD",
            "CHANGED 24H"));
    for (Integration i : r.integrations()) {
      String lastRun =
          i.lastRunStatus() == null
              ? "-"
              : i.lastRunStatus() + " " + age(Duration.between(i.lastRunAt(), r.now())) + " ago";
      String fullSync =
          i.lastFullSyncAt() == null ? "never" : age(Duration.between(i.lastFullSyncAt(), r.now()));
      String gate =
          i.gateDecision() == null
              ? "-"
              : i.gateDecision() + (i.gateReason() == null ? "" : ": " + i.gateReason());
      out.append(
          String.format(
              Locale.ROOT,
              row,
              i.state().label(),
              i.integrationId(),
              lastRun,
              fullSync,
              abbreviate(gate, 40),
              i.heldDeletes() == 0 ? "-" : String.format(Locale.ROOT, "%,d", i.heldDeletes()),
              String.format(Locale.ROOT, "%,d", i.rowsChangedLastDay())));
      for (FailedType f : i.failedTypes()) {
        out.append("         failed ")
            .append(f.type())
            .append(": ")
            .append(f.error() == null ? "" : f.error())
            .append('\n');
      }
      if (i.failedTypes().isEmpty()
          && i.lastError() != null
          && (i.state() == State.FAILED || i.state() == State.PARTIAL)) {
        out.append("         error: ").append(i.lastError()).append('\n');
      }
      if (!i.heldTypes().isEmpty()) {
        out.append("         held deletes of ")
            .append(String.join(", ", i.heldTypes()))
            .append(": approve with a run that has approveDeletes (docs/operations.md)\n");
      }
    }
    return out.toString().stripTrailing();
  }

  public static String json(Report r) {
    JsonObject root = new JsonObject();
    root.addProperty("generated_at", r.now().toString());
    root.addProperty("summary", summary(r));
    JsonObject counts = new JsonObject();
    for (State s : State.values()) {
      counts.addProperty(s.label(), r.count(s));
    }
    counts.addProperty("integrations", r.integrations().size());
    counts.addProperty("held_deletes", r.heldDeletes());
    counts.addProperty("rows_changed_last_day", r.rowsChangedLastDay());
    root.add("counts", counts);
    JsonArray list = new JsonArray();
    for (Integration i : r.integrations()) {
      JsonObject o = new JsonObject();
      o.addProperty("integration_id", i.integrationId());
      o.addProperty("state", i.state().label());
      o.addProperty("last_run_id", i.lastRunId());
      o.addProperty("last_run_status", i.lastRunStatus());
      o.addProperty("last_run_at", i.lastRunAt() == null ? null : i.lastRunAt().toString());
      o.addProperty(
          "last_run_age_seconds",
          i.lastRunAt() == null ? null : Duration.between(i.lastRunAt(), r.now()).toSeconds());
      o.addProperty("last_result", i.lastResult());
      o.addProperty(
          "last_full_sync_at", i.lastFullSyncAt() == null ? null : i.lastFullSyncAt().toString());
      o.addProperty(
          "last_full_sync_age_seconds",
          i.lastFullSyncAt() == null
              ? null
              : Duration.between(i.lastFullSyncAt(), r.now()).toSeconds());
      o.addProperty("gate_decision", i.gateDecision());
      o.addProperty("gate_reason", i.gateReason());
      o.addProperty("held_deletes", i.heldDeletes());
      JsonArray held = new JsonArray();
      i.heldTypes().forEach(held::add);
      o.add("held_types", held);
      JsonArray failed = new JsonArray();
      for (FailedType f : i.failedTypes()) {
        JsonObject fo = new JsonObject();
        fo.addProperty("type", f.type());
        fo.addProperty("error", f.error());
        failed.add(fo);
      }
      o.add("failed_types", failed);
      o.addProperty(
          "error", i.state() == State.FAILED || i.state() == State.PARTIAL ? i.lastError() : null);
      o.addProperty("rows_changed_last_day", i.rowsChangedLastDay());
      o.addProperty("running", i.running());
      list.add(o);
    }
    root.add("integrations", list);
    return new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(root);
  }

  /** 45s, 12m, 3h 5m, 2d 4h. */
  static String age(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m";
    }
    if (s < 86400) {
      return (s / 3600) + "h " + (s % 3600 / 60) + "m";
    }
    return (s / 86400) + "d " + (s % 86400 / 3600) + "h";
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }
}
