package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.UUID;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.edlink.EntityType;
import org.rostersync.testing.TestDatabase;

/**
 * A value PostgreSQL refuses sends that one row to dead_letter_records; the rest of the shard is
 * written.
 */
class WriteChangesTest {
  @RegisterExtension static final TestDatabase.PerClass DB = TestDatabase.perClass();

  /**
   * A type sharded while paged keeps its buckets' row order, and a batch is written in id order:
   * each frame must still be decompressed once, not once per row (the large university's cold sync
   * took 73 s instead of about 60 while it was).
   */
  @Test
  void aBatchNotInIdOrderDecompressesEachFrameOnce() throws Exception {
    String integration = UUID.randomUUID().toString();
    SyncJob job =
        new SyncJob(
            "run-o", integration, List.of(EntityType.PEOPLE), SyncJob.Mode.FULL, null, false, 0);
    PagedShards paged = new PagedShards(PagedShards.FIRST_BUCKETS);
    java.util.Map<UUID, String> source = new java.util.HashMap<>();
    for (int i = 0; i < 1_000; i++) {
      UUID id = UUID.randomUUID();
      String json = "{\"id\":\"" + id + "\",\"n\":" + i + "}";
      source.put(id, json);
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      paged.add(
          id.getMostSignificantBits(),
          id.getLeastSignificantBits(),
          org.rostersync.hash.CanonicalHash.sha256(bytes),
          bytes);
    }
    FetchSummary fetch = new FetchSummary(1_000, 1, 0, 1, 0);
    RemoteShard shard = paged.shards(job, fetch, 1)[0];
    ShardKey key = new ShardKey("run-o", integration, EntityType.PEOPLE, 0, 1);
    ClassifyChanges.Diff diff =
        ClassifyChanges.classify(
            key,
            shard,
            new StoredShard(0, new long[0], new long[0], new byte[0][]),
            new ClassifyChanges.WriteLimits(
                SyncDefaults.ROWS_PER_WRITE, SyncDefaults.BYTES_PER_WRITE));
    RowBatch batch = diff.creates().get(0);
    assertThat(batch.size(), is(1_000));
    boolean inIdOrder = true;
    for (int i = 1; i < batch.size(); i++) {
      UUID a = new UUID(batch.rows().msb[i - 1], batch.rows().lsb[i - 1]);
      UUID b = new UUID(batch.rows().msb[i], batch.rows().lsb[i]);
      inIdOrder &= Long.compare(a.getMostSignificantBits(), b.getMostSignificantBits()) <= 0;
    }
    assertThat("the batch keeps the buckets' order", inIdOrder, is(false));
    int frames = (batch.size() + PackedJson.FRAME - 1) / PackedJson.FRAME;

    WriteChanges.WriteRowsFn writer = writer();
    long before = PackedJson.FRAMES_DECOMPRESSED.sum();
    BatchWritten receipt = writer.write(batch);
    long decompressed = PackedJson.FRAMES_DECOMPRESSED.sum() - before;
    assertThat(receipt.error(), equalTo(null));
    assertThat(receipt.written(), is(1_000));
    assertThat("each frame once", decompressed, is((long) frames));
    try (Connection c = DriverManager.getConnection(DB.get().jdbcUrl(), "postgres", "postgres");
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT id::text, data::text FROM roster_entities WHERE integration_id = '"
                        + integration
                        + "'")) {
      int rows = 0;
      while (rs.next()) {
        UUID id = UUID.fromString(rs.getString(1));
        assertThat(
            com.google.gson.JsonParser.parseString(rs.getString(2)),
            equalTo(com.google.gson.JsonParser.parseString(source.get(id))));
        rows++;
      }
      assertThat(rows, is(1_000));
    }
  }

  /**
   * New rows go by binary COPY; a row must come out as the upsert would leave it: its JSON
   * (escapes, accents, characters beyond the BMP), its hash, synced_at now and deleted_at NULL.
   */
  /** Writes a batch with the step's counters going to {@code metrics}, as a runner's would. */
  private static BatchWritten written(
      WriteChanges.WriteRowsFn writer, RowBatch batch, MetricsContainerImpl metrics)
      throws Exception {
    try (java.io.Closeable scope = MetricsEnvironment.scopedMetricsContainer(metrics)) {
      return writer.write(batch);
    }
  }

  private static long copiesUpserted(MetricsContainerImpl metrics) {
    return metrics
        .getCounter(MetricName.named(SyncMetrics.NAMESPACE, "copies_upserted"))
        .getCumulative();
  }

  @Test
  void newRowsAreCopiedAsTheUpsertWouldWriteThem() throws Exception {
    String integration = UUID.randomUUID().toString();
    java.util.Map<UUID, String> source = new java.util.HashMap<>();
    RowBatch batch = newPeople(integration, 300, source);
    WriteChanges.WriteRowsFn writer = writer();
    MetricsContainerImpl metrics = new MetricsContainerImpl("write");
    long before = System.currentTimeMillis();
    BatchWritten receipt = written(writer, batch, metrics);
    long after = System.currentTimeMillis();
    assertThat(receipt.error(), equalTo(null));
    assertThat(receipt.written(), is(300));
    assertThat("written by COPY", copiesUpserted(metrics), is(0L));
    try (Connection c = DriverManager.getConnection(DB.get().jdbcUrl(), "postgres", "postgres");
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT entity_type, id::text, data::text, hash, synced_at, deleted_at"
                        + " FROM roster_entities WHERE integration_id = '"
                        + integration
                        + "'")) {
      int rows = 0;
      while (rs.next()) {
        UUID id = UUID.fromString(rs.getString(2));
        String json = source.get(id);
        assertThat(rs.getString(1), equalTo("people"));
        assertThat(
            com.google.gson.JsonParser.parseString(rs.getString(3)),
            equalTo(com.google.gson.JsonParser.parseString(json)));
        assertThat(
            rs.getBytes(4),
            equalTo(
                org.rostersync.hash.CanonicalHash.sha256(json.getBytes(StandardCharsets.UTF_8))));
        long synced = rs.getTimestamp(5).getTime();
        assertThat(synced >= before && synced <= after, is(true));
        assertThat(rs.getTimestamp(6), equalTo(null));
        rows++;
      }
      assertThat(rows, is(300));
    }
  }

  /**
   * A batch of new rows written again (a bundle replayed after its commit), with one of its rows
   * soft-deleted meanwhile: COPY refuses the existing rows, the batch is upserted instead, nothing
   * fails and the soft-deleted row is back.
   */
  @Test
  void newRowsThatExistAlreadyAreUpsertedWhenCopyRefusesThem() throws Exception {
    String integration = UUID.randomUUID().toString();
    java.util.Map<UUID, String> source = new java.util.HashMap<>();
    RowBatch batch = newPeople(integration, 50, source);
    WriteChanges.WriteRowsFn writer = writer();
    assertThat(writer.write(batch).written(), is(50));
    try (Connection c = DriverManager.getConnection(DB.get().jdbcUrl(), "postgres", "postgres")) {
      c.createStatement()
          .executeUpdate(
              "UPDATE roster_entities SET deleted_at = now() WHERE integration_id = '"
                  + integration
                  + "' AND id = '"
                  + source.keySet().iterator().next()
                  + "'");
      MetricsContainerImpl metrics = new MetricsContainerImpl("write");
      BatchWritten again = written(writer, batch, metrics);
      assertThat(again.error(), equalTo(null));
      assertThat(again.written(), is(50));
      assertThat("COPY refused, then upserted", copiesUpserted(metrics), is(1L));
      try (ResultSet rs =
          c.createStatement()
              .executeQuery(
                  "SELECT count(*), count(deleted_at) FROM roster_entities WHERE integration_id = '"
                      + integration
                      + "'")) {
        rs.next();
        assertThat(rs.getInt(1), is(50));
        assertThat("the soft-deleted row is back", rs.getInt(2), is(0));
      }
    }
  }

  /**
   * A batch waits for its rows of the worker's write budget: while they are held, nothing of it is
   * written; once they are given back it writes every row. Interrupted while it waits (the worker
   * shutting down), its batch fails, so its type deletes nothing, and it writes nothing.
   */
  @Test
  void aBatchWaitsForItsRowsOfTheWriteBudget() throws Exception {
    int bound = 4_321; // a budget of its own: budgets are shared per bound in a JVM
    WriteChanges.WriteRowsFn writer =
        new WriteChanges.WriteRowsFn(DB.get().config().withWriteRowsInFlight(bound), 500);
    writer.setup();
    WriteBudget budget = WriteBudget.shared(bound);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      String integration = UUID.randomUUID().toString();
      RowBatch batch = newPeople(integration, 50, new java.util.HashMap<>());
      WriteBudget.Taken held = budget.take(bound);
      java.util.concurrent.Future<BatchWritten> written = pool.submit(() -> writer.write(batch));
      Thread.sleep(300);
      assertThat("it waits while the budget is held", written.isDone(), is(false));
      assertThat(rowsOf(integration), is(0));
      held.close();
      BatchWritten receipt = written.get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(receipt.error(), is((String) null));
      assertThat(receipt.written(), is(50));
      assertThat(rowsOf(integration), is(50));
      assertThat("its rows were given back", budget.available(), is(bound));

      String other = UUID.randomUUID().toString();
      RowBatch second = newPeople(other, 50, new java.util.HashMap<>());
      WriteBudget.Taken again = budget.take(bound);
      BatchWritten[] interrupted = new BatchWritten[1];
      Thread t = new Thread(() -> interrupted[0] = writer.write(second));
      t.start();
      while (t.getState() != Thread.State.WAITING) {
        Thread.sleep(10);
      }
      t.interrupt();
      t.join(30_000);
      assertThat(interrupted[0].written(), is(0));
      assertThat(interrupted[0].error(), containsString("interrupted while waiting to write"));
      assertThat(rowsOf(other), is(0));
      again.close();
      assertThat(budget.available(), is(bound));
    } finally {
      pool.shutdownNow();
    }
  }

  private static int rowsOf(String integration) throws Exception {
    try (Connection c = DriverManager.getConnection(DB.get().jdbcUrl(), "postgres", "postgres");
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT count(*) FROM roster_entities WHERE integration_id = '"
                        + integration
                        + "'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** A batch writer set up as on a worker, with statements of 500 rows. */
  private static WriteChanges.WriteRowsFn writer() {
    WriteChanges.WriteRowsFn writer = new WriteChanges.WriteRowsFn(DB.get().config(), 500);
    writer.setup();
    return writer;
  }

  /** One shard of new people, classified against no stored rows, as one batch of creates. */
  private static RowBatch newPeople(String integration, int n, java.util.Map<UUID, String> source) {
    SyncJob job =
        new SyncJob(
            "run-c", integration, List.of(EntityType.PEOPLE), SyncJob.Mode.FULL, null, false, 0);
    RemoteShard remote = new RemoteShard(job, new FetchSummary(n, 1, 0, 1, 0), n);
    for (int i = 0; i < n; i++) {
      UUID id = UUID.randomUUID();
      String json =
          "{\"first_name\":\"Zo\u00eb \ud83d\ude00\",\"id\":\""
              + id
              + "\",\"note\":\"a \\\"quote\\\" and a\\nline\",\"n\":"
              + i
              + "}";
      source.put(id, json);
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      remote.add(
          id.getMostSignificantBits(),
          id.getLeastSignificantBits(),
          org.rostersync.hash.CanonicalHash.sha256(bytes),
          bytes);
    }
    ClassifyChanges.Diff diff =
        ClassifyChanges.classify(
            new ShardKey("run-c", integration, EntityType.PEOPLE, 0, 1),
            remote,
            new StoredShard(0, new long[0], new long[0], new byte[0][]),
            new ClassifyChanges.WriteLimits(
                SyncDefaults.ROWS_PER_WRITE, SyncDefaults.BYTES_PER_WRITE));
    assertThat(diff.creates().size(), is(1));
    return diff.creates().get(0);
  }

  @Test
  void aRowPostgresRefusesIsDeadLetteredAndTheOthersAreWritten() throws Exception {
    String integration = UUID.randomUUID().toString();
    SyncJob job =
        new SyncJob(
            "run-w", integration, List.of(EntityType.PEOPLE), SyncJob.Mode.FULL, null, false, 0);
    ShardKey key = new ShardKey("run-w", integration, EntityType.PEOPLE, 0, 1);
    UUID good = UUID.randomUUID();
    UUID bad = UUID.randomUUID();
    RemoteShard remote = new RemoteShard(job, new FetchSummary(2, 1, 0, 1, 0), 2);
    remote.add(
        good.getMostSignificantBits(),
        good.getLeastSignificantBits(),
        new byte[32],
        ("{\"id\":\"" + good + "\",\"first_name\":\"Ana\"}").getBytes(StandardCharsets.UTF_8));
    // Valid JSON, but beyond what PostgreSQL's numeric (and so jsonb) can hold.
    remote.add(
        bad.getMostSignificantBits(),
        bad.getLeastSignificantBits(),
        new byte[32],
        ("{\"id\":\"" + bad + "\",\"gpa\":1e900000}").getBytes(StandardCharsets.UTF_8));
    ClassifyChanges.Diff diff =
        ClassifyChanges.classify(
            key,
            remote,
            new StoredShard(0, new long[0], new long[0], new byte[0][]),
            new ClassifyChanges.WriteLimits(
                SyncDefaults.ROWS_PER_WRITE, SyncDefaults.BYTES_PER_WRITE));

    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    Pipeline p = Pipeline.create(options);
    PCollection<KV<String, RunEvent>> out =
        PCollectionTuple.of(
                ClassifyChanges.CREATES,
                p.apply("Creates", Create.of(diff.creates()).withCoder(RowBatch.Coder.of())))
            .and(
                ClassifyChanges.UPDATES,
                p.apply("Updates", Create.of(diff.updates()).withCoder(RowBatch.Coder.of())))
            .and(
                ClassifyChanges.DELETES,
                p.apply("Deletes", Create.of(diff.shard()).withCoder(ShardChanges.Coder.of())))
            .apply(WriteChanges.to(DB.get().config()));
    PAssert.that(out)
        .satisfies(
            events -> {
              RunEvent e = events.iterator().next().getValue();
              assertThat(e.typeOutcome().status(), is(TypeOutcome.Status.OK));
              assertThat("rows actually written", e.typeOutcome().created(), is(1L));
              return null;
            });
    p.run().waitUntilFinish();

    try (Connection c = DriverManager.getConnection(DB.get().jdbcUrl(), "postgres", "postgres")) {
      try (ResultSet rs =
          c.createStatement()
              .executeQuery(
                  "SELECT id::text FROM roster_entities WHERE"
                      + " integration_id = '"
                      + integration
                      + "'")) {
        assertThat(rs.next(), is(true));
        assertThat(rs.getString(1), equalTo(good.toString()));
        assertThat(rs.next(), is(false));
      }
      try (ResultSet rs =
          c.createStatement()
              .executeQuery(
                  "SELECT record_id, reason FROM dead_letter_records"
                      + " WHERE integration_id = '"
                      + integration
                      + "'")) {
        assertThat(rs.next(), is(true));
        assertThat(rs.getString(1), equalTo(bad.toString()));
        assertThat(rs.getString(2), containsString("PostgreSQL refused the row"));
      }
    }
  }
}
