package org.rostersync.transforms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Diffs one join group with a hash map and yields the three PCollections of the design: {@link
 * #CREATES} (remote ids missing locally), {@link #UPDATES} (a different hash), both as {@link
 * RowBatch}es bounded in rows and bytes, and {@link #DELETES} (stored ids missing remotely), one
 * {@link ShardChanges} per group that also carries the group's counts for the delete guard. Equal
 * hashes are counted as unchanged and never written.
 */
public final class ClassifyChanges
    extends PTransform<PCollection<KV<ShardKey, CoGbkResult>>, PCollectionTuple> {
  public static final TupleTag<RowBatch> CREATES = new TupleTag<>("creates") {};
  public static final TupleTag<RowBatch> UPDATES = new TupleTag<>("updates") {};
  public static final TupleTag<ShardChanges> DELETES = new TupleTag<>("deletes") {};

  private final TupleTag<KV<ShardKey, RemoteShard>> remoteTag;
  private final TupleTag<KV<ShardKey, StoredShard>> storedTag;
  private final WriteLimits limits;

  /** At most {@code rows} rows and about {@code bytes} bytes of JSON per {@link RowBatch}. */
  record WriteLimits(int rows, long bytes) implements java.io.Serializable {}

  private ClassifyChanges(
      TupleTag<KV<ShardKey, RemoteShard>> remoteTag,
      TupleTag<KV<ShardKey, StoredShard>> storedTag,
      WriteLimits limits) {
    this.remoteTag = remoteTag;
    this.storedTag = storedTag;
    this.limits = limits;
  }

  /**
   * Both sides grouped by {@link ShardKey#joinKey()}, each value with its full key (run included).
   */
  public static ClassifyChanges of(
      TupleTag<KV<ShardKey, RemoteShard>> remoteTag,
      TupleTag<KV<ShardKey, StoredShard>> storedTag) {
    return new ClassifyChanges(
        remoteTag,
        storedTag,
        new WriteLimits(SyncDefaults.ROWS_PER_WRITE, SyncDefaults.BYTES_PER_WRITE));
  }

  /** Rows (and bytes of JSON, about) per write transaction: one {@link RowBatch} each. */
  public ClassifyChanges withRowsPerWrite(int rows, long bytes) {
    if (rows < 1 || bytes < 1) {
      throw new IllegalArgumentException(
          "rows and bytes per write must be positive, got " + rows + " and " + bytes);
    }
    return new ClassifyChanges(remoteTag, storedTag, new WriteLimits(rows, bytes));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("rowsPerWrite", limits.rows()).withLabel("Rows per write, at most"))
        .add(DisplayData.item("bytesPerWrite", limits.bytes()).withLabel("JSON bytes per write"));
  }

  @Override
  public PCollectionTuple expand(PCollection<KV<ShardKey, CoGbkResult>> joined) {
    PCollectionTuple out =
        joined.apply(
            ParDo.of(new ClassifyChangesFn(this))
                .withOutputTags(DELETES, TupleTagList.of(CREATES).and(UPDATES)));
    out.get(CREATES).setCoder(RowBatch.Coder.of());
    out.get(UPDATES).setCoder(RowBatch.Coder.of());
    out.get(DELETES).setCoder(ShardChanges.Coder.of());
    return out;
  }

  static final class ClassifyChangesFn extends DoFn<KV<ShardKey, CoGbkResult>, ShardChanges> {
    private static final Logger LOG = LoggerFactory.getLogger(ClassifyChangesFn.class);
    private final ClassifyChanges spec;

    ClassifyChangesFn(ClassifyChanges spec) {
      this.spec = spec;
    }

    @ProcessElement
    public void process(@Element KV<ShardKey, CoGbkResult> group, MultiOutputReceiver out) {
      java.util.List<KV<ShardKey, StoredShard>> storeds = new java.util.ArrayList<>();
      group.getValue().getAll(spec.storedTag).forEach(storeds::add);
      for (KV<ShardKey, RemoteShard> remote : group.getValue().getAll(spec.remoteTag)) {
        KV<ShardKey, StoredShard> stored = null;
        for (Iterator<KV<ShardKey, StoredShard>> it = storeds.iterator(); it.hasNext(); ) {
          KV<ShardKey, StoredShard> s = it.next();
          if (s.getKey().equals(remote.getKey())) {
            stored = s;
            it.remove();
            break;
          }
        }
        if (remote.getValue().withdrawn()) {
          // The type's fetch failed after its stored hashes were read ahead: the group is cleared
          // and compares nothing (the fetch's failure is the type's outcome).
          SyncMetrics.GROUPS_WITHDRAWN.inc();
        } else if (stored != null && remote.getValue().failure() != null) {
          // The remote records of this shard cannot be used: the shard fails, so its type
          // deletes nothing.
          out.get(DELETES).output(failedGroup(remote, remote.getValue().failure()));
        } else if (stored != null) {
          Diff diff = classify(remote.getKey(), remote.getValue(), stored.getValue(), spec.limits);
          diff.creates().forEach(out.get(CREATES)::output);
          diff.updates().forEach(out.get(UPDATES)::output);
          out.get(DELETES).output(diff.shard());
        } else {
          // Two runs of one integration met in one group (a lease lapsed while its run was alive):
          // never guess deletes from half a group; this shard fails, so its type deletes nothing.
          SyncMetrics.INCOMPLETE_GROUPS.inc();
          LOG.error(
              "join group {} has no stored side for run {}; the shard fails",
              group.getKey(),
              remote.getKey().runId());
          out.get(DELETES)
              .output(
                  failedGroup(
                      remote,
                      "join group " + remote.getKey() + " met another run's shard; not compared"));
        }
      }
      for (KV<ShardKey, StoredShard> s : storeds) {
        SyncMetrics.INCOMPLETE_GROUPS.inc();
        LOG.error(
            "join group {} has no remote side for run {}; it is ignored",
            group.getKey(),
            s.getKey().runId());
      }
    }
  }

  /** A group that fails without being compared: no writes, no deletes, its type fails. */
  private static ShardChanges failedGroup(KV<ShardKey, RemoteShard> remote, String reason) {
    RemoteShard r = remote.getValue();
    return new ShardChanges.Builder(r.job(), remote.getKey(), r.fetch(), 0).build(reason);
  }

  /** One group's diff: its creates and updates in bounded batches, its counts and deletes. */
  record Diff(List<RowBatch> creates, List<RowBatch> updates, ShardChanges shard) {}

  /** The diff of one group. Pure, so tests can call it directly. */
  static Diff classify(ShardKey key, RemoteShard remote, StoredShard stored, WriteLimits limits) {
    SyncMetrics.GROUP_SIZE.update(remote.size());
    Map<UUID, Integer> storedIndex = new HashMap<>(stored.size() * 2);
    for (int i = 0; i < stored.size(); i++) {
      storedIndex.put(new UUID(stored.msb(i), stored.lsb(i)), i);
    }
    boolean[] seen = new boolean[stored.size()];
    ShardChanges.Builder b =
        new ShardChanges.Builder(remote.job(), key, remote.fetch(), stored.size());
    PackedJson packed = remote.rows().packedJson();
    Batcher creates = new Batcher(remote.job(), key, true, limits, packed != null);
    Batcher updates = new Batcher(remote.job(), key, false, limits, packed != null);
    byte[] kinds = new byte[remote.size()];
    for (int i = 0; i < remote.size(); i++) {
      Integer s = storedIndex.get(new UUID(remote.msb(i), remote.lsb(i)));
      if (!remote.hasJson(i)) {
        // Rejected record: still present at the source, so its stored row (if any) stays as it is.
        if (s != null) {
          seen[s] = true;
        }
        continue;
      }
      if (s == null) {
        kinds[i] = CREATE;
      } else {
        seen[s] = true;
        if (stored.sameHash(s, remote.rows(), i)) {
          b.unchanged();
        } else {
          kinds[i] = UPDATE;
        }
      }
    }
    // Only creates and updates are read, in row order: a frame whose rows all go to one batch
    // moves there still compressed; any other is decompressed once.
    IdRows.JsonReader json = remote.jsonReader();
    int f = PackedJson.FRAME;
    for (int i = 0; i < remote.size(); ) {
      byte kind = kinds[i];
      if (packed != null
          && kind != 0
          && i % f == 0
          && packed.fullFrame(i / f)
          && sameKind(kinds, i, i + f)
          && (kind == CREATE ? creates : updates).addFrame(remote, i / f)) {
        i += f;
        continue;
      }
      if (kind == CREATE) {
        creates.add(remote, i, json.json(i));
      } else if (kind == UPDATE) {
        updates.add(remote, i, json.json(i));
      }
      i++;
    }
    for (int s = 0; s < stored.size(); s++) {
      if (!seen[s]) {
        b.delete(stored.msb(s), stored.lsb(s));
      }
    }
    List<RowBatch> c = creates.finish();
    List<RowBatch> u = updates.finish();
    b.created(creates.rows);
    b.updated(updates.rows);
    b.rowBatches(c.size() + u.size());
    ShardChanges shard = b.build();
    SyncMetrics.UNCHANGED.inc(shard.unchanged());
    return new Diff(c, u, shard);
  }

  private static final byte CREATE = 1;
  private static final byte UPDATE = 2;

  private static boolean sameKind(byte[] kinds, int from, int to) {
    for (int i = from + 1; i < to; i++) {
      if (kinds[i] != kinds[from]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Cuts one kind of rows into {@link RowBatch}es within the limits; from a packed shard, the
   * batches are packed too.
   */
  private static final class Batcher {
    private final SyncJob job;
    private final ShardKey key;
    private final boolean creates;
    private final WriteLimits limits;
    private final boolean packed;
    private final List<RowBatch> done = new ArrayList<>();
    private IdRows open;
    private long openBytes;
    int rows;

    Batcher(SyncJob job, ShardKey key, boolean creates, WriteLimits limits, boolean packed) {
      this.job = job;
      this.key = key;
      this.creates = creates;
      this.limits = limits;
      this.packed = packed;
    }

    /**
     * Takes a whole frame of rows still compressed, when the open batch is at a frame boundary (or
     * a new one starts); false leaves the rows to {@link #add}.
     */
    boolean addFrame(RemoteShard remote, int frame) {
      PackedJson from = remote.rows().packedJson();
      long bytes = from.frameBytes(frame);
      if (PackedJson.FRAME > limits.rows() || bytes > limits.bytes()) {
        return false;
      }
      if (open != null && !open.packedJson().atFrameBoundary()) {
        return false;
      }
      if (open != null
          && (open.size + PackedJson.FRAME > limits.rows() || openBytes + bytes > limits.bytes())) {
        close();
      }
      if (open == null) {
        open = IdRows.packed(Math.min(limits.rows(), 1024));
        openBytes = 0;
      }
      open.appendFrame(remote.rows(), frame);
      openBytes += bytes;
      rows += PackedJson.FRAME;
      return true;
    }

    private void close() {
      open.seal();
      done.add(new RowBatch(job, key, creates, open));
      open = null;
    }

    void add(RemoteShard remote, int i, byte[] json) {
      if (open != null
          && (open.size >= limits.rows() || openBytes + json.length > limits.bytes())) {
        close();
      }
      if (open == null) {
        int capacity = Math.min(limits.rows(), 1024);
        open = packed ? IdRows.packed(capacity) : new IdRows(capacity);
        openBytes = 0;
      }
      open.addFrom(remote.rows(), i, json);
      openBytes += json.length;
      rows++;
    }

    List<RowBatch> finish() {
      if (open != null) {
        close();
      }
      return done;
    }
  }
}
