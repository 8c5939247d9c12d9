package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * Rows of one shard to create, or to update, written in one transaction: an element of the
 * classification's creates or updates. Bounded in rows and bytes ({@link
 * ClassifyChanges#withRowsPerWrite}), so no element nor the work of writing it grows with a type.
 */
@DefaultCoder(RowBatch.Coder.class)
public final class RowBatch {
  private final SyncJob job;
  private final ShardKey key;
  private final boolean creates;
  private final IdRows rows;

  RowBatch(SyncJob job, ShardKey key, boolean creates, IdRows rows) {
    this.job = job;
    this.key = key;
    this.creates = creates;
    this.rows = rows;
  }

  public SyncJob job() {
    return job;
  }

  public ShardKey key() {
    return key;
  }

  /** True for new rows, false for changed ones. */
  public boolean creates() {
    return creates;
  }

  public int size() {
    return rows.size;
  }

  /** The rows, in parallel arrays. */
  IdRows rows() {
    return rows;
  }

  /**
   * Versioned binary coder (v3: packed JSON stays compressed, after a flag naming the compression;
   * v2's flag was a boolean and its JSON deflated; v1 had none).
   */
  public static final class Coder extends Codec.Versioned<RowBatch> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(RowBatch.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(RowBatch.class, 3);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(RowBatch b, DataOutputStream out) throws IOException {
      Codec.writeJob(b.job, out);
      ShardKey.Coder.of().encode(b.key, out);
      out.writeBoolean(b.creates);
      b.rows.writeKeepingPackedTo(out);
    }

    @Override
    RowBatch read(DataInputStream in, int version) throws IOException {
      SyncJob job = Codec.readJob(in);
      ShardKey key = ShardKey.Coder.of().decode(in);
      boolean creates = in.readBoolean();
      return new RowBatch(
          job,
          key,
          creates,
          version >= 2 ? IdRows.readKeepingPackedFrom(in, version >= 3) : IdRows.readFrom(in));
    }
  }
}
