package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * What fetching one entity type of one integration cost, and how many records were rejected (kept
 * out of the database, sent to {@code dead_letter_records}, and never mistaken for deletes).
 */
@DefaultCoder(FetchSummary.Coder.class)
public record FetchSummary(long records, int pages, int retries, long millis, long rejected)
    implements Serializable {

  /** Versioned binary coder (v1). */
  public static final class Coder extends Codec.Versioned<FetchSummary> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(FetchSummary.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(FetchSummary.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(FetchSummary f, DataOutputStream out) throws IOException {
      out.writeLong(f.records);
      out.writeInt(f.pages);
      out.writeInt(f.retries);
      out.writeLong(f.millis);
      out.writeLong(f.rejected);
    }

    @Override
    FetchSummary read(DataInputStream in, int version) throws IOException {
      return new FetchSummary(
          in.readLong(), in.readInt(), in.readInt(), in.readLong(), in.readLong());
    }
  }
}
