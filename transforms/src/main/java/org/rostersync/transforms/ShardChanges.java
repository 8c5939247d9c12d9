package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One join group's diff as the delete guard needs it: the ids to delete, how many rows the group
 * had stored, found unchanged and sent to be created or updated, and in how many {@link RowBatch}es
 * those went (the guard waits for a receipt of each). An element of the classification's deletes.
 */
@DefaultCoder(ShardChanges.Coder.class)
public final class ShardChanges {
  private final SyncJob job;
  private final ShardKey key;
  private final FetchSummary fetch;
  private final int stored;
  private final int created;
  private final int updated;
  private final int unchanged;
  private final int rowBatches;
  private final int deletes;
  private final long[] delMsb;
  private final long[] delLsb;
  private final String error;

  ShardChanges(
      SyncJob job,
      ShardKey key,
      FetchSummary fetch,
      int stored,
      int created,
      int updated,
      int unchanged,
      int rowBatches,
      int deletes,
      long[] delMsb,
      long[] delLsb,
      String error) {
    this.job = job;
    this.key = key;
    this.fetch = fetch;
    this.stored = stored;
    this.created = created;
    this.updated = updated;
    this.unchanged = unchanged;
    this.rowBatches = rowBatches;
    this.deletes = deletes;
    this.delMsb = delMsb;
    this.delLsb = delLsb;
    this.error = error;
  }

  /** Why this group failed, or null. */
  public String error() {
    return error;
  }

  public SyncJob job() {
    return job;
  }

  public ShardKey key() {
    return key;
  }

  public FetchSummary fetch() {
    return fetch;
  }

  /** Live rows the database held for this shard before the run. */
  public int stored() {
    return stored;
  }

  /** Rows classified as new (written ones are counted by the receipts). */
  public int created() {
    return created;
  }

  /** Rows classified as changed. */
  public int updated() {
    return updated;
  }

  public int unchanged() {
    return unchanged;
  }

  /** How many {@link RowBatch}es carry this group's creates and updates. */
  public int rowBatches() {
    return rowBatches;
  }

  public int deletes() {
    return deletes;
  }

  public long deleteMsb(int i) {
    return delMsb[i];
  }

  public long deleteLsb(int i) {
    return delLsb[i];
  }

  /** Collects one group's counts and deletes. */
  static final class Builder {
    private final SyncJob job;
    private final ShardKey key;
    private final FetchSummary fetch;
    private final int stored;
    private int created;
    private int updated;
    private int unchanged;
    private int rowBatches;
    private int d;
    private long[] delMsb = new long[8];
    private long[] delLsb = new long[8];

    Builder(SyncJob job, ShardKey key, FetchSummary fetch, int stored) {
      this.job = job;
      this.key = key;
      this.fetch = fetch;
      this.stored = stored;
    }

    void created(int n) {
      created += n;
    }

    void updated(int n) {
      updated += n;
    }

    void rowBatches(int n) {
      rowBatches += n;
    }

    void delete(long msb, long lsb) {
      if (d == delMsb.length) {
        delMsb = Arrays.copyOf(delMsb, d * 2);
        delLsb = Arrays.copyOf(delLsb, d * 2);
      }
      delMsb[d] = msb;
      delLsb[d] = lsb;
      d++;
    }

    void unchanged() {
      unchanged++;
    }

    void unchanged(int n) {
      unchanged += n;
    }

    /** Decoded deletes: the first {@code n} entries of the arrays (not copied). */
    void deletes(int n, long[] msb, long[] lsb) {
      d = n;
      delMsb = msb;
      delLsb = lsb;
    }

    ShardChanges build() {
      return build(null);
    }

    /** With {@code error} set, the group failed and its type must not delete anything. */
    ShardChanges build(String error) {
      return new ShardChanges(
          job,
          key,
          fetch,
          stored,
          created,
          updated,
          unchanged,
          rowBatches,
          d,
          delMsb,
          delLsb,
          error);
    }
  }

  /**
   * Versioned binary coder (v2: the upserts moved to {@link RowBatch}; v1, which carried them, is
   * refused).
   */
  public static final class Coder extends Codec.Versioned<ShardChanges> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(ShardChanges.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(ShardChanges.class, 2);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(ShardChanges c, DataOutputStream out) throws IOException {
      Codec.writeJob(c.job, out);
      ShardKey.Coder.of().encode(c.key, out);
      FetchSummary.Coder.of().encode(c.fetch, out);
      out.writeInt(c.stored);
      out.writeInt(c.created);
      out.writeInt(c.updated);
      out.writeInt(c.unchanged);
      out.writeInt(c.rowBatches);
      out.writeInt(c.deletes);
      Codec.writeLongs(out, c.delMsb, c.deletes);
      Codec.writeLongs(out, c.delLsb, c.deletes);
      Codec.writeString(out, c.error == null ? null : SafeText.clean(c.error, 8000));
    }

    @Override
    ShardChanges read(DataInputStream in, int version) throws IOException {
      if (version < 2) {
        throw new CoderException(
            "cannot decode ShardChanges v1 (it carried the upserts): drain the job and relaunch");
      }
      SyncJob job = Codec.readJob(in);
      ShardKey key = ShardKey.Coder.of().decode(in);
      FetchSummary fetch = FetchSummary.Coder.of().decode(in);
      Builder b = new Builder(job, key, fetch, in.readInt());
      b.created(in.readInt());
      b.updated(in.readInt());
      b.unchanged(in.readInt());
      b.rowBatches(in.readInt());
      int deletes = in.readInt();
      b.deletes(deletes, Codec.readLongs(in, deletes), Codec.readLongs(in, deletes));
      return b.build(Codec.readString(in));
    }
  }
}
