package org.rostersync.transforms;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Diffs one join group with a hash map: a remote id missing locally is a create, a different hash
 * an update, a stored id missing remotely a delete; equal hashes are counted as unchanged and never
 * written.
 */
public final class ClassifyChanges
    extends PTransform<PCollection<KV<ShardKey, CoGbkResult>>, PCollection<ShardChanges>> {
  private final TupleTag<KV<ShardKey, RemoteShard>> remoteTag;
  private final TupleTag<KV<ShardKey, StoredShard>> storedTag;

  private ClassifyChanges(
      TupleTag<KV<ShardKey, RemoteShard>> remoteTag,
      TupleTag<KV<ShardKey, StoredShard>> storedTag) {
    this.remoteTag = remoteTag;
    this.storedTag = storedTag;
  }

  /**
   * Both sides grouped by {@link ShardKey#joinKey()}, each value with its full key (run included).
   */
  public static ClassifyChanges of(
      TupleTag<KV<ShardKey, RemoteShard>> remoteTag,
      TupleTag<KV<ShardKey, StoredShard>> storedTag) {
    return new ClassifyChanges(remoteTag, storedTag);
  }

  @Override
  public PCollection<ShardChanges> expand(PCollection<KV<ShardKey, CoGbkResult>> joined) {
    return joined
        .apply(ParDo.of(new ClassifyChangesFn(remoteTag, storedTag)))
        .setCoder(ShardChanges.Coder.of());
  }

  static final class ClassifyChangesFn extends DoFn<KV<ShardKey, CoGbkResult>, ShardChanges> {
    private static final Logger LOG = LoggerFactory.getLogger(ClassifyChangesFn.class);
    private final TupleTag<KV<ShardKey, RemoteShard>> remoteTag;
    private final TupleTag<KV<ShardKey, StoredShard>> storedTag;

    ClassifyChangesFn(
        TupleTag<KV<ShardKey, RemoteShard>> remoteTag,
        TupleTag<KV<ShardKey, StoredShard>> storedTag) {
      this.remoteTag = remoteTag;
      this.storedTag = storedTag;
    }

    @ProcessElement
    public void process(
        @Element KV<ShardKey, CoGbkResult> group, OutputReceiver<ShardChanges> out) {
      java.util.List<KV<ShardKey, StoredShard>> storeds = new java.util.ArrayList<>();
      group.getValue().getAll(storedTag).forEach(storeds::add);
      for (KV<ShardKey, RemoteShard> remote : group.getValue().getAll(remoteTag)) {
        KV<ShardKey, StoredShard> stored = null;
        for (Iterator<KV<ShardKey, StoredShard>> it = storeds.iterator(); it.hasNext(); ) {
          KV<ShardKey, StoredShard> s = it.next();
          if (s.getKey().equals(remote.getKey())) {
            stored = s;
            it.remove();
            break;
          }
        }
        if (stored != null) {
          out.output(classify(remote.getKey(), remote.getValue(), stored.getValue()));
        } else {
          // Two runs of one integration met in one group (a lease lapsed while its run was alive):
          // never guess
          // deletes from half a group; this shard fails, so its type fails and deletes nothing.
          SyncMetrics.INCOMPLETE_GROUPS.inc();
          LOG.error(
              "join group {} has no stored side for run {}; the shard fails",
              group.getKey(),
              remote.getKey().runId());
          RemoteShard r = remote.getValue();
          out.output(
              new ShardChanges.Builder(r.job(), remote.getKey(), r.fetch(), 0)
                  .build()
                  .withError(
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

  /** The diff of one group. Pure, so tests can call it directly. */
  static ShardChanges classify(ShardKey key, RemoteShard remote, StoredShard stored) {
    SyncMetrics.GROUP_SIZE.update(remote.size());
    Map<UUID, Integer> storedIndex = new HashMap<>(stored.size() * 2);
    for (int i = 0; i < stored.size(); i++) {
      storedIndex.put(new UUID(stored.msb(i), stored.lsb(i)), i);
    }
    boolean[] seen = new boolean[stored.size()];
    int[] updates = new int[remote.size()];
    int updateCount = 0;
    ShardChanges.Builder b =
        new ShardChanges.Builder(remote.job(), key, remote.fetch(), stored.size());
    for (int i = 0; i < remote.size(); i++) {
      Integer s = storedIndex.get(new UUID(remote.msb(i), remote.lsb(i)));
      if (remote.json(i) == null) {
        // Rejected record: still present at the source, so its stored row (if any) stays as it is.
        if (s != null) {
          seen[s] = true;
        }
        continue;
      }
      if (s == null) {
        b.upsert(true, remote.msb(i), remote.lsb(i), remote.hash(i), remote.json(i));
      } else {
        seen[s] = true;
        if (Arrays.equals(stored.hash(s), remote.hash(i))) {
          b.unchanged();
        } else {
          updates[updateCount++] = i;
        }
      }
    }
    for (int u = 0; u < updateCount; u++) {
      int i = updates[u];
      b.upsert(false, remote.msb(i), remote.lsb(i), remote.hash(i), remote.json(i));
    }
    for (int s = 0; s < stored.size(); s++) {
      if (!seen[s]) {
        b.delete(stored.msb(s), stored.lsb(s));
      }
    }
    ShardChanges c = b.build();
    SyncMetrics.UNCHANGED.inc(c.unchanged());
    return c;
  }
}
