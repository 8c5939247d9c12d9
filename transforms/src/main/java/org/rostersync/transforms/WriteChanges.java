package org.rostersync.transforms;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SimpleFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.rostersync.edlink.EntityType;

/**
 * Writes the three PCollections of the classification: each batch of creates and of updates in its
 * own idempotent transaction as soon as it is classified; then, keyed by (integration, type), the
 * delete guard waits for every shard's deletes and a receipt of every written batch, decides for
 * the whole type and applies its deletes in batches (or holds them). Emits one {@link RunEvent} per
 * type, keyed by run.
 *
 * <p>Why not {@code JdbcIO.write()}: a failing batch there fails the bundle (the DirectRunner stops
 * the pipeline, Dataflow retries it for ever), a row PostgreSQL refuses cannot be set aside, and
 * its results name no type; each rule here needs one of those (see {@code JdbcIoWriteLimitsTest}).
 * The writers keep JdbcIO's shape instead: a pooled DataSource per worker, batched statements,
 * retries of transient errors with backoff.
 *
 * <p>Updates are {@code INSERT ... ON CONFLICT DO UPDATE SET col = EXCLUDED.col}, which pgjdbc's
 * {@code reWriteBatchedInserts} turns into multi-row inserts; creates go by binary COPY ({@link
 * CopyRows}), and by that upsert if COPY refuses them. Replays converge to the same rows.
 */
public final class WriteChanges
    extends PTransform<PCollectionTuple, PCollection<KV<String, RunEvent>>> {
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
    if (jdbc != null) {
      builder.add(
          DisplayData.item("writeRowsInFlight", jdbc.writeRowsInFlight())
              .withLabel("Rows written at once per worker (-1: per core, 0: no bound)"));
    }
    deletes.addTo(builder);
  }

  /** The output of {@link ClassifyChanges}: its creates, updates and deletes. */
  @Override
  public PCollection<KV<String, RunEvent>> expand(PCollectionTuple changes) {
    if (jdbc == null) {
      throw new IllegalStateException("WriteChanges needs a JdbcConfig");
    }
    KvCoder<String, TypeProgress> progressCoder =
        KvCoder.of(StringUtf8Coder.of(), TypeProgress.Coder.of());
    PCollection<KV<String, TypeProgress>> created =
        changes
            .get(ClassifyChanges.CREATES)
            .apply("WriteCreates", ParDo.of(new WriteRowsFn(jdbc, batchSize)))
            .setCoder(progressCoder);
    PCollection<KV<String, TypeProgress>> updated =
        changes
            .get(ClassifyChanges.UPDATES)
            .apply("WriteUpdates", ParDo.of(new WriteRowsFn(jdbc, batchSize)))
            .setCoder(progressCoder);
    PCollection<KV<String, TypeProgress>> shards =
        changes
            .get(ClassifyChanges.DELETES)
            .apply("DeletesByType", MapElements.via(new ShardByType()))
            .setCoder(progressCoder);
    return PCollectionList.of(shards)
        .and(created)
        .and(updated)
        .apply("TypeProgress", Flatten.pCollections())
        .apply("GuardAndApplyDeletes", ParDo.of(new GuardDeletesFn(jdbc, batchSize, deletes)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), RunEvent.Coder.of()));
  }

  private static final class ShardByType
      extends SimpleFunction<ShardChanges, KV<String, TypeProgress>> {
    @Override
    public KV<String, TypeProgress> apply(ShardChanges c) {
      return KV.of(c.key().typeKey(), TypeProgress.of(c));
    }
  }

  /**
   * Upserts one batch in id order (no lock-order deadlocks), in one transaction, and sends the
   * receipt to its type's guard.
   */
  static final class WriteRowsFn extends DoFn<RowBatch, KV<String, TypeProgress>> {
    private final JdbcConfig jdbc;
    private final int batchSize;
    private transient DataSource ds;
    private transient WriteBudget budget;

    WriteRowsFn(JdbcConfig jdbc, int batchSize) {
      this.jdbc = jdbc;
      this.batchSize = batchSize;
    }

    @Setup
    public void setup() {
      ds = PooledDataSources.get(jdbc);
      budget = jdbc.writeBudget();
    }

    @ProcessElement
    public void process(@Element RowBatch rows, OutputReceiver<KV<String, TypeProgress>> out) {
      out.output(KV.of(rows.key().typeKey(), TypeProgress.of(write(rows))));
    }

    /**
     * Writes the batch once its rows fit in the worker's write budget; the receipt says how many
     * rows were written, or why it failed.
     */
    BatchWritten write(RowBatch rows) {
      WriteBudget.Taken taken;
      try {
        taken = budget.take(rows.size());
      } catch (InterruptedException e) {
        // The worker is shutting down: the batch fails, so its type deletes nothing.
        Thread.currentThread().interrupt();
        return receipt(
            rows, 0, "writing " + rows.key() + " failed: interrupted while waiting to write");
      }
      try (taken) {
        SyncMetrics.WRITE_BUDGET_WAIT_MS.inc(TimeUnit.NANOSECONDS.toMillis(taken.waitedNanos()));
        return writeNow(rows);
      }
    }

    private BatchWritten writeNow(RowBatch rows) {
      Integer[] all = sortedById(rows);
      try {
        if (rows.creates()) {
          createAll(rows, all);
        } else {
          Database.inTransaction(ds, conn -> upsert(conn, rows, all));
        }
        count(rows.creates(), rows.size());
        return receipt(rows, rows.size(), null);
      } catch (SQLException e) {
        if (Database.isRowLevel(e)) {
          return isolateBadRows(rows, all);
        }
        // Transient retries ran out, or an error no single row causes (permissions, a time-out,
        // a read-only server, a missing partition): the batch fails, so its type deletes nothing.
        return receipt(rows, 0, failure("writing " + rows.key(), e));
      }
    }

    /**
     * New rows go by COPY. If one of them exists already (a replayed batch, a soft-deleted row
     * coming back) or is refused, the COPY rolls back whole and the batch is upserted, as updates
     * are.
     */
    private void createAll(RowBatch rows, Integer[] all) throws SQLException {
      try {
        Database.inTransaction(ds, conn -> copy(conn, rows, all));
      } catch (SQLException e) {
        if (!Database.isRowLevel(e)) {
          throw e;
        }
        SyncMetrics.COPIES_UPSERTED.inc();
        Database.inTransaction(ds, conn -> upsert(conn, rows, all));
      }
    }

    private static BatchWritten receipt(RowBatch rows, int written, String error) {
      return new BatchWritten(rows.job(), rows.key(), rows.creates(), written, error);
    }

    private static void count(boolean creates, int n) {
      (creates ? SyncMetrics.CREATED : SyncMetrics.UPDATED).inc(n);
    }

    static String failure(String what, SQLException e) {
      return what
          + " failed: SQLState "
          + Database.sqlState(e)
          + ": "
          + SafeText.clean(e.getMessage(), 300);
    }

    /**
     * An error that belongs to one row (bad data) must not stall the batch: write row by row, send
     * the rows that fail to {@code dead_letter_records}, keep the rest. Any other error on the way
     * fails the whole batch.
     */
    private BatchWritten isolateBadRows(RowBatch rows, Integer[] all) {
      List<RejectedRecord> bad = new ArrayList<>();
      int written = 0;
      for (int i : all) {
        try {
          Database.inTransaction(ds, conn -> upsert(conn, rows, new Integer[] {i}));
          written++;
          count(rows.creates(), 1);
        } catch (SQLException e) {
          if (!Database.isRowLevel(e)) {
            return receipt(rows, written, failure("writing " + rows.key(), e));
          }
          bad.add(
              new RejectedRecord(
                  rows.job().runId(),
                  rows.key().integrationId(),
                  rows.key().type(),
                  new UUID(rows.rows().msb[i], rows.rows().lsb[i]).toString(),
                  "PostgreSQL refused the row (SQLState "
                      + Database.sqlState(e)
                      + "): "
                      + e.getMessage(),
                  RejectedRecord.excerpt(rows.rows().json(i))));
        }
      }
      try {
        WriteDeadLetterRecords.insert(ds, bad);
      } catch (SQLException e) {
        return receipt(rows, written, failure("writing dead letters of " + rows.key(), e));
      }
      SyncMetrics.RECORDS_REJECTED.inc(bad.size());
      return receipt(rows, written, null);
    }

    private static Integer[] sortedById(RowBatch batch) {
      IdRows rows = batch.rows();
      Integer[] order = new Integer[rows.size];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(
          order,
          (a, b) -> {
            int m = Long.compare(rows.msb[a], rows.msb[b]);
            return m != 0 ? m : Long.compare(rows.lsb[a], rows.lsb[b]);
          });
      return order;
    }

    private static boolean ascending(Integer[] order) {
      for (int i = 0; i < order.length; i++) {
        if (order[i] != i) {
          return false;
        }
      }
      return true;
    }

    private static Void copy(Connection conn, RowBatch batch, Integer[] order) throws SQLException {
      IdRows rows = batch.rows();
      IdRows.JsonReader json = jsonFor(rows, order);
      try (CopyRows copy =
          CopyRows.start(
              conn,
              batch.key().type().path(),
              UUID.fromString(batch.key().integrationId()),
              System.currentTimeMillis())) {
        for (int i : order) {
          copy.add(rows.msb[i], rows.lsb[i], rows.hash(i), json.json(i));
        }
        copy.finish();
      }
      return null;
    }

    /**
     * Packed JSON is decompressed a frame at a time when read in row order. A sorted shard's rows
     * are in id order already; others (a type sharded while paged keeps its buckets' order) are
     * read once in row order first, or each row would decompress a whole frame.
     */
    private static IdRows.JsonReader jsonFor(IdRows rows, Integer[] order) {
      IdRows.JsonReader json = rows.reader();
      if (ascending(order)) {
        return json;
      }
      byte[][] all = new byte[rows.size][];
      for (int i = 0; i < all.length; i++) {
        all[i] = json.json(i);
      }
      return i -> all[i];
    }

    private Void upsert(Connection conn, RowBatch batch, Integer[] order) throws SQLException {
      java.sql.Timestamp now = new java.sql.Timestamp(System.currentTimeMillis());
      UUID integration = UUID.fromString(batch.key().integrationId());
      IdRows rows = batch.rows();
      IdRows.JsonReader json = jsonFor(rows, order);
      try (PreparedStatement ps = conn.prepareStatement(UPSERT)) {
        int pending = 0;
        for (int i : order) {
          ps.setString(1, batch.key().type().path());
          ps.setObject(2, integration);
          ps.setObject(3, new UUID(rows.msb[i], rows.lsb[i]));
          ps.setBytes(4, rows.hash(i));
          ps.setString(
              5,
              new String(
                  JsonbKeyOrder.reordered(json.json(i)), java.nio.charset.StandardCharsets.UTF_8));
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
   * Waits, in state, for every shard of one (run, integration, type) and a receipt of every batch
   * those shards sent to be written, then decides on the type's deletes as a whole: held when the
   * wave is suspicious, skipped when anything failed, else applied. Keyed by (integration, type),
   * so its state is bounded however many runs pass; inputs of an older run than the one buffered
   * are dropped, and a newer run's first input discards what an abandoned older run left behind. A
   * type of one shard with nothing to write (most small types) is decided without touching state.
   */
  static final class GuardDeletesFn extends DoFn<KV<String, TypeProgress>, KV<String, RunEvent>> {
    private static final int HELD_SAMPLE = 20;

    @StateId("shards")
    private final StateSpec<BagState<ShardChanges>> shardsSpec =
        StateSpecs.bag(ShardChanges.Coder.of());

    @StateId("receipts")
    private final StateSpec<BagState<BatchWritten>> receiptsSpec =
        StateSpecs.bag(BatchWritten.Coder.of());

    /** Shards seen, batches those shards sent to be written, receipts seen. */
    @StateId("counts")
    private final StateSpec<ValueState<List<Integer>>> countsSpec =
        StateSpecs.value(ListCoder.of(VarIntCoder.of()));

    /** The run whose inputs are buffered. */
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
        @Element KV<String, TypeProgress> element,
        @StateId("shards") BagState<ShardChanges> shards,
        @StateId("receipts") BagState<BatchWritten> receipts,
        @StateId("counts") ValueState<List<Integer>> counts,
        @StateId("run") ValueState<SyncJob> run,
        OutputReceiver<KV<String, RunEvent>> out) {
      TypeProgress p = element.getValue();
      SyncJob job = p.job();
      SyncJob buffered = run.read();
      if (buffered != null && !buffered.runId().equals(job.runId())) {
        SyncMetrics.STALE_RUN_EVENTS.inc();
        if (job.isOlderThan(buffered)) {
          return;
        }
        shards.clear();
        receipts.clear();
        counts.clear();
        buffered = null;
      }
      ShardChanges shard = p.shard();
      if (buffered == null
          && shard != null
          && shard.key().shardCount() == 1
          && shard.rowBatches() == 0) {
        emit(out, job, List.of(shard), List.of());
        return;
      }
      List<Integer> before = buffered == null ? null : counts.read();
      int shardsSeen = before == null ? 0 : before.get(0);
      int batchesExpected = before == null ? 0 : before.get(1);
      int receiptsSeen = before == null ? 0 : before.get(2);
      if (shard != null) {
        shardsSeen++;
        batchesExpected += shard.rowBatches();
      } else {
        receiptsSeen++;
      }
      if (shardsSeen < p.key().shardCount() || receiptsSeen < batchesExpected) {
        if (shard != null) {
          shards.add(shard);
        } else {
          receipts.add(p.written());
        }
        counts.write(List.of(shardsSeen, batchesExpected, receiptsSeen));
        run.write(job);
        return;
      }
      List<ShardChanges> allShards = new ArrayList<>();
      shards.read().forEach(allShards::add);
      List<BatchWritten> allReceipts = new ArrayList<>();
      receipts.read().forEach(allReceipts::add);
      if (shard != null) {
        allShards.add(shard);
      } else {
        allReceipts.add(p.written());
      }
      shards.clear();
      receipts.clear();
      counts.clear();
      run.clear();
      emit(out, job, allShards, allReceipts);
    }

    private void emit(
        OutputReceiver<KV<String, RunEvent>> out,
        SyncJob job,
        List<ShardChanges> shards,
        List<BatchWritten> receipts) {
      EntityType type = shards.get(0).key().type();
      TypeOutcome outcome = decide(job, type, shards, receipts, policy, store);
      out.output(KV.of(job.runKey(), RunEvent.type(job, outcome)));
      SyncMetrics.TYPES_COMPLETED.inc();
    }

    /**
     * The guard's decision for one type from all of its shards and the receipts of their batches:
     * FAILED (no deletes) when a shard or a batch failed, HELD when the delete wave is suspicious
     * under the integration's policy and not approved, else the deletes are applied.
     */
    static TypeOutcome decide(
        SyncJob job,
        EntityType type,
        List<ShardChanges> all,
        List<BatchWritten> receipts,
        DeletePolicy policy,
        DeleteStore store) {
      long stored = 0, created = 0, updated = 0, unchanged = 0, deletes = 0;
      List<String> errors = new ArrayList<>();
      for (ShardChanges s : all) {
        stored += s.stored();
        unchanged += s.unchanged();
        deletes += s.deletes();
        if (s.error() != null) {
          errors.add(s.error());
        }
      }
      for (BatchWritten w : receipts) {
        // Counts are rows actually written: a failed batch reports what it wrote before failing.
        if (w.creates()) {
          created += w.written();
        } else {
          updated += w.written();
        }
        if (w.error() != null) {
          errors.add(w.error());
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
            errors.size() + " write(s) failed, no deletes applied: " + errors.get(0));
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
        return outcome.failed(WriteRowsFn.failure("deleting", e));
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
