package org.rostersync.transforms;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.SimpleFunction;
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
 * The whole sync, from jobs to recorded runs, for any job source (bounded lists or Pub/Sub):
 * change gate → fan out per entity type → fetch (remote shards) and read stored hashes (local shards) → join per
 * (run, integration, type, shard) → classify → write upserts, guard and apply deletes → record runs.
 */
public final class SyncIntegrations extends PTransform<PCollection<SyncJob>, PCollection<RunResult>> {
  private static final TupleTag<KV<ShardKey, RemoteShard>> REMOTE = new TupleTag<>("remote") {};
  private static final TupleTag<KV<ShardKey, StoredShard>> STORED = new TupleTag<>("stored") {};
  /** Keys of the fan-out shuffle: enough to spread the types over workers, bounded so its state is too. */
  static final int SPREAD_BUCKETS = 64;

  private final EdlinkConfig edlink;
  private final JdbcConfig jdbc;
  private final int recordsPerShard;
  private final int maxShards;
  private final int batchSize;
  private final DeletePolicy deletePolicy;
  private final org.joda.time.Duration maxSkipAge;
  private final org.joda.time.Duration leaseTtl;
  private final org.joda.time.Duration maxRunDuration;

  private SyncIntegrations(EdlinkConfig edlink, JdbcConfig jdbc, int recordsPerShard, int maxShards, int batchSize,
      DeletePolicy deletePolicy, org.joda.time.Duration maxSkipAge, org.joda.time.Duration leaseTtl,
      org.joda.time.Duration maxRunDuration) {
    this.leaseTtl = leaseTtl;
    this.maxRunDuration = maxRunDuration;
    this.edlink = edlink;
    this.jdbc = jdbc;
    this.recordsPerShard = recordsPerShard;
    this.maxShards = maxShards;
    this.batchSize = batchSize;
    this.deletePolicy = deletePolicy;
    this.maxSkipAge = maxSkipAge;
  }

  public static SyncIntegrations create() {
    return new SyncIntegrations(null, null, Sharding.DEFAULT_RECORDS_PER_SHARD, 512, 1_000, DeletePolicy.defaults(),
        org.joda.time.Duration.standardHours(24), AdmitRuns.DEFAULT_LEASE_TTL, AdmitRuns.DEFAULT_MAX_RUN_DURATION);
  }

  public SyncIntegrations withEdlink(EdlinkConfig edlink) {
    return new SyncIntegrations(edlink, jdbc, recordsPerShard, maxShards, batchSize, deletePolicy, maxSkipAge,
        leaseTtl, maxRunDuration);
  }

  public SyncIntegrations withDatabase(JdbcConfig jdbc) {
    return new SyncIntegrations(edlink, jdbc, recordsPerShard, maxShards, batchSize, deletePolicy, maxSkipAge,
        leaseTtl, maxRunDuration);
  }

  /** About {@code recordsPerShard} records per join group, at most {@code maxShards} groups per type. */
  public SyncIntegrations withSharding(int recordsPerShard, int maxShards) {
    return new SyncIntegrations(edlink, jdbc, recordsPerShard, maxShards, batchSize, deletePolicy, maxSkipAge,
        leaseTtl, maxRunDuration);
  }

  public SyncIntegrations withBatchSize(int batchSize) {
    return new SyncIntegrations(edlink, jdbc, recordsPerShard, maxShards, batchSize, deletePolicy, maxSkipAge,
        leaseTtl, maxRunDuration);
  }

  public SyncIntegrations withDeletePolicy(DeletePolicy policy) {
    return new SyncIntegrations(edlink, jdbc, recordsPerShard, maxShards, batchSize, policy, maxSkipAge,
        leaseTtl, maxRunDuration);
  }

  public SyncIntegrations withMaxSkipAge(org.joda.time.Duration maxSkipAge) {
    return new SyncIntegrations(edlink, jdbc, recordsPerShard, maxShards, batchSize, deletePolicy, maxSkipAge,
        leaseTtl, maxRunDuration);
  }

  /** Lease expiry and the longest a run may take (see {@link Leases}); the same values as {@link AdmitRuns}. */
  public SyncIntegrations withLeases(org.joda.time.Duration leaseTtl, org.joda.time.Duration maxRunDuration) {
    return new SyncIntegrations(edlink, jdbc, recordsPerShard, maxShards, batchSize, deletePolicy, maxSkipAge,
        leaseTtl, maxRunDuration);
  }

  @Override
  public PCollection<RunResult> expand(PCollection<SyncJob> jobs) {
    if (edlink == null) {
      throw new IllegalStateException("withEdlink() is required");
    }
    if (jdbc == null) {
      throw new IllegalStateException("withDatabase() is required");
    }

    PCollectionTuple planned = jobs.apply("PlanRuns",
        PlanRuns.of(edlink, jdbc).withMaxSkipAge(java.time.Duration.ofMillis(maxSkipAge.getMillis()))
            .withLeases(leaseTtl, maxRunDuration));

    PCollection<TypeTask> tasks = planned.get(PlanRuns.FULL_SYNC)
        .apply("FanOutEntityTypes", FlatMapElements.into(TypeDescriptor.of(TypeTask.class))
            .via((SyncJob job) -> {
              List<TypeTask> out = new ArrayList<>();
              for (EntityType t : job.entityTypes()) {
                out.add(new TypeTask(job, t));
              }
              return out;
            }))
        .setCoder(TypeTask.Coder.of())
        // Spread the types of one integration over workers/threads so they are fetched in parallel.
        .apply("SpreadEntityTypes", Reshuffle.<TypeTask>viaRandomKey().withNumBuckets(SPREAD_BUCKETS));

    PCollectionTuple fetched = tasks.apply("FetchEntities",
        FetchEntities.from(edlink).withDatabase(jdbc).withSharding(recordsPerShard, maxShards));

    fetched.get(FetchEntities.REJECTED)
        .apply("WriteRejectedRecords", WriteDeadLetterRecords.to(jdbc));

    PCollection<KV<ShardKey, StoredShard>> stored = fetched.get(FetchEntities.COMPLETE)
        // A stage boundary: a failed read is retried alone, never by paging the type from Edlink again.
        .apply("BreakFusionBeforeRead", Reshuffle.viaRandomKey())
        .apply("ReadStoredHashes", ReadStoredHashes.from(jdbc));

    // Grouped by (integration, type, shard); each value keeps its full key (with the run) for the pairing.
    KvCoder<ShardKey, KV<ShardKey, RemoteShard>> remoteCoder =
        KvCoder.of(ShardKey.Coder.of(), KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of()));
    KvCoder<ShardKey, KV<ShardKey, StoredShard>> storedCoder =
        KvCoder.of(ShardKey.Coder.of(), KvCoder.of(ShardKey.Coder.of(), StoredShard.Coder.of()));
    PCollection<KV<ShardKey, CoGbkResult>> joined = KeyedPCollectionTuple
        .of(REMOTE, fetched.get(FetchEntities.REMOTE)
            .apply("RemoteByJoinKey", MapElements.via(new ByJoinKey<RemoteShard>())).setCoder(remoteCoder)
            .apply("RemoteFiresWhenComplete",
                Completeness.<KV<ShardKey, KV<ShardKey, RemoteShard>>>firesWhenBothSidesArrived()))
        .and(STORED, stored
            .apply("StoredByJoinKey", MapElements.via(new ByJoinKey<StoredShard>())).setCoder(storedCoder)
            .apply("StoredFiresWhenComplete",
                Completeness.<KV<ShardKey, KV<ShardKey, StoredShard>>>firesWhenBothSidesArrived()))
        .apply("JoinShards", CoGroupByKey.create());

    PCollection<KV<String, RunEvent>> written = joined
        .apply("ClassifyChanges", ClassifyChanges.of(REMOTE, STORED))
        .apply("WriteChanges", WriteChanges.to(jdbc).withBatchSize(batchSize).withDeletePolicy(deletePolicy));

    PCollection<KV<String, RunEvent>> events = PCollectionList
        .of(planned.get(PlanRuns.ENDED)
            .apply("GateOutcomes", Completeness.<KV<String, RunEvent>>everyElement()))
        .and(fetched.get(FetchEntities.FAILED)
            .apply("FetchFailures", Completeness.<KV<String, RunEvent>>everyElement()))
        .and(written.apply("TypeOutcomes", Completeness.<KV<String, RunEvent>>everyElement()))
        .apply("AllRunEvents", Flatten.pCollections());

    return events.apply("RecordRuns", RecordRuns.to(jdbc));
  }

  /** Re-keys a join input by {@link ShardKey#joinKey()}, keeping the full key with the value. */
  static final class ByJoinKey<V> extends SimpleFunction<KV<ShardKey, V>, KV<ShardKey, KV<ShardKey, V>>> {
    @Override
    public KV<ShardKey, KV<ShardKey, V>> apply(KV<ShardKey, V> kv) {
      return KV.of(kv.getKey().joinKey(), kv);
    }
  }
}
