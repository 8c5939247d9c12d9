package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.rostersync.edlink.EntityType;

/**
 * The fetch-complete signal of one type: drives the read of stored hashes, with the shard count and
 * the shard scheme both sides use.
 */
@DefaultCoder(TypeFetched.Coder.class)
public record TypeFetched(
    String runId, String integrationId, EntityType type, int shardCount, Sharding.Scheme scheme)
    implements Serializable {

  /** A type sharded by {@link Sharding#CURRENT}. */
  public TypeFetched(String runId, String integrationId, EntityType type, int shardCount) {
    this(runId, integrationId, type, shardCount, Sharding.CURRENT);
  }

  /** Round-trips through the SQL so each stored row knows its join key. */
  String encode() {
    return runId + "|" + integrationId + "|" + type.path() + "|" + shardCount + "|" + scheme.code();
  }

  static TypeFetched decode(String s) {
    String[] p = s.split("\\|");
    try {
      return new TypeFetched(
          p[0],
          p[1],
          EntityType.fromPath(p[2]),
          Integer.parseInt(p[3]),
          Sharding.Scheme.ofCode(Integer.parseInt(p[4])));
    } catch (org.apache.beam.sdk.coders.CoderException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * Versioned binary coder: v2 adds the shard scheme; a v1 signal, from a build that knew only
   * {@link Sharding.Scheme#MD5_OF_TEXT}, reads its stored hashes by that scheme.
   */
  public static final class Coder extends Codec.Versioned<TypeFetched> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(TypeFetched.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(TypeFetched.class, 2);
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
      out.writeByte(t.scheme.code());
    }

    @Override
    TypeFetched read(DataInputStream in, int version) throws IOException {
      String run = Codec.readString(in);
      String integration = Codec.readString(in);
      EntityType type = Codec.readType(in);
      int count = in.readInt();
      Sharding.Scheme scheme =
          version >= 2 ? Sharding.Scheme.ofCode(in.readByte()) : Sharding.Scheme.MD5_OF_TEXT;
      return new TypeFetched(run, integration, type, count, scheme);
    }
  }
}
