package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.rostersync.edlink.EntityType;

/** One entity type of one run: the unit the fetch works on. */
@DefaultCoder(TypeTask.Coder.class)
public record TypeTask(SyncJob job, EntityType type) implements Serializable {

  /** Versioned binary coder (v1). */
  public static final class Coder extends Codec.Versioned<TypeTask> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(TypeTask.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(TypeTask.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(TypeTask t, DataOutputStream out) throws IOException {
      SyncJob.Coder.of().encode(t.job, out);
      Codec.writeType(out, t.type);
    }

    @Override
    TypeTask read(DataInputStream in, int version) throws IOException {
      return new TypeTask(SyncJob.Coder.of().decode(in), Codec.readType(in));
    }
  }
}
