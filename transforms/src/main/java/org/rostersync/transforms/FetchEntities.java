package org.rostersync.transforms;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.Comparator;
import java.util.UUID;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.rostersync.edlink.EdlinkException;
import org.rostersync.edlink.FetchStats;
import org.rostersync.edlink.StopPaging;
import org.rostersync.hash.CanonicalHash;

/**
 * Pages one top-level Edlink endpoint per {@link TypeTask}, hashes each record canonically, and
 * only once the type was fetched completely emits one {@link RemoteShard} per shard (empty ones
 * too) plus a {@link TypeFetched} signal. A failed or cut-short fetch emits no shard and no signal,
 * only a failure: nothing downstream can then mistake missing records for deletes.
 */
public final class FetchEntities extends PTransform<PCollection<TypeTask>, PCollectionTuple> {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(FetchEntities.class);
  public static final TupleTag<KV<ShardKey, RemoteShard>> REMOTE = new TupleTag<>() {};
  public static final TupleTag<TypeFetched> COMPLETE = new TupleTag<>() {};
  public static final TupleTag<KV<String, RunEvent>> FAILED = new TupleTag<>() {};
  public static final TupleTag<RejectedRecord> REJECTED = new TupleTag<>() {};

  private final EdlinkConfig edlink;
  private final JdbcConfig jdbc;
  private final int recordsPerShard;
  private final int maxShards;

  private FetchEntities(EdlinkConfig edlink, JdbcConfig jdbc, int recordsPerShard, int maxShards) {
    this.edlink = edlink;
    this.jdbc = jdbc;
    this.recordsPerShard = recordsPerShard;
    this.maxShards = maxShards;
  }

  public static FetchEntities from(EdlinkConfig edlink) {
    return new FetchEntities(edlink, null, SyncDefaults.RECORDS_PER_SHARD, SyncDefaults.MAX_SHARDS);
  }

  public FetchEntities withSharding(int recordsPerShard, int maxShards) {
    if (recordsPerShard < 1 || maxShards < 1) {
      throw new IllegalArgumentException(
          "recordsPerShard and maxShards must be positive, got "
              + recordsPerShard
              + " and "
              + maxShards);
    }
    return new FetchEntities(edlink, jdbc, recordsPerShard, maxShards);
  }

  /**
   * The database the type is synced into: the shard count then follows the larger of the fetched
   * and the stored row count, so a source that suddenly serves few records of a large stored type
   * cannot put every stored row of it into one join group.
   */
  public FetchEntities withDatabase(JdbcConfig jdbc) {
    return new FetchEntities(edlink, jdbc, recordsPerShard, maxShards);
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
        .add(DisplayData.item("maxShards", maxShards).withLabel("Join groups per type, at most"));
  }

  @Override
  public PCollectionTuple expand(PCollection<TypeTask> tasks) {
    if (edlink == null) {
      throw new IllegalStateException("FetchEntities needs an EdlinkConfig");
    }
    PCollectionTuple out =
        tasks.apply(
            ParDo.of(new FetchEntitiesFn(edlink, jdbc, recordsPerShard, maxShards))
                .withOutputTags(REMOTE, TupleTagList.of(COMPLETE).and(FAILED).and(REJECTED)));
    out.get(REMOTE)
        .setCoder(
            org.apache.beam.sdk.coders.KvCoder.of(ShardKey.Coder.of(), RemoteShard.Coder.of()));
    out.get(COMPLETE).setCoder(TypeFetched.Coder.of());
    out.get(FAILED)
        .setCoder(
            org.apache.beam.sdk.coders.KvCoder.of(
                org.apache.beam.sdk.coders.StringUtf8Coder.of(), RunEvent.Coder.of()));
    out.get(REJECTED).setCoder(RejectedRecord.Coder.of());
    return out;
  }

  /** A record that cannot be synced: the whole type fails with this reason. */
  static final class BadRecordException extends Exception {
    BadRecordException(String message) {
      super(message);
    }
  }

  static final class FetchEntitiesFn extends EdlinkClientFn<TypeTask, KV<ShardKey, RemoteShard>> {
    static final String STORED_COUNT =
        "SELECT count(*) FROM roster_entities"
            + " WHERE entity_type = ? AND integration_id = ? AND deleted_at IS NULL";

    private final JdbcConfig jdbc;
    private final int recordsPerShard;
    private final int maxShards;
    private transient javax.sql.DataSource ds;

    FetchEntitiesFn(EdlinkConfig edlink, JdbcConfig jdbc, int recordsPerShard, int maxShards) {
      super(edlink);
      this.jdbc = jdbc;
      this.recordsPerShard = recordsPerShard;
      this.maxShards = maxShards;
    }

    @Override
    protected void onSetup() {
      if (jdbc != null) {
        ds = PooledDataSources.get(jdbc);
      }
    }

    /** Stored rows of the type (an index-only count); 0 without a database. */
    private long storedCount(SyncJob job, TypeTask task) throws java.sql.SQLException {
      if (ds == null) {
        return 0;
      }
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
      RemoteShard all = new RemoteShard(job, null, 1024);
      java.util.List<RejectedRecord> rejected = new java.util.ArrayList<>();
      FetchStats stats;
      try {
        stats =
            withIntegrationToken(
                job.integrationId(),
                integration -> {
                  all.clear(); // a retry with a fresh token starts over
                  rejected.clear();
                  return fetchInto(integration.accessToken(), task, all, rejected);
                });
      } catch (EdlinkException e) {
        fail(out, task, null, e.describe());
        return;
      } catch (BadRecordException e) {
        fail(out, task, null, e.getMessage());
        return;
      } catch (RuntimeException e) {
        // Not bad data (malformed records are BadRecordException, Edlink failures EdlinkException)
        // but a defect:
        // logged with its stack trace and rethrown, so the runner retries the bundle and a
        // persistent one fails the
        // job visibly instead of passing for a "type failed" row. Nothing was emitted, so no delete
        // can follow.
        LOG.error("fetching {} of run {} failed unexpectedly", task.type().path(), job.runId(), e);
        throw e;
      }
      FetchSummary summary =
          new FetchSummary(
              all.size(),
              stats.pages(),
              stats.retries(),
              System.currentTimeMillis() - start,
              rejected.size());
      SyncMetrics.FETCHED.inc(all.size());
      SyncMetrics.PAGES.inc(stats.pages());
      long stored;
      try {
        stored = storedCount(job, task);
      } catch (java.sql.SQLException e) {
        fail(out, task, summary, WriteChanges.WriteRowsFn.failure("counting stored rows", e));
        return;
      }
      int shardCount =
          Sharding.shardCountFor(Math.max(all.size(), stored), recordsPerShard, maxShards);
      RemoteShard[] shards;
      try {
        shards = distribute(all, job, summary, shardCount);
      } catch (BadRecordException e) {
        fail(out, task, summary, e.getMessage());
        return;
      }
      SyncMetrics.JOIN_GROUPS.inc(shardCount);
      for (int s = 0; s < shardCount; s++) {
        ShardKey key = new ShardKey(job.runId(), job.integrationId(), task.type(), s, shardCount);
        out.get(REMOTE).output(KV.of(key, shards[s]));
      }
      rejected.forEach(r -> out.get(REJECTED).output(r));
      out.get(COMPLETE)
          .output(new TypeFetched(job.runId(), job.integrationId(), task.type(), shardCount));
    }

    private FetchStats fetchInto(
        String token, TypeTask task, RemoteShard all, java.util.List<RejectedRecord> rejected)
        throws EdlinkException, BadRecordException {
      BadRecordException[] bad = new BadRecordException[1];
      FetchStats stats =
          client.fetchAll(
              token,
              task.type(),
              page -> {
                for (JsonObject record : page) {
                  try {
                    addRecord(all, record, task, rejected);
                  } catch (BadRecordException e) {
                    bad[0] = e;
                    throw new StopPaging(); // the type has failed: more pages would only cost
                    // Edlink calls
                  }
                }
              });
      if (bad[0] != null) {
        throw bad[0];
      }
      return stats;
    }

    /**
     * Adds one record. A record without a valid id fails the type (nothing can be matched safely);
     * a record that cannot be stored is kept as an id without payload, so it is neither written nor
     * taken for a delete.
     */
    static void addRecord(
        RemoteShard all, JsonObject record, TypeTask task, java.util.List<RejectedRecord> rejected)
        throws BadRecordException {
      JsonElement idElement = record.get("id");
      if (idElement == null
          || !idElement.isJsonPrimitive()
          || !idElement.getAsJsonPrimitive().isString()) {
        throw new BadRecordException(
            task.type().path() + ": a record has no string id (record #" + (all.size() + 1) + ")");
      }
      String id = idElement.getAsString();
      if (!Ids.isUuid(id)) {
        throw new BadRecordException(
            task.type().path() + ": record id " + Ids.describe(id) + " is not a UUID");
      }
      UUID uuid = UUID.fromString(id);
      byte[] canonical;
      try {
        canonical = CanonicalHash.canonicalBytes(record);
      } catch (IllegalArgumentException e) {
        // Malformed remote data (a number no JSON reader agrees on): it cannot be hashed, so the
        // type fails.
        throw new BadRecordException(task.type().path() + ": record " + id + ": " + e.getMessage());
      }
      String problem = RecordChecks.problem(record, canonical.length);
      if (problem != null) {
        SyncMetrics.RECORDS_REJECTED.inc();
        rejected.add(
            new RejectedRecord(
                task.job().runId(),
                task.job().integrationId(),
                task.type(),
                uuid.toString(),
                problem,
                RejectedRecord.excerpt(canonical)));
        all.add(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits(), new byte[0], null);
        return;
      }
      all.add(
          uuid.getMostSignificantBits(),
          uuid.getLeastSignificantBits(),
          CanonicalHash.sha256(canonical),
          canonical);
    }

    /**
     * Splits the fetched records into shards, sorted by id within each shard so duplicates sit side
     * by side: an identical duplicate (the same record served twice) is dropped, a conflicting one
     * fails the type.
     */
    static RemoteShard[] distribute(
        RemoteShard all, SyncJob job, FetchSummary summary, int shardCount)
        throws BadRecordException {
      int n = all.size();
      int[] shardOf = new int[n];
      int[] sizes = new int[shardCount];
      for (int i = 0; i < n; i++) {
        shardOf[i] = Sharding.shardOf(new UUID(all.msb(i), all.lsb(i)), shardCount);
        sizes[shardOf[i]]++;
      }
      Integer[][] members = new Integer[shardCount][];
      int[] fill = new int[shardCount];
      for (int s = 0; s < shardCount; s++) {
        members[s] = new Integer[sizes[s]];
      }
      for (int i = 0; i < n; i++) {
        members[shardOf[i]][fill[shardOf[i]]++] = i;
      }
      Comparator<Integer> byId =
          Comparator.<Integer>comparingLong(all::msb).thenComparingLong(all::lsb);
      RemoteShard[] shards = new RemoteShard[shardCount];
      for (int s = 0; s < shardCount; s++) {
        Arrays.sort(members[s], byId);
        RemoteShard shard = new RemoteShard(job, summary, members[s].length);
        int prev = -1;
        for (int i : members[s]) {
          if (prev >= 0 && all.msb(prev) == all.msb(i) && all.lsb(prev) == all.lsb(i)) {
            if (!Arrays.equals(all.hash(prev), all.hash(i))) {
              throw new BadRecordException(
                  "id "
                      + new UUID(all.msb(i), all.lsb(i))
                      + " was served twice with different content in one fetch");
            }
            SyncMetrics.DUPLICATES_DROPPED.inc();
            continue;
          }
          shard.add(all.msb(i), all.lsb(i), all.hash(i), all.json(i));
          prev = i;
        }
        shards[s] = shard;
      }
      return shards;
    }

    private static void fail(
        MultiOutputReceiver out, TypeTask task, FetchSummary summary, String reason) {
      SyncMetrics.FETCH_FAILURES.inc();
      SyncMetrics.TYPES_COMPLETED.inc();
      SyncJob job = task.job();
      out.get(FAILED)
          .output(
              KV.of(
                  job.runKey(),
                  RunEvent.type(job, TypeOutcome.failed(task.type(), summary, reason))));
    }
  }
}
