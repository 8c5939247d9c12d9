package org.rostersync.transforms;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.rostersync.edlink.EntityType;

/**
 * Writes the diff: batched idempotent upserts per shard as soon as a shard is classified, then,
 * once every shard of a type has reported, the delete guard decides for the whole type and applies
 * its deletes in batches (or holds them). Emits one {@link RunEvent} per type, keyed by run.
 *
 * <p>Upserts are {@code INSERT ... ON CONFLICT DO UPDATE SET col = EXCLUDED.col}, which pgjdbc's
 * {@code reWriteBatchedInserts} turns into multi-row inserts; replays converge to the same rows.
 */
public final class WriteChanges
    extends PTransform<PCollection<ShardChanges>, PCollection<KV<String, RunEvent>>> {
  static final String UPSERT =
      "INSERT INTO roster_entities (entity_type, integration_id, id, hash, data, synced_at,"
          + " deleted_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, NULL)"
          + " ON CONFLICT (entity_type, integration_id, id) DO UPDATE SET hash = EXCLUDED.hash, data = EXCLUDED.data,"
          + " synced_at = EXCLUDED.synced_at, deleted_at = NULL";
  static final String HARD_DELETE =
      "DELETE FROM roster_entities WHERE entity_type = ? AND integration_id = ? AND id = ANY(?)";
  static final String SOFT_DELETE =
      "UPDATE roster_entities SET deleted_at = ? WHERE entity_type = ?"
          + " AND integration_id = ? AND id = ANY(?) AND deleted_at IS NULL";

  /** The upsert statement, for baselines outside Beam that must leave the same rows. */
  public static String upsertSql() {
    return UPSERT;
  }

  /** The hard-delete statement (type, integration, uuid[]), for baselines outside Beam. */
  public static String hardDeleteSql() {
    return HARD_DELETE;
  }

  private final JdbcConfig jdbc;
  private final int batchSize;
  private final DeletePolicy deletes;

  private WriteChanges(JdbcConfig jdbc, int batchSize, DeletePolicy deletes) {
    this.jdbc = jdbc;
    this.batchSize = batchSize;
    this.deletes = deletes;
  }

  public static WriteChanges to(JdbcConfig jdbc) {
    return new WriteChanges(jdbc, SyncDefaults.BATCH_SIZE, SyncDefaults.deletePolicy());
  }

  public WriteChanges withBatchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive");
    }
    return new WriteChanges(jdbc, batchSize, deletes);
  }

  public WriteChanges withDeletePolicy(DeletePolicy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("withDeletePolicy(null)");
    }
    return new WriteChanges(jdbc, batchSize, policy);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("batchSize", batchSize).withLabel("JDBC batch size"));
    deletes.addTo(builder);
  }

  @Override
  public PCollection<KV<String, RunEvent>> expand(PCollection<ShardChanges> changes) {
    if (jdbc == null) {
      throw new IllegalStateException("WriteChanges needs a JdbcConfig");
    }
    return changes
        .apply("WriteUpserts", ParDo.of(new WriteUpsertsFn(jdbc, batchSize)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ShardChanges.Coder.of()))
        .apply("GuardAndApplyDeletes", ParDo.of(new GuardDeletesFn(jdbc, batchSize, deletes)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), RunEvent.Coder.of()));
  }

  /**
   * Upserts one shard's creates and updates in id order (no lock-order deadlocks), one transaction
   * per shard.
   */
  static final class WriteUpsertsFn extends DoFn<ShardChanges, KV<String, ShardChanges>> {
    private final JdbcConfig jdbc;
    private final int batchSize;
    private transient DataSource ds;

    WriteUpsertsFn(JdbcConfig jdbc, int batchSize) {
      this.jdbc = jdbc;
      this.batchSize = batchSize;
    }

    @Setup
    public void setup() {
      ds = PooledDataSources.get(jdbc);
    }

    @ProcessElement
    public void process(@Element ShardChanges c, OutputReceiver<KV<String, ShardChanges>> out) {
      ShardChanges result = c.withoutUpserts();
      if (c.upserts() > 0) {
        Integer[] all = sortedById(c);
        try {
          Database.inTransaction(ds, conn -> upsert(conn, c, all));
          SyncMetrics.CREATED.inc(c.created());
          SyncMetrics.UPDATED.inc(c.updated());
        } catch (SQLException e) {
          if (Database.isRowLevel(e)) {
            result = isolateBadRows(c, all, result);
          } else {
            // Transient retries ran out, or an error no single row causes (permissions, a time-out,
            // a read-only
            // server, a missing partition): the shard fails, so its type fails and deletes nothing.
            result = result.withWritten(0, 0).withError(failure("writing " + c.key(), e));
          }
        }
      }
      out.output(KV.of(c.key().typeKey(), result));
    }

    static String failure(String what, SQLException e) {
      return what
          + " failed: SQLState "
          + Database.sqlState(e)
          + ": "
          + SafeText.clean(e.getMessage(), 300);
    }

    /**
     * An error that belongs to one row (bad data) must not stall the shard: write row by row, send
     * the rows that fail to {@code dead_letter_records}, keep the rest. Any other error on the way
     * fails the whole shard.
     */
    private ShardChanges isolateBadRows(ShardChanges c, Integer[] all, ShardChanges result) {
      List<RejectedRecord> bad = new ArrayList<>();
      int created = 0;
      int updated = 0;
      for (int i : all) {
        try {
          Database.inTransaction(ds, conn -> upsert(conn, c, new Integer[] {i}));
          if (i < c.created()) {
            created++;
            SyncMetrics.CREATED.inc();
          } else {
            updated++;
            SyncMetrics.UPDATED.inc();
          }
        } catch (SQLException e) {
          if (!Database.isRowLevel(e)) {
            return result.withWritten(created, updated).withError(failure("writing " + c.key(), e));
          }
          bad.add(
              new RejectedRecord(
                  c.job().runId(),
                  c.key().integrationId(),
                  c.key().type(),
                  new UUID(c.upsertMsb(i), c.upsertLsb(i)).toString(),
                  "PostgreSQL refused the row (SQLState "
                      + Database.sqlState(e)
                      + "): "
                      + e.getMessage(),
                  RejectedRecord.excerpt(c.upsertJson(i))));
        }
      }
      result = result.withWritten(created, updated);
      try {
        WriteDeadLetterRecords.insert(ds, bad);
      } catch (SQLException e) {
        return result.withError(failure("writing dead letters of " + c.key(), e));
      }
      SyncMetrics.RECORDS_REJECTED.inc(bad.size());
      return result;
    }

    private static Integer[] sortedById(ShardChanges c) {
      Integer[] order = new Integer[c.upserts()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(
          order,
          (a, b) -> {
            int m = Long.compare(c.upsertMsb(a), c.upsertMsb(b));
            return m != 0 ? m : Long.compare(c.upsertLsb(a), c.upsertLsb(b));
          });
      return order;
    }

    private Void upsert(Connection conn, ShardChanges c, Integer[] order) throws SQLException {
      java.sql.Timestamp now = new java.sql.Timestamp(System.currentTimeMillis());
      UUID integration = UUID.fromString(c.key().integrationId());
      try (PreparedStatement ps = conn.prepareStatement(UPSERT)) {
        int pending = 0;
        for (int i : order) {
          ps.setString(1, c.key().type().path());
          ps.setObject(2, integration);
          ps.setObject(3, new UUID(c.upsertMsb(i), c.upsertLsb(i)));
          ps.setBytes(4, c.upsertHash(i));
          ps.setString(5, new String(c.upsertJson(i), java.nio.charset.StandardCharsets.UTF_8));
          ps.setTimestamp(6, now);
          ps.addBatch();
          if (++pending == batchSize) {
            ps.executeBatch();
            pending = 0;
          }
        }
        if (pending > 0) {
          ps.executeBatch();
        }
      }
      return null;
    }
  }

  /**
   * Waits, in state, for every shard of one (run, integration, type), then decides on the type's
   * deletes as a whole: held when the wave is suspicious, skipped when any shard failed, else
   * applied. Keyed by (integration, type), so its state is bounded however many runs pass; shards
   * of an older run than the one buffered are dropped, and a newer run's first shard discards what
   * an abandoned older run left behind.
   */
  static final class GuardDeletesFn extends DoFn<KV<String, ShardChanges>, KV<String, RunEvent>> {
    private static final int HELD_SAMPLE = 20;

    @StateId("shards")
    private final StateSpec<BagState<ShardChanges>> shardsSpec =
        StateSpecs.bag(ShardChanges.Coder.of());

    @StateId("seen")
    private final StateSpec<ValueState<Integer>> seenSpec = StateSpecs.value();

    /** The run whose shards are buffered. */
    @StateId("run")
    private final StateSpec<ValueState<SyncJob>> runSpec = StateSpecs.value(SyncJob.Coder.of());

    private final DeleteStore store;
    private final DeletePolicy policy;

    GuardDeletesFn(JdbcConfig jdbc, int batchSize, DeletePolicy policy) {
      this(new JdbcDeleteStore(jdbc, batchSize, policy.mode()), policy);
    }

    GuardDeletesFn(DeleteStore store, DeletePolicy policy) {
      this.store = store;
      this.policy = policy;
    }

    @Setup
    public void setup() {
      store.setup();
    }

    @ProcessElement
    public void process(
        @Element KV<String, ShardChanges> element,
        @StateId("shards") BagState<ShardChanges> shards,
        @StateId("seen") ValueState<Integer> seen,
        @StateId("run") ValueState<SyncJob> run,
        OutputReceiver<KV<String, RunEvent>> out) {
      ShardChanges c = element.getValue();
      SyncJob buffered = run.read();
      if (buffered != null && !buffered.runId().equals(c.job().runId())) {
        if (c.job().isOlderThan(buffered)) {
          SyncMetrics.STALE_RUN_EVENTS.inc();
          return;
        }
        SyncMetrics.STALE_RUN_EVENTS.inc();
        shards.clear();
        seen.clear();
      }
      Integer before =
          buffered != null && buffered.runId().equals(c.job().runId()) ? seen.read() : null;
      int count = (before == null ? 0 : before) + 1;
      if (count < c.key().shardCount()) {
        shards.add(c);
        seen.write(count);
        run.write(c.job());
        return;
      }
      List<ShardChanges> all = new ArrayList<>();
      if (count > 1) {
        shards.read().forEach(all::add);
      }
      all.add(c);
      shards.clear();
      seen.clear();
      run.clear();
      SyncJob job = c.job();
      out.output(
          KV.of(job.runKey(), RunEvent.type(job, decide(job, c.key().type(), all, policy, store))));
      SyncMetrics.TYPES_COMPLETED.inc();
    }

    /**
     * The guard's decision for one type from all of its shards: FAILED (no deletes) when a shard
     * failed, HELD when the delete wave is suspicious under the integration's policy and not
     * approved, else the deletes are applied.
     */
    static TypeOutcome decide(
        SyncJob job,
        EntityType type,
        List<ShardChanges> all,
        DeletePolicy policy,
        DeleteStore store) {
      long stored = 0, created = 0, updated = 0, unchanged = 0, deletes = 0;
      List<String> errors = new ArrayList<>();
      for (ShardChanges s : all) {
        stored += s.stored();
        unchanged += s.unchanged();
        deletes += s.deletes();
        // Counts are rows actually written: a failed shard reports what it wrote before failing.
        created += s.created();
        updated += s.updated();
        if (s.error() != null) {
          errors.add(s.error());
        }
      }
      FetchSummary fetch = all.get(0).fetch();
      TypeOutcome.Builder outcome =
          TypeOutcome.of(type, fetch)
              .stored(stored)
              .created(created)
              .updated(updated)
              .unchanged(unchanged);
      if (!errors.isEmpty()) {
        return outcome.failed(
            errors.size() + " shard(s) failed to write, no deletes applied: " + errors.get(0));
      }
      DeletePolicy effective = deletes == 0 ? policy : store.policyFor(job.integrationId(), policy);
      if (effective.holds(deletes, stored, job.approveDeletes())) {
        SyncMetrics.DELETES_HELD.inc(deletes);
        List<String> sample = new ArrayList<>();
        for (ShardChanges s : all) {
          for (int i = 0; i < s.deletes() && sample.size() < HELD_SAMPLE; i++) {
            sample.add(new UUID(s.deleteMsb(i), s.deleteLsb(i)).toString());
          }
        }
        return outcome.held(
            deletes,
            sample,
            String.format(
                "held %d deletes of %d stored rows (over %.0f%%); approve to apply",
                deletes, stored, effective.maxDeleteFraction() * 100));
      }
      try {
        long deleted = deletes == 0 ? 0 : store.applyDeletes(job, type, all);
        SyncMetrics.DELETED.inc(deleted);
        return outcome.deleted(deleted).ok();
      } catch (SQLException e) {
        return outcome.failed(WriteUpsertsFn.failure("deleting", e));
      }
    }
  }

  /**
   * The database side of the delete guard: the per-integration settings and the deletes themselves.
   */
  interface DeleteStore extends java.io.Serializable {
    /** Called from the guard's {@code @Setup}. */
    default void setup() {}

    /** The guard for one integration: its settings override {@code defaults}. */
    DeletePolicy policyFor(String integrationId, DeletePolicy defaults);

    /**
     * Deletes (or soft-deletes) every id the shards list, in one transaction; returns the rows
     * affected.
     */
    long applyDeletes(SyncJob job, EntityType type, List<ShardChanges> all) throws SQLException;
  }

  /** {@link DeleteStore} on {@code integration_settings} and {@code roster_entities}. */
  static final class JdbcDeleteStore implements DeleteStore {
    private final JdbcConfig jdbc;
    private final int batchSize;
    private final DeletePolicy.Mode mode;
    private transient DataSource ds;

    JdbcDeleteStore(JdbcConfig jdbc, int batchSize, DeletePolicy.Mode mode) {
      this.jdbc = jdbc;
      this.batchSize = batchSize;
      this.mode = mode;
    }

    @Override
    public void setup() {
      ds = PooledDataSources.get(jdbc);
    }

    /** Its row in {@code integration_settings} overrides the defaults. */
    @Override
    public DeletePolicy policyFor(String integrationId, DeletePolicy policy) {
      try {
        return Database.inTransaction(
            ds,
            conn -> {
              try (PreparedStatement ps =
                  conn.prepareStatement(
                      "SELECT max_delete_fraction, delete_guard_min_rows"
                          + " FROM integration_settings WHERE integration_id = ?")) {
                ps.setObject(1, UUID.fromString(integrationId));
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                  if (!rs.next()) {
                    return policy;
                  }
                  double fraction = rs.getDouble(1);
                  double f = rs.wasNull() ? policy.maxDeleteFraction() : fraction;
                  int minRows = rs.getInt(2);
                  int m = rs.wasNull() ? policy.minRowsGuarded() : minRows;
                  return new DeletePolicy(policy.mode(), f, m);
                }
              }
            });
      } catch (SQLException e) {
        // Cannot read the override: the stricter of the two is unknown, so hold when in doubt.
        return new DeletePolicy(policy.mode(), 0, 0);
      }
    }

    @Override
    public long applyDeletes(SyncJob job, EntityType type, List<ShardChanges> all)
        throws SQLException {
      return Database.inTransaction(ds, conn -> applyDeletes(conn, job, type, all));
    }

    private long applyDeletes(Connection conn, SyncJob job, EntityType type, List<ShardChanges> all)
        throws SQLException {
      UUID integration = UUID.fromString(job.integrationId());
      boolean soft = mode == DeletePolicy.Mode.SOFT;
      java.sql.Timestamp now = new java.sql.Timestamp(System.currentTimeMillis());
      long affected = 0;
      List<UUID> chunk = new ArrayList<>(batchSize);
      try (PreparedStatement ps = conn.prepareStatement(soft ? SOFT_DELETE : HARD_DELETE)) {
        for (ShardChanges s : all) {
          for (int i = 0; i < s.deletes(); i++) {
            chunk.add(new UUID(s.deleteMsb(i), s.deleteLsb(i)));
            if (chunk.size() == batchSize) {
              affected += deleteChunk(conn, ps, soft, now, type, integration, chunk);
              chunk.clear();
            }
          }
        }
        if (!chunk.isEmpty()) {
          affected += deleteChunk(conn, ps, soft, now, type, integration, chunk);
        }
      }
      return affected;
    }

    private static int deleteChunk(
        Connection conn,
        PreparedStatement ps,
        boolean soft,
        java.sql.Timestamp now,
        EntityType type,
        UUID integration,
        List<UUID> ids)
        throws SQLException {
      int p = 1;
      if (soft) {
        ps.setTimestamp(p++, now);
      }
      ps.setString(p++, type.path());
      ps.setObject(p++, integration);
      ps.setArray(p, conn.createArrayOf("uuid", ids.toArray()));
      return ps.executeUpdate();
    }
  }
}
