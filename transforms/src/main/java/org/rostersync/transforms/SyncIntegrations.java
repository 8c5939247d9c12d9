package org.rostersync.transforms;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.SimpleFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.rostersync.edlink.EntityType;

/**
 * The whole sync, from jobs to recorded runs, for any job source (bounded lists or Pub/Sub): change
 * gate → fan out per entity type → fetch (remote shards) and read stored hashes (local shards) →
 * join per (run, integration, type, shard) → classify → write upserts, guard and apply deletes →
 * record runs.
 */
public final class SyncIntegrations
    extends PTransform<PCollection<SyncJob>, PCollection<RunResult>> {
  private static final TupleTag<KV<ShardKey, RemoteShard>> REMOTE = new TupleTag<>("remote") {};
  private static final TupleTag<KV<ShardKey, StoredShard>> STORED = new TupleTag<>("stored") {};

  /**
   * Keys of the fan-out shuffle: enough to spread the types over workers, bounded so its state is
   * too.
   */
  static final int SPREAD_BUCKETS = 64;

  /** All settings of the transform. */
  private record Settings(
      EdlinkConfig edlink,
      JdbcConfig jdbc,
      int recordsPerShard,
      int maxShards,
      int batchSize,
      DeletePolicy deletePolicy,
      Duration maxSkipAge,
      Duration leaseTtl,
      Duration maxRunDuration,
      boolean breakFusionBeforeRead,
      long bytesPerFetchElement)
      implements java.io.Serializable {}

  /** A mutable copy of the settings, so each {@code withX} changes one field by name. */
  private static final class Draft {
    EdlinkConfig edlink;
    JdbcConfig jdbc;
    int recordsPerShard;
    int maxShards;
    int batchSize;
    DeletePolicy deletePolicy;
    Duration maxSkipAge;
    Duration leaseTtl;
    Duration maxRunDuration;
    boolean breakFusionBeforeRead;
    long bytesPerFetchElement;

    Draft(Settings s) {
      edlink = s.edlink();
      jdbc = s.jdbc();
      recordsPerShard = s.recordsPerShard();
      maxShards = s.maxShards();
      batchSize = s.batchSize();
      deletePolicy = s.deletePolicy();
      maxSkipAge = s.maxSkipAge();
      leaseTtl = s.leaseTtl();
      maxRunDuration = s.maxRunDuration();
      breakFusionBeforeRead = s.breakFusionBeforeRead();
      bytesPerFetchElement = s.bytesPerFetchElement();
    }

    Settings settings() {
      return new Settings(
          edlink,
          jdbc,
          recordsPerShard,
          maxShards,
          batchSize,
          deletePolicy,
          maxSkipAge,
          leaseTtl,
          maxRunDuration,
          breakFusionBeforeRead,
          bytesPerFetchElement);
    }
  }

  private final Settings settings;

  private SyncIntegrations(Settings settings) {
    this.settings = settings;
  }

  /** A copy with {@code change} applied to its settings. */
  private SyncIntegrations with(java.util.function.Consumer<Draft> change) {
    Draft draft = new Draft(settings);
    change.accept(draft);
    return new SyncIntegrations(draft.settings());
  }

  /**
   * Starts from {@link SyncDefaults}; {@link #withEdlink} and {@link #withDatabase} are required.
   */
  public static SyncIntegrations create() {
    return new SyncIntegrations(
        new Settings(
            null,
            null,
            SyncDefaults.RECORDS_PER_SHARD,
            SyncDefaults.MAX_SHARDS,
            SyncDefaults.BATCH_SIZE,
            SyncDefaults.deletePolicy(),
            SyncDefaults.MAX_SKIP_AGE,
            SyncDefaults.LEASE_TTL,
            SyncDefaults.MAX_RUN_DURATION,
            true,
            SyncDefaults.FETCH_BYTES_PER_ELEMENT));
  }

  public SyncIntegrations withEdlink(EdlinkConfig edlink) {
    checkArgument(edlink != null, "withEdlink(null)");
    return with(d -> d.edlink = edlink);
  }

  public SyncIntegrations withDatabase(JdbcConfig jdbc) {
    checkArgument(jdbc != null, "withDatabase(null)");
    return with(d -> d.jdbc = jdbc);
  }

  /**
   * About {@code recordsPerShard} records per join group, at most {@code maxShards} groups per
   * type.
   */
  public SyncIntegrations withSharding(int recordsPerShard, int maxShards) {
    checkArgument(recordsPerShard >= 1, "recordsPerShard must be positive, got " + recordsPerShard);
    checkArgument(maxShards >= 1, "maxShards must be positive, got " + maxShards);
    return with(
        d -> {
          d.recordsPerShard = recordsPerShard;
          d.maxShards = maxShards;
        });
  }

  public SyncIntegrations withBatchSize(int batchSize) {
    checkArgument(batchSize >= 1, "batchSize must be positive, got " + batchSize);
    return with(d -> d.batchSize = batchSize);
  }

  public SyncIntegrations withDeletePolicy(DeletePolicy policy) {
    checkArgument(policy != null, "withDeletePolicy(null)");
    return with(d -> d.deletePolicy = policy);
  }

  public SyncIntegrations withMaxSkipAge(Duration maxSkipAge) {
    return with(d -> d.maxSkipAge = PlanRuns.checkPositive("maxSkipAge", maxSkipAge));
  }

  /**
   * Lease expiry and the longest a run may take (see {@link Leases}); the same values as {@link
   * AdmitRuns}.
   */
  public SyncIntegrations withLeases(Duration leaseTtl, Duration maxRunDuration) {
    PlanRuns.checkPositive("leaseTtl", leaseTtl);
    PlanRuns.checkPositive("maxRunDuration", maxRunDuration);
    checkArgument(
        maxRunDuration.compareTo(leaseTtl) >= 0,
        "maxRunDuration ("
            + maxRunDuration
            + ") must not be shorter than leaseTtl ("
            + leaseTtl
            + ")");
    return with(
        d -> {
          d.leaseTtl = leaseTtl;
          d.maxRunDuration = maxRunDuration;
        });
  }

  /**
   * Whether a Reshuffle separates the fetch from the read of stored hashes (default true): on
   * Dataflow it keeps a failed read from paging the type from Edlink again. The DirectRunner fuses
   * nothing, so there it only adds steps and keys per type; its launcher turns it off.
   */
  public SyncIntegrations withFusionBreakBeforeRead(boolean breakFusion) {
    return with(d -> d.breakFusionBeforeRead = breakFusion);
  }

  /**
   * About the most bytes of records one fetch element holds and emits; larger types are paged in
   * checkpointed stretches and assembled per shard ({@link FetchEntities#withBytesPerElement}).
   */
  public SyncIntegrations withBytesPerFetchElement(long bytes) {
    checkArgument(bytes >= 1, "bytesPerFetchElement must be positive, got " + bytes);
    return with(d -> d.bytesPerFetchElement = bytes);
  }

  private static void checkArgument(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    if (settings.edlink() != null) {
      settings.edlink().addTo(builder);
    }
    builder
        .add(
            DisplayData.item("recordsPerShard", settings.recordsPerShard())
                .withLabel("Records per join group"))
        .add(
            DisplayData.item("maxShards", settings.maxShards())
                .withLabel("Join groups per type, at most"))
        .add(DisplayData.item("batchSize", settings.batchSize()).withLabel("JDBC batch size"))
        .add(
            DisplayData.item("maxSkipAge", SyncDefaults.joda(settings.maxSkipAge()))
                .withLabel("Full sync forced after"))
        .add(
            DisplayData.item("leaseTtl", SyncDefaults.joda(settings.leaseTtl()))
                .withLabel("Lease TTL"))
        .add(
            DisplayData.item("maxRunDuration", SyncDefaults.joda(settings.maxRunDuration()))
                .withLabel("Longest run"))
        .add(
            DisplayData.item("breakFusionBeforeRead", settings.breakFusionBeforeRead())
                .withLabel("Fusion break before the stored-hash read"))
        .add(
            DisplayData.item("bytesPerFetchElement", settings.bytesPerFetchElement())
                .withLabel("Record bytes per fetch element before a type spills"));
    settings.deletePolicy().addTo(builder);
  }

  @Override
  public PCollection<RunResult> expand(PCollection<SyncJob> jobs) {
    if (settings.edlink() == null) {
      throw new IllegalStateException("withEdlink() is required");
    }
    if (settings.jdbc() == null) {
      throw new IllegalStateException("withDatabase() is required");
    }
    EdlinkConfig edlink = settings.edlink();
    JdbcConfig jdbc = settings.jdbc();

    PCollectionTuple planned =
        jobs.apply(
            "PlanRuns",
            PlanRuns.of(edlink, jdbc)
                .withMaxSkipAge(settings.maxSkipAge())
                .withLeases(settings.leaseTtl(), settings.maxRunDuration()));

    PCollection<TypeTask> tasks =
        planned
            .get(PlanRuns.FULL_SYNC)
            .apply(
                "FanOutEntityTypes",
                FlatMapElements.into(TypeDescriptor.of(TypeTask.class))
                    .via(
                        (SyncJob job) -> {
                          List<TypeTask> out = new ArrayList<>();
                          for (EntityType t : job.entityTypes()) {
                            out.add(new TypeTask(job, t));
                          }
                          return out;
                        }))
            .setCoder(TypeTask.Coder.of())
            // Spread the types of one integration over workers/threads so they are fetched in
            // parallel.
            .apply(
                "SpreadEntityTypes",
                Reshuffle.<TypeTask>viaRandomKey().withNumBuckets(SPREAD_BUCKETS));

    PCollectionTuple fetched =
        tasks.apply(
            "FetchEntities",
            FetchEntities.from(edlink)
                .withDatabase(jdbc)
                .withSharding(settings.recordsPerShard(), settings.maxShards())
                .withBytesPerElement(settings.bytesPerFetchElement()));

    fetched
        .get(FetchEntities.REJECTED)
        .apply("WriteRejectedRecords", WriteDeadLetterRecords.to(jdbc));

    PCollection<TypeFetched> complete = fetched.get(FetchEntities.COMPLETE);
    if (settings.breakFusionBeforeRead()) {
      // A stage boundary: a failed read is retried alone, never by paging the type from Edlink
      // again.
      complete = complete.apply("BreakFusionBeforeRead", Reshuffle.viaRandomKey());
    }
    PCollection<KV<ShardKey, StoredShard>> stored =
        complete.apply("ReadStoredHashes", ReadStoredHashes.from(jdbc));
    if (fetched.has(FetchEntities.STORED_KNOWN_EMPTY)) {
      stored =
          PCollectionList.of(stored)
              .and(fetched.get(FetchEntities.STORED_KNOWN_EMPTY))
              .apply("StoredReadOrKnownEmpty", Flatten.pCollections());
    }

    // Grouped by (integration, type, shard); each value keeps its full key (with the run) for the
    // pairing.
    KvCoder<ShardKey, KV<ShardKey, RemoteShard>> remoteCoder =
        KvCoder.of(ShardKey.Coder.of(), KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of()));
    KvCoder<ShardKey, KV<ShardKey, StoredShard>> storedCoder =
        KvCoder.of(ShardKey.Coder.of(), KvCoder.of(ShardKey.Coder.of(), StoredShard.Coder.of()));
    PCollection<KV<ShardKey, CoGbkResult>> joined =
        KeyedPCollectionTuple.of(
                REMOTE,
                fetched
                    .get(FetchEntities.REMOTE)
                    .apply("RemoteByJoinKey", MapElements.via(new ByJoinKey<RemoteShard>()))
                    .setCoder(remoteCoder)
                    .apply(
                        "RemoteFiresWhenComplete",
                        Completeness
                            .<KV<ShardKey, KV<ShardKey, RemoteShard>>>firesWhenBothSidesArrived()))
            .and(
                STORED,
                stored
                    .apply("StoredByJoinKey", MapElements.via(new ByJoinKey<StoredShard>()))
                    .setCoder(storedCoder)
                    .apply(
                        "StoredFiresWhenComplete",
                        Completeness
                            .<KV<ShardKey, KV<ShardKey, StoredShard>>>firesWhenBothSidesArrived()))
            .apply("JoinShards", CoGroupByKey.create());

    PCollection<KV<String, RunEvent>> written =
        joined
            // Three PCollections: creates and updates (bounded batches), deletes (per shard).
            .apply("ClassifyChanges", ClassifyChanges.of(REMOTE, STORED))
            .apply(
                "WriteChanges",
                WriteChanges.to(jdbc)
                    .withBatchSize(settings.batchSize())
                    .withDeletePolicy(settings.deletePolicy()));

    PCollection<KV<String, RunEvent>> events =
        PCollectionList.of(
                planned
                    .get(PlanRuns.ENDED)
                    .apply("GateOutcomes", Completeness.<KV<String, RunEvent>>everyElement()))
            .and(
                fetched
                    .get(FetchEntities.FAILED)
                    .apply("FetchFailures", Completeness.<KV<String, RunEvent>>everyElement()))
            .and(written.apply("TypeOutcomes", Completeness.<KV<String, RunEvent>>everyElement()))
            .apply("AllRunEvents", Flatten.pCollections());

    return events.apply("RecordRuns", RecordRuns.to(jdbc));
  }

  /** Re-keys a join input by {@link ShardKey#joinKey()}, keeping the full key with the value. */
  static final class ByJoinKey<V>
      extends SimpleFunction<KV<ShardKey, V>, KV<ShardKey, KV<ShardKey, V>>> {
    @Override
    public KV<ShardKey, KV<ShardKey, V>> apply(KV<ShardKey, V> kv) {
      return KV.of(kv.getKey().joinKey(), kv);
    }
  }
}
