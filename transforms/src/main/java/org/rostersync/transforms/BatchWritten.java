package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * What writing one {@link RowBatch} did: the rows actually written (bad rows dead-lettered instead
 * are not counted), or why the batch failed. The delete guard waits for one per batch.
 */
@DefaultCoder(BatchWritten.Coder.class)
public record BatchWritten(SyncJob job, ShardKey key, boolean creates, int written, String error)
    implements Serializable {

  /** Versioned binary coder (v1). */
  public static final class Coder extends Codec.Versioned<BatchWritten> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(BatchWritten.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(BatchWritten.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(BatchWritten w, DataOutputStream out) throws IOException {
      Codec.writeJob(w.job, out);
      ShardKey.Coder.of().encode(w.key, out);
      out.writeBoolean(w.creates);
      out.writeInt(w.written);
      Codec.writeString(out, w.error);
    }

    @Override
    BatchWritten read(DataInputStream in, int version) throws IOException {
      SyncJob job = Codec.readJob(in);
      ShardKey key = ShardKey.Coder.of().decode(in);
      boolean creates = in.readBoolean();
      int written = in.readInt();
      return new BatchWritten(job, key, creates, written, Codec.readString(in));
    }
  }
}
