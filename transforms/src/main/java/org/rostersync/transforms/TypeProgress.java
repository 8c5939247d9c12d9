package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One input of the delete guard, keyed by (integration, type): either a shard's diff summary with
 * its deletes, or the receipt of one written batch. Exactly one of the two is set.
 */
@DefaultCoder(TypeProgress.Coder.class)
public record TypeProgress(ShardChanges shard, BatchWritten written) implements Serializable {

  public static TypeProgress of(ShardChanges shard) {
    return new TypeProgress(shard, null);
  }

  public static TypeProgress of(BatchWritten written) {
    return new TypeProgress(null, written);
  }

  public SyncJob job() {
    return shard != null ? shard.job() : written.job();
  }

  public ShardKey key() {
    return shard != null ? shard.key() : written.key();
  }

  /** Versioned binary coder (v1): a tag byte (1 shard, 2 receipt), then that value's coder. */
  public static final class Coder extends Codec.Versioned<TypeProgress> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(TypeProgress.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(TypeProgress.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(TypeProgress p, DataOutputStream out) throws IOException {
      if (p.shard != null) {
        out.writeByte(1);
        ShardChanges.Coder.of().encode(p.shard, out);
      } else {
        out.writeByte(2);
        BatchWritten.Coder.of().encode(p.written, out);
      }
    }

    @Override
    TypeProgress read(DataInputStream in, int version) throws IOException {
      int tag = in.readByte();
      switch (tag) {
        case 1:
          return TypeProgress.of(ShardChanges.Coder.of().decode(in));
        case 2:
          return TypeProgress.of(BatchWritten.Coder.of().decode(in));
        default:
          throw new org.apache.beam.sdk.coders.CoderException(
              "cannot decode TypeProgress: unknown tag " + tag);
      }
    }
  }
}
