package org.rostersync.transforms;

import com.google.gson.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.rostersync.edlink.EntityType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects, in state, the outcome of every entity type of a run; when the last one arrives (or the
 * run ended early) it writes one {@code sync_runs} row and updates {@code sync_state} in one
 * transaction. The newest event id is stored only when the run synced every entity type and every
 * type succeeded, so the change gate never skips over a failed, held or partial-type sync.
 */
public final class RecordRuns
    extends PTransform<PCollection<KV<String, RunEvent>>, PCollection<RunResult>> {
  static final String INSERT_RUN =
      "INSERT INTO sync_runs (run_id, integration_id, request_id, mode, status,"
          + " gate_decision, gate_reason, started_at, finished_at, counts, error, request_ids)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)"
          + " ON CONFLICT (run_id, integration_id) DO UPDATE SET status = EXCLUDED.status,"
          + " finished_at = EXCLUDED.finished_at, counts = EXCLUDED.counts, error = EXCLUDED.error";
  static final String UPSERT_STATE =
      "INSERT INTO sync_state (integration_id, newest_event_id, last_full_sync_at,"
          + " last_result, last_run_id, last_gate_decision, last_gate_reason, last_gate_at, updated_at)"
          + " VALUES (?, ?::uuid, ?, ?, ?, ?, ?, ?, now())"
          + " ON CONFLICT (integration_id) DO UPDATE SET"
          + " newest_event_id = COALESCE(EXCLUDED.newest_event_id, sync_state.newest_event_id),"
          + " last_full_sync_at = COALESCE(EXCLUDED.last_full_sync_at, sync_state.last_full_sync_at),"
          + " last_result = COALESCE(EXCLUDED.last_result, sync_state.last_result),"
          + " last_run_id = COALESCE(EXCLUDED.last_run_id, sync_state.last_run_id),"
          + " last_gate_decision = EXCLUDED.last_gate_decision, last_gate_reason = EXCLUDED.last_gate_reason,"
          + " last_gate_at = EXCLUDED.last_gate_at, updated_at = now()"
          + " RETURNING last_full_sync_at";

  static final String RELEASE_LEASE =
      "DELETE FROM sync_leases WHERE integration_id = ? AND run_id = ?";

  private final JdbcConfig jdbc;

  private RecordRuns(JdbcConfig jdbc) {
    this.jdbc = jdbc;
  }

  public static RecordRuns to(JdbcConfig jdbc) {
    return new RecordRuns(jdbc);
  }

  @Override
  public PCollection<RunResult> expand(PCollection<KV<String, RunEvent>> events) {
    if (jdbc == null) {
      throw new IllegalStateException("RecordRuns needs a JdbcConfig");
    }
    return events.apply(ParDo.of(new RecordRunFn(jdbc))).setCoder(RunResult.Coder.of());
  }

  static final class RecordRunFn extends DoFn<KV<String, RunEvent>, RunResult> {
    private static final Logger LOG = LoggerFactory.getLogger(RecordRuns.class);

    @StateId("types")
    private final StateSpec<BagState<TypeOutcome>> typesSpec =
        StateSpecs.bag(TypeOutcome.Coder.of());

    /**
     * The run whose outcomes are collected (state is keyed by integration, so it stays bounded).
     */
    @StateId("run")
    private final StateSpec<ValueState<SyncJob>> runSpec = StateSpecs.value(SyncJob.Coder.of());

    private final RunStore store;

    RecordRunFn(JdbcConfig jdbc) {
      this(new JdbcRunStore(jdbc));
    }

    RecordRunFn(RunStore store) {
      this.store = store;
    }

    @Setup
    public void setup() {
      store.setup();
    }

    @ProcessElement
    public void process(
        @Element KV<String, RunEvent> element,
        @StateId("types") BagState<TypeOutcome> types,
        @StateId("run") ValueState<SyncJob> run,
        OutputReceiver<RunResult> out)
        throws SQLException {
      RunEvent event = element.getValue();
      SyncJob job = event.job();
      SyncJob collecting = run.read();
      boolean sameRun = collecting != null && collecting.runId().equals(job.runId());
      if (collecting != null && !sameRun) {
        SyncMetrics.STALE_RUN_EVENTS.inc();
        if (job.isOlderThan(collecting)) {
          if (event.runStatus() == null) {
            return; // a type of an abandoned older run: the run it belonged to was expired
          }
        } else {
          types.clear(); // a newer run started: what the abandoned one left is dropped
          run.clear();
          sameRun = true;
        }
      }
      RunResult result;
      if (event.runStatus() != null) {
        if (sameRun || collecting == null) {
          types.clear();
          run.clear();
        }
        result =
            new RunResult(
                job.runId(),
                job.integrationId(),
                event.runStatus(),
                event.message(),
                job.startedAtMillis(),
                System.currentTimeMillis(),
                List.of(),
                event.runStatus() == RunResult.Status.SKIPPED ? null : event.message());
      } else {
        Map<EntityType, TypeOutcome> byType = new LinkedHashMap<>();
        if (sameRun) {
          types.read().forEach(t -> byType.put(t.type(), t));
        }
        byType.put(event.typeOutcome().type(), event.typeOutcome());
        if (!byType.keySet().containsAll(job.entityTypes())) {
          types.add(event.typeOutcome());
          run.write(job);
          return;
        }
        types.clear();
        run.clear();
        List<TypeOutcome> ordered = new ArrayList<>();
        for (EntityType t : job.entityTypes()) {
          ordered.add(byType.get(t));
        }
        result = summarize(job, ordered);
      }
      java.sql.Timestamp lastFullSync = store.record(job, result);
      count(result.status());
      LOG.info(summaryLine(result, lastFullSync, System.currentTimeMillis()));
      out.output(result);
    }

    static RunResult summarize(SyncJob job, List<TypeOutcome> types) {
      long failed = types.stream().filter(t -> t.status() == TypeOutcome.Status.FAILED).count();
      long held = types.stream().filter(t -> t.status() == TypeOutcome.Status.HELD).count();
      RunResult.Status status;
      if (failed == types.size()) {
        status = RunResult.Status.FAILED;
      } else if (failed > 0) {
        status = RunResult.Status.PARTIAL;
      } else if (held > 0) {
        status = RunResult.Status.HELD;
      } else {
        status = RunResult.Status.SUCCEEDED;
      }
      List<String> errors = new ArrayList<>();
      for (TypeOutcome t : types) {
        if (t.error() != null) {
          errors.add(t.type().path() + ": " + t.error());
        }
      }
      return new RunResult(
          job.runId(),
          job.integrationId(),
          status,
          job.gateReason(),
          job.startedAtMillis(),
          System.currentTimeMillis(),
          types,
          errors.isEmpty() ? null : String.join("; ", errors));
    }

    /**
     * One line per recorded run. Terraform's log-based metrics parse it (runs by status for the
     * failure alert, the full-sync age for the dashboard): keep the key=value names stable.
     */
    static String summaryLine(RunResult r, java.sql.Timestamp lastFullSync, long nowMillis) {
      String error =
          r.error() == null
              ? ""
              : r.error().length() > 500 ? r.error().substring(0, 500) + "..." : r.error();
      return "sync run recorded: status="
          + r.status().dbValue()
          + " integration="
          + r.integrationId()
          + " run="
          + r.runId()
          + " full_sync_age_s="
          + (lastFullSync == null
              ? "never"
              : Long.toString(Math.max(0, (nowMillis - lastFullSync.getTime()) / 1000)))
          + (error.isEmpty() ? "" : " error=" + error);
    }

    /**
     * Writes the run and the integration's state; returns the integration's last full sync (null:
     * never).
     */
    static java.sql.Timestamp record(Connection c, SyncJob job, RunResult r) throws SQLException {
      UUID integration = UUID.fromString(job.integrationId());
      boolean skipped = r.status() == RunResult.Status.SKIPPED;
      boolean ended = r.types().isEmpty();
      String gateDecision = skipped ? "skip" : ended ? null : "full";
      String gateReason = ended ? r.gateReason() : job.gateReason();
      java.sql.Timestamp started = new java.sql.Timestamp(r.startedAtMillis());
      java.sql.Timestamp finished = new java.sql.Timestamp(r.finishedAtMillis());
      try (PreparedStatement ps = c.prepareStatement(INSERT_RUN)) {
        ps.setString(1, r.runId());
        ps.setObject(2, integration);
        ps.setString(3, SafeText.clean(job.requestId(), 200));
        ps.setString(4, job.mode().name().toLowerCase(java.util.Locale.ROOT));
        ps.setString(5, r.status().dbValue());
        ps.setString(6, gateDecision);
        ps.setString(7, SafeText.clean(gateReason));
        ps.setTimestamp(8, started);
        ps.setTimestamp(9, finished);
        ps.setString(10, countsJson(r.types()));
        ps.setString(11, SafeText.clean(r.error()));
        // Every request a merged run serves; request_id keeps the first for older readers.
        ps.setArray(
            12,
            job.requestIds().isEmpty()
                ? null
                : c.createArrayOf(
                    "text",
                    job.requestIds().stream().map(id -> SafeText.clean(id, 200)).toArray()));
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement(RELEASE_LEASE)) {
        ps.setObject(1, integration);
        ps.setString(2, r.runId());
        ps.executeUpdate();
      }
      // The stored gate position means "every type is in step up to this event": only a run that
      // synced every
      // type successfully may move it (or the full-sync age), else the gate could skip a type left
      // stale.
      boolean advancesGate = r.status() == RunResult.Status.SUCCEEDED && coversEveryType(job);
      try (PreparedStatement ps = c.prepareStatement(UPSERT_STATE)) {
        ps.setObject(1, integration);
        ps.setString(
            2, advancesGate && Ids.isUuid(job.newestEventId()) ? job.newestEventId() : null);
        ps.setTimestamp(3, advancesGate ? started : null);
        ps.setString(4, skipped ? null : r.status().dbValue());
        ps.setString(5, skipped ? null : r.runId());
        ps.setString(6, gateDecision);
        ps.setString(7, SafeText.clean(gateReason));
        ps.setTimestamp(8, finished);
        try (java.sql.ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getTimestamp(1) : null;
        }
      }
    }

    /**
     * Whether a run of {@code job} may move the stored gate position: it synced every entity type.
     */
    static boolean coversEveryType(SyncJob job) {
      return job.entityTypes().containsAll(java.util.EnumSet.allOf(EntityType.class));
    }

    static String countsJson(List<TypeOutcome> types) {
      JsonObject all = new JsonObject();
      for (TypeOutcome t : types) {
        JsonObject o = new JsonObject();
        o.addProperty("status", t.status().name().toLowerCase(java.util.Locale.ROOT));
        if (t.fetch() != null) {
          o.addProperty("fetched", t.fetch().records());
          o.addProperty("pages", t.fetch().pages());
          o.addProperty("retries", t.fetch().retries());
          o.addProperty("fetch_ms", t.fetch().millis());
          o.addProperty("rejected", t.fetch().rejected());
        }
        o.addProperty("stored_before", t.stored());
        o.addProperty("created", t.created());
        o.addProperty("updated", t.updated());
        o.addProperty("deleted", t.deleted());
        o.addProperty("unchanged", t.unchanged());
        if (t.status() == TypeOutcome.Status.HELD) {
          o.addProperty("held_deletes", t.heldDeletes());
          com.google.gson.JsonArray sample = new com.google.gson.JsonArray();
          t.heldSample().forEach(sample::add);
          o.add("held_sample", sample);
        }
        if (t.error() != null) {
          o.addProperty("error", SafeText.clean(t.error()));
        }
        all.add(t.type().path(), o);
      }
      return all.toString();
    }

    private static void count(RunResult.Status status) {
      switch (status) {
        case SUCCEEDED -> SyncMetrics.RUNS_SUCCEEDED.inc();
        case PARTIAL -> SyncMetrics.RUNS_PARTIAL.inc();
        case FAILED -> SyncMetrics.RUNS_FAILED.inc();
        case HELD -> SyncMetrics.RUNS_HELD.inc();
        case SKIPPED -> SyncMetrics.RUNS_SKIPPED.inc();
      }
    }
  }

  /**
   * Where a finished run is recorded, behind an interface so RecordRunFn can be tested without
   * PostgreSQL.
   */
  interface RunStore extends java.io.Serializable {
    /** Called from RecordRunFn's {@code @Setup}. */
    default void setup() {}

    /** Records the run; returns the integration's last full sync (null: never). */
    java.sql.Timestamp record(SyncJob job, RunResult result) throws SQLException;
  }

  /**
   * {@link RunStore} on {@code sync_runs}, {@code sync_state} and {@code sync_leases}, in one
   * transaction.
   */
  static final class JdbcRunStore implements RunStore {
    private final JdbcConfig jdbc;
    private transient DataSource ds;

    JdbcRunStore(JdbcConfig jdbc) {
      this.jdbc = jdbc;
    }

    @Override
    public void setup() {
      ds = PooledDataSources.get(jdbc);
    }

    @Override
    public java.sql.Timestamp record(SyncJob job, RunResult result) throws SQLException {
      return Database.inTransaction(ds, c -> RecordRunFn.record(c, job, result));
    }
  }
}
