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
 * Diffs one join group with a hash map: a remote id missing locally is a create, a different hash an update, a
 * stored id missing remotely a delete; equal hashes are counted as unchanged and never written.
 */
public final class ClassifyChanges
    extends PTransform<PCollection<KV<ShardKey, CoGbkResult>>, PCollection<ShardChanges>> {
  private final TupleTag<RemoteShard> remoteTag;
  private final TupleTag<StoredShard> storedTag;

  private ClassifyChanges(TupleTag<RemoteShard> remoteTag, TupleTag<StoredShard> storedTag) {
    this.remoteTag = remoteTag;
    this.storedTag = storedTag;
  }

  public static ClassifyChanges of(TupleTag<RemoteShard> remoteTag, TupleTag<StoredShard> storedTag) {
    return new ClassifyChanges(remoteTag, storedTag);
  }

  @Override
  public PCollection<ShardChanges> expand(PCollection<KV<ShardKey, CoGbkResult>> joined) {
    return joined.apply(ParDo.of(new ClassifyChangesFn(remoteTag, storedTag))).setCoder(ShardChanges.Coder.of());
  }

  static final class ClassifyChangesFn extends DoFn<KV<ShardKey, CoGbkResult>, ShardChanges> {
    private static final Logger LOG = LoggerFactory.getLogger(ClassifyChangesFn.class);
    private final TupleTag<RemoteShard> remoteTag;
    private final TupleTag<StoredShard> storedTag;

    ClassifyChangesFn(TupleTag<RemoteShard> remoteTag, TupleTag<StoredShard> storedTag) {
      this.remoteTag = remoteTag;
      this.storedTag = storedTag;
    }

    @ProcessElement
    public void process(@Element KV<ShardKey, CoGbkResult> group, OutputReceiver<ShardChanges> out) {
      Iterator<RemoteShard> remotes = group.getValue().getAll(remoteTag).iterator();
      Iterator<StoredShard> storeds = group.getValue().getAll(storedTag).iterator();
      if (!remotes.hasNext() || !storeds.hasNext()) {
        // Cannot happen when both sides deliver one element per key; never guess deletes from half a group.
        SyncMetrics.INCOMPLETE_GROUPS.inc();
        LOG.error("join group {} is missing a side; it is ignored", group.getKey());
        return;
      }
      out.output(classify(group.getKey(), remotes.next(), storeds.next()));
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
    ShardChanges.Builder b = new ShardChanges.Builder(remote.job(), key, remote.fetch(), stored.size());
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
