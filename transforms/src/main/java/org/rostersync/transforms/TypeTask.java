package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.rostersync.edlink.EntityType;

/**
 * One entity type of one run: the unit the fetch works on. {@code storedCount} is the type's stored
 * rows when counted before the fetch (-1: the fetch counts them); {@code readAheadShards}, when
 * positive, the shard count its stored hashes were already asked for with ({@code
 * FetchEntities.PlanReadAheadFn}), which the fetch then shards by.
 */
@DefaultCoder(TypeTask.Coder.class)
public record TypeTask(SyncJob job, EntityType type, long storedCount, int readAheadShards)
    implements Serializable {

  public TypeTask(SyncJob job, EntityType type) {
    this(job, type, -1, 0);
  }

  TypeTask counted(long stored, int readAhead) {
    return new TypeTask(job, type, stored, readAhead);
  }

  /**
   * Versioned binary coder (v2: the stored count and the read-ahead shard count; a v1 task has
   * neither).
   */
  public static final class Coder extends Codec.Versioned<TypeTask> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(TypeTask.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(TypeTask.class, 2);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(TypeTask t, DataOutputStream out) throws IOException {
      SyncJob.Coder.of().encode(t.job, out);
      Codec.writeType(out, t.type);
      out.writeLong(t.storedCount);
      out.writeInt(t.readAheadShards);
    }

    @Override
    TypeTask read(DataInputStream in, int version) throws IOException {
      SyncJob job = SyncJob.Coder.of().decode(in);
      EntityType type = Codec.readType(in);
      return version >= 2
          ? new TypeTask(job, type, in.readLong(), in.readInt())
          : new TypeTask(job, type);
    }
  }
}
