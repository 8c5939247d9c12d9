package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.rostersync.edlink.EntityType;

/** A record kept out of the database, with the reason; stored in {@code dead_letter_records}. */
@DefaultCoder(RejectedRecord.Coder.class)
public record RejectedRecord(
    String runId, String integrationId, EntityType type, String id, String reason, String excerpt)
    implements Serializable {
  /** How much of a rejected record is kept for the operator. */
  static final int EXCERPT_BYTES = 500;

  /** The first {@value #EXCERPT_BYTES} bytes of a record's canonical JSON, as text. */
  public static String excerpt(byte[] canonicalJson) {
    return new String(
        canonicalJson, 0, Math.min(canonicalJson.length, EXCERPT_BYTES), StandardCharsets.UTF_8);
  }

  /** Versioned binary coder (v1). */
  public static final class Coder extends Codec.Versioned<RejectedRecord> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(RejectedRecord.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(RejectedRecord.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(RejectedRecord r, DataOutputStream out) throws IOException {
      Codec.writeString(out, r.runId);
      Codec.writeString(out, r.integrationId);
      Codec.writeType(out, r.type);
      Codec.writeString(out, r.id);
      Codec.writeString(out, r.reason);
      Codec.writeString(out, r.excerpt);
    }

    @Override
    RejectedRecord read(DataInputStream in, int version) throws IOException {
      return new RejectedRecord(
          Codec.readString(in),
          Codec.readString(in),
          Codec.readType(in),
          Codec.readString(in),
          Codec.readString(in),
          Codec.readString(in));
    }
  }
}
