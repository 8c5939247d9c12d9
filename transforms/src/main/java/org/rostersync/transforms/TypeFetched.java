package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.rostersync.edlink.EntityType;

/**
 * The fetch-complete signal of one type: drives the read of stored hashes, with the shard count
 * both sides use.
 */
@DefaultCoder(TypeFetched.Coder.class)
public record TypeFetched(String runId, String integrationId, EntityType type, int shardCount)
    implements Serializable {

  /** Round-trips through the SQL so each stored row knows its join key. */
  String encode() {
    return runId + "|" + integrationId + "|" + type.path() + "|" + shardCount;
  }

  static TypeFetched decode(String s) {
    String[] p = s.split("\\|");
    return new TypeFetched(p[0], p[1], EntityType.fromPath(p[2]), Integer.parseInt(p[3]));
  }

  /** Versioned binary coder (v1). */
  public static final class Coder extends Codec.Versioned<TypeFetched> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(TypeFetched.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(TypeFetched.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(TypeFetched t, DataOutputStream out) throws IOException {
      Codec.writeString(out, t.runId);
      Codec.writeString(out, t.integrationId);
      Codec.writeType(out, t.type);
      out.writeInt(t.shardCount);
    }

    @Override
    TypeFetched read(DataInputStream in, int version) throws IOException {
      return new TypeFetched(
          Codec.readString(in), Codec.readString(in), Codec.readType(in), in.readInt());
    }
  }
}
