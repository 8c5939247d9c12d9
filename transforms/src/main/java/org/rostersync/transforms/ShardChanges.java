package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The diff of one join group: records to create, records to update, ids to delete, and how many
 * were unchanged (counted, never written). Upserts are the first {@link #upserts()} entries:
 * creates, then updates. After the upserts are written, the same shard travels on with {@link
 * #withoutUpserts()} to the delete guard.
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
  private final int upserts;
  private final long[] upMsb;
  private final long[] upLsb;
  private final byte[][] upHash;
  private final byte[][] upJson;
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
      int upserts,
      long[] upMsb,
      long[] upLsb,
      byte[][] upHash,
      byte[][] upJson,
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
    this.upserts = upserts;
    this.upMsb = upMsb;
    this.upLsb = upLsb;
    this.upHash = upHash;
    this.upJson = upJson;
    this.deletes = deletes;
    this.delMsb = delMsb;
    this.delLsb = delLsb;
    this.error = error;
  }

  /** What the delete guard needs once the upserts are written: counts and delete ids. */
  public ShardChanges withoutUpserts() {
    return new ShardChanges(
        job,
        key,
        fetch,
        stored,
        created,
        updated,
        unchanged,
        0,
        new long[0],
        new long[0],
        new byte[0][],
        new byte[0][],
        deletes,
        delMsb,
        delLsb,
        error);
  }

  /** The counts of rows actually written (some may have been dead-lettered instead). */
  public ShardChanges withWritten(int writtenCreated, int writtenUpdated) {
    return new ShardChanges(
        job,
        key,
        fetch,
        stored,
        writtenCreated,
        writtenUpdated,
        unchanged,
        upserts,
        upMsb,
        upLsb,
        upHash,
        upJson,
        deletes,
        delMsb,
        delLsb,
        error);
  }

  /** This shard could not be written; its type must not delete anything. */
  public ShardChanges withError(String message) {
    return new ShardChanges(
        job, key, fetch, stored, created, updated, unchanged, upserts, upMsb, upLsb, upHash, upJson,
        deletes, delMsb, delLsb, message);
  }

  /** Why writing this shard failed, or null. */
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

  public int created() {
    return created;
  }

  public int updated() {
    return updated;
  }

  public int unchanged() {
    return unchanged;
  }

  public int upserts() {
    return upserts;
  }

  public long upsertMsb(int i) {
    return upMsb[i];
  }

  public long upsertLsb(int i) {
    return upLsb[i];
  }

  public byte[] upsertHash(int i) {
    return upHash[i];
  }

  public byte[] upsertJson(int i) {
    return upJson[i];
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

  /** Collects one shard's diff. */
  static final class Builder {
    private final SyncJob job;
    private final ShardKey key;
    private final FetchSummary fetch;
    private final int stored;
    private int created;
    private int updated;
    private int unchanged;
    private final IdRows ups = new IdRows(8);
    private int d;
    private long[] delMsb = new long[8];
    private long[] delLsb = new long[8];

    Builder(SyncJob job, ShardKey key, FetchSummary fetch, int stored) {
      this.job = job;
      this.key = key;
      this.fetch = fetch;
      this.stored = stored;
    }

    /** Call with all creates before any update, so creates stay first. */
    void upsert(boolean create, long msb, long lsb, byte[] hash, byte[] json) {
      ups.add(msb, lsb, hash, json);
      if (create) {
        created++;
      } else {
        updated++;
      }
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

    ShardChanges build() {
      return new ShardChanges(
          job,
          key,
          fetch,
          stored,
          created,
          updated,
          unchanged,
          ups.size,
          ups.msb,
          ups.lsb,
          ups.hashes,
          ups.json,
          d,
          delMsb,
          delLsb,
          null);
    }
  }

  /** Versioned binary coder (v1). */
  public static final class Coder extends Codec.Versioned<ShardChanges> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(ShardChanges.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(ShardChanges.class, 1);
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
      out.writeInt(c.upserts);
      Codec.writeLongs(out, c.upMsb, c.upserts);
      Codec.writeLongs(out, c.upLsb, c.upserts);
      Codec.writeBytesArray(out, c.upHash, c.upserts);
      Codec.writeBytesArray(out, c.upJson, c.upserts);
      out.writeInt(c.deletes);
      Codec.writeLongs(out, c.delMsb, c.deletes);
      Codec.writeLongs(out, c.delLsb, c.deletes);
      out.writeBoolean(c.error != null);
      if (c.error != null) {
        out.writeUTF(c.error.length() > 8000 ? c.error.substring(0, 8000) : c.error);
      }
    }

    @Override
    ShardChanges read(DataInputStream in, int version) throws IOException {
      SyncJob job = Codec.readJob(in);
      ShardKey key = ShardKey.Coder.of().decode(in);
      FetchSummary fetch = FetchSummary.Coder.of().decode(in);
      int stored = in.readInt();
      int created = in.readInt();
      int updated = in.readInt();
      int unchanged = in.readInt();
      int n = in.readInt();
      long[] upMsb = Codec.readLongs(in, n);
      long[] upLsb = Codec.readLongs(in, n);
      byte[][] upHash = Codec.readBytesArray(in, n);
      byte[][] upJson = Codec.readBytesArray(in, n);
      int d = in.readInt();
      long[] delMsb = Codec.readLongs(in, d);
      long[] delLsb = Codec.readLongs(in, d);
      String error = in.readBoolean() ? in.readUTF() : null;
      return new ShardChanges(
          job, key, fetch, stored, created, updated, unchanged, n, upMsb, upLsb, upHash, upJson, d,
          delMsb, delLsb, error);
    }
  }
}
