package org.rostersync.transforms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EdlinkException;
import org.rostersync.edlink.FetchStats;
import org.rostersync.edlink.Page;
import org.rostersync.edlink.PageHandler;
import org.rostersync.edlink.StopPaging;
import org.rostersync.hash.CanonicalHash;

/**
 * Pages one top-level Edlink endpoint per {@link TypeTask}, hashes each record canonically, and
 * only once the type was fetched completely emits one {@link RemoteShard} per shard (empty ones
 * too) plus a {@link TypeFetched} signal. A failed or cut-short fetch emits no shard and no signal,
 * only a failure: nothing downstream can then mistake missing records for deletes.
 *
 * <p>A type whose records outgrow {@link #withBytesPerElement} (a university's enrollments) is
 * spilled instead of held: its records go out in pieces by shard ({@code maxShards} of them) as
 * they are paged, the rest of the paging runs in {@link FetchRemainingPagesFn}, which checkpoints
 * after every stretch of pages, and {@link AssembleSpilledShardFn} hands the join one shard once
 * its end marker says every piece is there (or drops the pieces of a failed fetch). No element and
 * no output of one element then grows with the type, and the join still gets exactly one remote
 * element per shard.
 */
public final class FetchEntities extends PTransform<PCollection<TypeTask>, PCollectionTuple> {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(FetchEntities.class);
  public static final TupleTag<KV<ShardKey, RemoteShard>> REMOTE = new TupleTag<>() {};
  public static final TupleTag<TypeFetched> COMPLETE = new TupleTag<>() {};
  public static final TupleTag<KV<String, RunEvent>> FAILED = new TupleTag<>() {};
  public static final TupleTag<RejectedRecord> REJECTED = new TupleTag<>() {};

  /**
   * The stored side of each join group of a type with no stored rows, given by the fetch itself
   * (only where types are paged whole): such a type asks no stored-hash read, and its empty stored
   * side reaches the join before its remote shards, so they never wait there.
   */
  public static final TupleTag<KV<ShardKey, StoredShard>> STORED_KNOWN_EMPTY = new TupleTag<>() {};

  /** Pieces of the shards of spilled types, and their end markers, keyed without the run. */
  static final TupleTag<KV<ShardKey, SpilledPart>> SPILLED = new TupleTag<>() {};

  /** A spilled type's task and where its paging goes on. */
  static final TupleTag<KV<TypeTask, PagingPosition>> CONTINUE = new TupleTag<>() {};

  private static final TupleTag<TypeTask> PLANNED = new TupleTag<>() {};
  private static final TupleTag<TypeFetched> READ_AHEAD = new TupleTag<>() {};

  private final EdlinkConfig edlink;
  private final JdbcConfig jdbc;
  private final int recordsPerShard;
  private final int maxShards;
  private final long bytesPerElement;
  private final long packHereBelow;

  private FetchEntities(
      EdlinkConfig edlink,
      JdbcConfig jdbc,
      int recordsPerShard,
      int maxShards,
      long bytesPerElement,
      long packHereBelow) {
    this.edlink = edlink;
    this.jdbc = jdbc;
    this.recordsPerShard = recordsPerShard;
    this.maxShards = maxShards;
    this.bytesPerElement = bytesPerElement;
    this.packHereBelow = packHereBelow;
  }

  public static FetchEntities from(EdlinkConfig edlink) {
    return new FetchEntities(
        edlink,
        null,
        SyncDefaults.RECORDS_PER_SHARD,
        SyncDefaults.MAX_SHARDS,
        SyncDefaults.FETCH_BYTES_PER_ELEMENT,
        FetchEntitiesFn.PACK_HERE_BELOW_BYTES);
  }

  /**
   * About the most bytes of records (canonical JSON and 48 bytes of id and hash each) one element
   * of the fetch holds and emits; a type that pages past it is spilled (see the class comment).
   * {@code Long.MAX_VALUE}: never spill, and leave the spill steps out of the graph.
   */
  public FetchEntities withBytesPerElement(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("bytesPerElement must be positive, got " + bytes);
    }
    return new FetchEntities(edlink, jdbc, recordsPerShard, maxShards, bytes, packHereBelow);
  }

  public FetchEntities withSharding(int recordsPerShard, int maxShards) {
    if (recordsPerShard < 1 || maxShards < 1) {
      throw new IllegalArgumentException(
          "recordsPerShard and maxShards must be positive, got "
              + recordsPerShard
              + " and "
              + maxShards);
    }
    return new FetchEntities(
        edlink, jdbc, recordsPerShard, maxShards, bytesPerElement, packHereBelow);
  }

  /**
   * The database the type is synced into: the shard count then follows the larger of the fetched
   * and the stored row count, so a source that suddenly serves few records of a large stored type
   * cannot put every stored row of it into one join group.
   */
  public FetchEntities withDatabase(JdbcConfig jdbc) {
    return new FetchEntities(
        edlink, jdbc, recordsPerShard, maxShards, bytesPerElement, packHereBelow);
  }

  /**
   * Types with fewer bytes of records than this are compressed by the fetch itself; larger ones in
   * {@code PackRemoteShards} ({@link FetchEntitiesFn#PACK_HERE_BELOW_BYTES} by default; 0: always
   * there, as tests of that step need).
   */
  FetchEntities withPackHereBelow(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("packHereBelow must not be negative, got " + bytes);
    }
    return new FetchEntities(edlink, jdbc, recordsPerShard, maxShards, bytesPerElement, bytes);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    if (edlink != null) {
      edlink.addTo(builder);
    }
    builder
        .add(
            DisplayData.item("recordsPerShard", recordsPerShard)
                .withLabel("Records per join group"))
        .add(DisplayData.item("maxShards", maxShards).withLabel("Join groups per type, at most"))
        .add(
            DisplayData.item("bytesPerElement", bytesPerElement)
                .withLabel("Record bytes per fetch element before a type spills"));
  }

  @Override
  public PCollectionTuple expand(PCollection<TypeTask> tasks) {
    if (edlink == null) {
      throw new IllegalStateException("FetchEntities needs an EdlinkConfig");
    }
    PCollection<TypeFetched> readAhead = null;
    if (bytesPerElement == Long.MAX_VALUE && jdbc != null) {
      // Types paged whole (the DirectRunner): a large type's stored hashes are asked for now, so
      // the read runs while Edlink is paged instead of after the last page.
      PCollectionTuple planned =
          tasks.apply(
              "PlanReadAhead",
              ParDo.of(new PlanReadAheadFn(jdbc, recordsPerShard, maxShards))
                  .withOutputTags(PLANNED, TupleTagList.of(READ_AHEAD)));
      tasks = planned.get(PLANNED).setCoder(TypeTask.Coder.of());
      readAhead = planned.get(READ_AHEAD).setCoder(TypeFetched.Coder.of());
    }
    // Where types are paged whole and counted before their fetch, a type with nothing stored
    // gives its join its stored side (empty) instead of asking the database for it.
    boolean knownEmpty = readAhead != null;
    TupleTagList outputs =
        TupleTagList.of(COMPLETE).and(FAILED).and(REJECTED).and(SPILLED).and(CONTINUE);
    PCollectionTuple first =
        tasks.apply(
            "FetchTypes",
            ParDo.of(
                    new FetchEntitiesFn(
                        edlink,
                        jdbc,
                        recordsPerShard,
                        maxShards,
                        bytesPerElement,
                        packHereBelow,
                        knownEmpty))
                .withOutputTags(REMOTE, knownEmpty ? outputs.and(STORED_KNOWN_EMPTY) : outputs));
    setCoders(first);
    if (knownEmpty) {
      first
          .get(STORED_KNOWN_EMPTY)
          .setCoder(KvCoder.of(ShardKey.Coder.of(), StoredShard.Coder.of()));
    }
    first.get(CONTINUE).setCoder(KvCoder.of(TypeTask.Coder.of(), PagingPosition.Coder.of()));
    // Its own step, so a large type's fetch-complete signal (and with it the stored-hash read) goes
    // on while its shards are compressed, not after; a small type's come compressed and pass
    // through.
    PCollection<KV<ShardKey, RemoteShard>> packed =
        first
            .get(REMOTE)
            .apply("PackRemoteShards", ParDo.of(new PackRemoteShardFn()))
            .setCoder(KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of()));
    if (bytesPerElement == Long.MAX_VALUE) {
      // Never spills (the DirectRunner's automatic setting): no spill steps in the graph, whose
      // every step costs the DirectRunner on each pass.
      PCollection<TypeFetched> complete =
          readAhead == null
              ? first.get(COMPLETE)
              : PCollectionList.of(readAhead)
                  .and(first.get(COMPLETE))
                  .apply("ReadAheadOrFetched", Flatten.pCollections());
      PCollectionTuple out =
          PCollectionTuple.of(REMOTE, packed)
              .and(COMPLETE, complete)
              .and(FAILED, first.get(FAILED))
              .and(REJECTED, first.get(REJECTED));
      return knownEmpty ? out.and(STORED_KNOWN_EMPTY, first.get(STORED_KNOWN_EMPTY)) : out;
    }
    PCollectionTuple rest =
        first
            .get(CONTINUE)
            .apply(
                "FetchRemainingPages",
                ParDo.of(new FetchRemainingPagesFn(edlink, bytesPerElement))
                    .withOutputTags(SPILLED, TupleTagList.of(COMPLETE).and(FAILED).and(REJECTED)));
    setCoders(rest);
    PCollection<KV<ShardKey, RemoteShard>> assembled =
        PCollectionList.of(first.get(SPILLED))
            .and(rest.get(SPILLED))
            .apply("AllSpilledParts", Flatten.pCollections())
            .apply("AssembleSpilledShards", ParDo.of(new AssembleSpilledShardFn()))
            .setCoder(KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of()));
    return PCollectionTuple.of(
            REMOTE,
            PCollectionList.of(packed)
                .and(assembled)
                .apply("AllRemoteShards", Flatten.pCollections()))
        .and(COMPLETE, both(first, rest, COMPLETE, "AllFetchesComplete"))
        .and(FAILED, both(first, rest, FAILED, "AllFetchFailures"))
        .and(REJECTED, both(first, rest, REJECTED, "AllRejectedRecords"));
  }

  private static <T> PCollection<T> both(
      PCollectionTuple first, PCollectionTuple rest, TupleTag<T> tag, String name) {
    return PCollectionList.of(first.get(tag))
        .and(rest.get(tag))
        .apply(name, Flatten.pCollections());
  }

  private static void setCoders(PCollectionTuple out) {
    if (out.has(REMOTE)) {
      out.get(REMOTE).setCoder(KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of()));
    }
    out.get(SPILLED).setCoder(KvCoder.of(ShardKey.Coder.of(), SpilledPart.Coder.of()));
    out.get(COMPLETE).setCoder(TypeFetched.Coder.of());
    out.get(FAILED).setCoder(KvCoder.of(StringUtf8Coder.of(), RunEvent.Coder.of()));
    out.get(REJECTED).setCoder(RejectedRecord.Coder.of());
  }

  /** A record that cannot be synced: the whole type fails with this reason. */
  static final class BadRecordException extends Exception {
    BadRecordException(String message) {
      super(message);
    }
  }

  /**
   * The records of one stretch of pages: from a cursor (null for the first page) until the type
   * ends or the records hold {@code budget} bytes. A retry with a fresh token starts the stretch
   * over, so it never holds a page twice.
   */
  record PageBatch(
      RemoteShard records,
      PagedShards paged,
      List<RejectedRecord> rejected,
      FetchStats stats,
      long bytes) {

    /**
     * Pages from {@code from} until the type ends or the records hold {@code budget} bytes. A type
     * paged whole (no budget) whose records pass {@code pagedFrom} bytes goes on into {@link
     * PagedShards}, sharded and compressed as its pages arrive.
     */
    static PageBatch fetch(
        EdlinkClient client, String token, TypeTask task, String from, long budget, long pagedFrom)
        throws EdlinkException, BadRecordException {
      RemoteShard records = new RemoteShard(task.job(), null, 1024);
      PagedShards[] paged = new PagedShards[1];
      boolean whole = budget == Long.MAX_VALUE && from == null;
      List<RejectedRecord> rejected = new ArrayList<>();
      BadRecordException[] bad = new BadRecordException[1];
      long[] bytes = {0};
      PageHandler handler =
          page -> {
            try {
              for (int i = 0; i < page.size(); i++) {
                bytes[0] += FetchEntitiesFn.addRecord(records, paged[0], page, i, task, rejected);
              }
              if (whole && paged[0] == null && bytes[0] >= pagedFrom) {
                paged[0] = PagedShards.forType(task);
                IdRows.JsonReader json = records.jsonReader();
                for (int i = 0; i < records.size(); i++) {
                  paged[0].add(records.msb(i), records.lsb(i), records.hash(i), json.json(i));
                }
                records.clear();
              }
            } catch (BadRecordException e) {
              bad[0] = e;
              // The type has failed: more pages would only cost Edlink calls.
              throw new StopPaging();
            }
          };
      // A type that never spills is paged whole, each next page asked for while this one is
      // hashed; a stretch pages one page at a time, since a page asked for ahead would be lost at
      // its end.
      FetchStats stats =
          whole
              ? client.fetchAll(token, task.type(), handler)
              : client.fetchPages(token, task.type(), from, handler, () -> bytes[0] >= budget);
      if (bad[0] != null) {
        throw bad[0];
      }
      PageBatch batch = new PageBatch(records, paged[0], rejected, stats, bytes[0]);
      SyncMetrics.FETCHED.inc(batch.size());
      SyncMetrics.PAGES.inc(stats.pages());
      SyncMetrics.PAGES_FROM_END.inc(stats.pagesFromEnd());
      SyncMetrics.PAGE_BUDGET_WAIT_MS.inc(stats.budgetWaitMillis());
      SyncMetrics.PAGES_OVER_BUDGET.inc(stats.pagesOverBudget());
      SyncMetrics.FETCH_ELEMENT_BYTES.update(bytes[0]);
      return batch;
    }

    /** Records kept: in {@link #paged} once the type went there. */
    int size() {
      return paged != null ? paged.size() : records.size();
    }

    boolean typeComplete() {
      return stats.resumeFrom() == null;
    }
  }

  /**
   * One piece per shard (of {@code scheme}) a stretch's records fall in (sorted by id, identical
   * duplicates dropped), each counted in {@code pieces}. Computed whole before anything is emitted,
   * so a conflicting duplicate fails the type without a half-sent stretch.
   */
  static List<KV<ShardKey, SpilledPart>> piecesOf(
      TypeTask task, RemoteShard records, int[] pieces, Sharding.Scheme scheme)
      throws BadRecordException {
    SyncJob job = task.job();
    int shardCount = pieces.length;
    RemoteShard[] shards = FetchEntitiesFn.distribute(records, job, null, shardCount, scheme);
    List<KV<ShardKey, SpilledPart>> out = new ArrayList<>();
    for (int s = 0; s < shardCount; s++) {
      if (shards[s].size() > 0) {
        pieces[s]++;
        out.add(
            KV.of(
                new ShardKey(job.runId(), job.integrationId(), task.type(), s, shardCount, scheme)
                    .withoutRun(),
                SpilledPart.records(job, shards[s].rows())));
      }
    }
    return out;
  }

  /** Emits a stretch's pieces and its rejected records. */
  static void emit(
      List<KV<ShardKey, SpilledPart>> parts, PageBatch batch, DoFn.MultiOutputReceiver out) {
    parts.forEach(part -> out.get(SPILLED).output(part));
    batch.rejected().forEach(r -> out.get(REJECTED).output(r));
  }

  /**
   * Compresses a fetched shard's JSON ({@link RemoteShard#packed}) before it waits for its join, if
   * the fetch left it raw (a type of {@link FetchEntitiesFn#PACK_HERE_BELOW_BYTES} or more). A step
   * of its own: on the DirectRunner, which hands a step's outputs on only when its bundle ends, the
   * fetch's signal then starts the stored-hash read while the shards are compressed (the large
   * university's enrollments: about 2 s of each while frames were deflated), instead of after.
   */
  static final class PackRemoteShardFn
      extends DoFn<KV<ShardKey, RemoteShard>, KV<ShardKey, RemoteShard>> {
    @ProcessElement
    public void process(
        @Element KV<ShardKey, RemoteShard> shard, OutputReceiver<KV<ShardKey, RemoteShard>> out) {
      out.output(KV.of(shard.getKey(), shard.getValue().packed()));
    }
  }

  /**
   * Counts each type's stored rows before its fetch; a type holding more than one join group's
   * worth has its stored hashes asked for at once, with the power-of-two shard count those rows
   * give ({@link Sharding#powerOfTwoShardCountFor}), and goes to the fetch with that count, which
   * it then shards by. Only where types are paged whole (the DirectRunner): there the fetch's
   * outputs wait for its last page, and the read need not. Nothing of the read is compared before
   * the type is fetched whole: the join fires only when its remote side arrives, and a failed fetch
   * sends withdrawn shards that clear the groups ({@link FetchEntitiesFn#fail}). The read sees the
   * rows as they are before the fetch; no run writes them meanwhile (the integration's lease), and
   * this run writes a type only after its join.
   */
  static final class PlanReadAheadFn extends DoFn<TypeTask, TypeTask> {
    private final JdbcConfig jdbc;
    private final int recordsPerShard;
    private final int maxShards;
    private transient javax.sql.DataSource ds;

    PlanReadAheadFn(JdbcConfig jdbc, int recordsPerShard, int maxShards) {
      this.jdbc = jdbc;
      this.recordsPerShard = recordsPerShard;
      this.maxShards = maxShards;
    }

    @Setup
    public void setup() {
      ds = PooledDataSources.get(jdbc);
    }

    @ProcessElement
    public void process(@Element TypeTask task, MultiOutputReceiver out) {
      long stored;
      try {
        stored = FetchEntitiesFn.storedCount(ds, task);
      } catch (java.sql.SQLException e) {
        // Not read ahead: the fetch counts again after its last page, and fails the type if it
        // still cannot.
        LOG.warn(
            "counting stored {} of run {} before the fetch failed: {}",
            task.type().path(),
            task.job().runId(),
            SafeText.clean(String.valueOf(e.getMessage())));
        out.get(PLANNED).output(task);
        return;
      }
      if (stored <= recordsPerShard) {
        out.get(PLANNED).output(task.counted(stored, 0));
        return;
      }
      int shards = Sharding.powerOfTwoShardCountFor(stored, recordsPerShard, maxShards);
      SyncMetrics.TYPES_READ_AHEAD.inc();
      SyncJob job = task.job();
      out.get(READ_AHEAD)
          .output(new TypeFetched(job.runId(), job.integrationId(), task.type(), shards));
      out.get(PLANNED).output(task.counted(stored, shards));
    }
  }

  static final class FetchEntitiesFn extends EdlinkClientFn<TypeTask, KV<ShardKey, RemoteShard>> {
    static final String STORED_COUNT =
        "SELECT count(*) FROM roster_entities"
            + " WHERE entity_type = ? AND integration_id = ? AND deleted_at IS NULL";

    /**
     * A type with fewer bytes of records is compressed here: that takes milliseconds, and raw
     * shards of many small types queued for the next step cost memory (100 small districts: about
     * 100 MB more at the peak when every type left raw). Larger ones leave raw, for {@code
     * PackRemoteShards}.
     */
    static final long PACK_HERE_BELOW_BYTES = 8L << 20;

    private final JdbcConfig jdbc;
    private final int recordsPerShard;
    private final int maxShards;
    private final long bytesPerElement;
    private final long packHereBelow;
    private final boolean givesKnownEmpty;
    private transient javax.sql.DataSource ds;

    FetchEntitiesFn(
        EdlinkConfig edlink,
        JdbcConfig jdbc,
        int recordsPerShard,
        int maxShards,
        long bytesPerElement,
        long packHereBelow,
        boolean givesKnownEmpty) {
      super(edlink);
      this.jdbc = jdbc;
      this.recordsPerShard = recordsPerShard;
      this.maxShards = maxShards;
      this.bytesPerElement = bytesPerElement;
      this.packHereBelow = packHereBelow;
      // Only for a graph that takes STORED_KNOWN_EMPTY.
      this.givesKnownEmpty = givesKnownEmpty;
    }

    @Override
    protected void onSetup() {
      if (jdbc != null) {
        ds = PooledDataSources.get(jdbc);
      }
    }

    /** Stored rows of the type (an index-only count); 0 without a database. */
    private long storedCount(TypeTask task) throws java.sql.SQLException {
      if (task.storedCount() >= 0) {
        return task.storedCount(); // counted by PlanReadAhead, before the fetch
      }
      return ds == null ? 0 : storedCount(ds, task);
    }

    static long storedCount(javax.sql.DataSource ds, TypeTask task) throws java.sql.SQLException {
      SyncJob job = task.job();
      return Database.inTransaction(
          ds,
          c -> {
            try (java.sql.PreparedStatement ps = c.prepareStatement(STORED_COUNT)) {
              ps.setString(1, task.type().path());
              ps.setObject(2, UUID.fromString(job.integrationId()));
              try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
              }
            }
          });
    }

    @ProcessElement
    public void process(@Element TypeTask task, MultiOutputReceiver out) {
      SyncJob job = task.job();
      long start = System.currentTimeMillis();
      PageBatch batch;
      try {
        batch =
            withIntegrationToken(
                job.integrationId(),
                integration ->
                    PageBatch.fetch(
                        client,
                        integration.accessToken(),
                        task,
                        null,
                        bytesPerElement,
                        packHereBelow));
      } catch (EdlinkException e) {
        fail(out, task, null, e.describe());
        return;
      } catch (BadRecordException e) {
        fail(out, task, null, e.getMessage());
        return;
      } catch (RuntimeException e) {
        // Not bad data (malformed records are BadRecordException, Edlink failures
        // EdlinkException) but a defect: logged with its stack trace and rethrown, so the runner
        // retries the bundle and a persistent one fails the job visibly instead of passing for a
        // "type failed" row. Nothing was emitted, so no delete can follow.
        LOG.error("fetching {} of run {} failed unexpectedly", task.type().path(), job.runId(), e);
        throw e;
      }
      if (!batch.typeComplete()) {
        spill(task, batch, start, out);
        return;
      }
      RemoteShard all = batch.records();
      int fetched = batch.size();
      FetchSummary summary =
          new FetchSummary(
              fetched,
              batch.stats().pages(),
              batch.stats().retries(),
              System.currentTimeMillis() - start,
              batch.rejected().size());
      long stored;
      try {
        stored = storedCount(task);
      } catch (java.sql.SQLException e) {
        fail(out, task, summary, WriteChanges.WriteRowsFn.failure("counting stored rows", e));
        return;
      }
      long records = Math.max(fetched, stored);
      int readAhead = task.readAheadShards();
      // A type read ahead keeps the shard count its stored hashes were read with.
      int shardCount =
          readAhead > 0
              ? readAhead
              : batch.paged() != null
                  ? Sharding.powerOfTwoShardCountFor(records, recordsPerShard, maxShards)
                  : Sharding.shardCountFor(records, recordsPerShard, maxShards);
      RemoteShard[] shards;
      try {
        if (batch.paged() != null) {
          shards = batch.paged().shards(job, summary, shardCount);
        } else if (batch.bytes() < packHereBelow) {
          shards = distribute(all, job, summary, shardCount);
        } else {
          // Compressed in PackRemoteShards, while the stored hashes are read.
          shards = shardsOf(all, job, summary, shardCount, Sharding.CURRENT);
        }
      } catch (BadRecordException e) {
        fail(out, task, summary, e.getMessage());
        return;
      }
      SyncMetrics.JOIN_GROUPS.inc(shardCount);
      // Nothing stored (counted before the fetch, or just now; the integration's lease keeps
      // other runs from writing it, and this run writes a type only after its join): the empty
      // stored side goes out first, and no stored-hash read is asked.
      boolean knownEmpty = givesKnownEmpty && stored == 0 && readAhead == 0;
      if (knownEmpty) {
        SyncMetrics.TYPES_STORED_KNOWN_EMPTY.inc();
      }
      for (int s = 0; s < shardCount; s++) {
        ShardKey key = new ShardKey(job.runId(), job.integrationId(), task.type(), s, shardCount);
        if (knownEmpty) {
          out.get(STORED_KNOWN_EMPTY).output(KV.of(key, StoredShard.EMPTY));
        }
        out.get(REMOTE).output(KV.of(key, shards[s]));
      }
      batch.rejected().forEach(r -> out.get(REJECTED).output(r));
      if (readAhead == 0 && !knownEmpty) {
        out.get(COMPLETE)
            .output(new TypeFetched(job.runId(), job.integrationId(), task.type(), shardCount));
      }
    }

    /**
     * The type outgrew one element: its first stretch goes out in pieces over the finest sharding
     * ({@code maxShards}: the shard count must be fixed before the type's size is known), and the
     * rest of the paging continues in {@link FetchRemainingPagesFn}.
     */
    private void spill(TypeTask task, PageBatch batch, long start, MultiOutputReceiver out) {
      SyncMetrics.TYPES_SPILLED.inc();
      int[] pieces = new int[maxShards];
      List<KV<ShardKey, SpilledPart>> parts;
      try {
        parts = piecesOf(task, batch.records(), pieces, Sharding.CURRENT);
      } catch (BadRecordException e) {
        fail(out, task, null, e.getMessage());
        return;
      }
      emit(parts, batch, out);
      out.get(CONTINUE)
          .output(KV.of(task, PagingPosition.start(start, maxShards).after(batch, pieces)));
    }

    /**
     * Adds record {@code index} of a page, into {@code paged} when not null, and returns the bytes
     * it holds: 48 of id and hash, and its JSON. A record without a valid id, or whose JSON has no
     * canonical form, fails the type (nothing can be matched or hashed safely); a record that
     * cannot be stored is kept as an id without payload, so it is neither written nor taken for a
     * delete.
     */
    static long addRecord(
        RemoteShard all,
        PagedShards paged,
        Page page,
        int index,
        TypeTask task,
        java.util.List<RejectedRecord> rejected)
        throws BadRecordException {
      int number = (paged != null ? paged.size() : all.size()) + 1;
      String id = page.id(index);
      if (id == null) {
        throw new BadRecordException(
            task.type().path() + ": a record has no string id (record #" + number + ")");
      }
      UUID uuid = Ids.uuidOrNull(id);
      if (uuid == null) {
        throw new BadRecordException(
            task.type().path() + ": record id " + Ids.describe(id) + " is not a UUID");
      }
      CanonicalHash.Canonical written;
      try {
        written = page.canonical(index);
      } catch (IllegalArgumentException e) {
        // Malformed remote data (a number no JSON reader agrees on): it cannot be hashed, so the
        // type fails.
        throw new BadRecordException(task.type().path() + ": record " + id + ": " + e.getMessage());
      }
      byte[] bytes = written.bytes();
      String problem = RecordChecks.problem(() -> page.get(index), written);
      if (problem != null) {
        SyncMetrics.RECORDS_REJECTED.inc();
        rejected.add(
            new RejectedRecord(
                task.job().runId(),
                task.job().integrationId(),
                task.type(),
                uuid.toString(),
                problem,
                RejectedRecord.excerpt(bytes)));
        add(all, paged, uuid, new byte[0], null);
        return 48;
      }
      add(all, paged, uuid, CanonicalHash.sha256(bytes), bytes);
      return 48L + bytes.length;
    }

    private static void add(RemoteShard all, PagedShards paged, UUID id, byte[] hash, byte[] json)
        throws BadRecordException {
      if (paged != null) {
        paged.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), hash, json);
      } else {
        all.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), hash, json);
      }
    }

    /**
     * Splits the fetched records into shards, sorted by id within each shard so duplicates sit side
     * by side: an identical duplicate (the same record served twice) is dropped, a conflicting one
     * fails the type.
     */
    static RemoteShard[] distribute(
        RemoteShard all, SyncJob job, FetchSummary summary, int shardCount)
        throws BadRecordException {
      return distribute(all, job, summary, shardCount, Sharding.CURRENT);
    }

    static RemoteShard[] distribute(
        RemoteShard all, SyncJob job, FetchSummary summary, int shardCount, Sharding.Scheme scheme)
        throws BadRecordException {
      RemoteShard[] shards = shardsOf(all, job, summary, shardCount, scheme);
      for (int s = 0; s < shards.length; s++) {
        // Compressed while it waits for its join: a third of the memory, and of the shuffle.
        shards[s] = shards[s].packed();
      }
      return shards;
    }

    /**
     * {@link #distribute} without compressing: each shard's JSON stays as the fetch's own arrays
     * (shared, not copied) until {@link RemoteShard#packed}.
     */
    static RemoteShard[] shardsOf(
        RemoteShard all, SyncJob job, FetchSummary summary, int shardCount, Sharding.Scheme scheme)
        throws BadRecordException {
      int n = all.size();
      int[] shardOf = new int[n];
      if (shardCount > 1) {
        for (int i = 0; i < n; i++) {
          shardOf[i] = scheme.shardOf(all.msb(i), all.lsb(i), shardCount);
        }
      }
      int[] sizes = new int[shardCount];
      for (int i = 0; i < n; i++) {
        sizes[shardOf[i]]++;
      }
      for (int size : sizes) {
        Sharding.countIfUneven(size, n, shardCount);
      }
      int[][] members = new int[shardCount][];
      int[] fill = new int[shardCount];
      for (int s = 0; s < shardCount; s++) {
        members[s] = new int[sizes[s]];
      }
      for (int i = 0; i < n; i++) {
        members[shardOf[i]][fill[shardOf[i]]++] = i;
      }
      IntStream.range(0, shardCount).parallel().forEach(s -> sortById(all, members[s]));
      RemoteShard[] shards = new RemoteShard[shardCount];
      IdRows.JsonReader json = all.jsonReader();
      for (int s = 0; s < shardCount; s++) {
        IdRows rows = new IdRows(members[s].length);
        int prev = -1;
        for (int i : members[s]) {
          if (prev >= 0 && all.msb(prev) == all.msb(i) && all.lsb(prev) == all.lsb(i)) {
            if (!all.rows().hashEquals(prev, all.rows(), i)) {
              throw new BadRecordException(
                  "id "
                      + new UUID(all.msb(i), all.lsb(i))
                      + " was served twice with different content in one fetch");
            }
            SyncMetrics.DUPLICATES_DROPPED.inc();
            continue;
          }
          rows.addFrom(all.rows(), i, json.json(i));
          prev = i;
        }
        rows.seal();
        shards[s] = RemoteShard.of(job, summary, rows);
      }
      return shards;
    }

    /**
     * Sorts positions in {@code all} by id, (msb, lsb) as signed longs. A primitive sort of the
     * msb's high bits with the position in its low bits, then each run of equal high bits (rare for
     * random ids) sorted by the whole id: a third of the time of a comparator sort of boxed
     * positions, which was a quarter of {@code distribute} on 1,000,000 enrollments.
     */
    static void sortById(RemoteShard all, int[] positions) {
      int m = positions.length;
      if (m < 2) {
        return;
      }
      int bits = 64 - Long.numberOfLeadingZeros(m - 1);
      long low = (1L << bits) - 1;
      long[] keys = new long[m];
      for (int p = 0; p < m; p++) {
        keys[p] = (all.msb(positions[p]) & ~low) | p;
      }
      Arrays.sort(keys);
      int[] sorted = new int[m];
      for (int p = 0; p < m; p++) {
        sorted[p] = positions[(int) (keys[p] & low)];
      }
      int runStart = 0;
      for (int p = 1; p <= m; p++) {
        if (p == m || (keys[p] & ~low) != (keys[runStart] & ~low)) {
          if (p - runStart > 1) {
            Integer[] run = new Integer[p - runStart];
            for (int r = 0; r < run.length; r++) {
              run[r] = sorted[runStart + r];
            }
            Arrays.sort(
                run, Comparator.<Integer>comparingLong(all::msb).thenComparingLong(all::lsb));
            for (int r = 0; r < run.length; r++) {
              sorted[runStart + r] = run[r];
            }
          }
          runStart = p;
        }
      }
      System.arraycopy(sorted, 0, positions, 0, m);
    }

    /**
     * The type failed: its failure event and, for a type read ahead, a withdrawn shard for each
     * group its stored hashes were sent to (a spilled type is never read ahead).
     */
    static void fail(MultiOutputReceiver out, TypeTask task, FetchSummary summary, String reason) {
      SyncMetrics.FETCH_FAILURES.inc();
      SyncMetrics.TYPES_COMPLETED.inc();
      SyncJob job = task.job();
      int readAhead = task.readAheadShards();
      for (int s = 0; s < readAhead; s++) {
        ShardKey key = new ShardKey(job.runId(), job.integrationId(), task.type(), s, readAhead);
        out.get(REMOTE).output(KV.of(key, RemoteShard.withdrawn(job)));
      }
      out.get(FAILED)
          .output(
              KV.of(
                  job.runKey(),
                  RunEvent.type(job, TypeOutcome.failed(task.type(), summary, reason))));
    }
  }
}
