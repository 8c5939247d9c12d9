package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One piece of a shard of a type too large for one fetch element, with its run's job: either
 * records of a stretch of pages, or the shard's end marker, which says how many record pieces the
 * shard was sent and whether the fetch completed (with its summary) or failed (the pieces are to be
 * dropped).
 */
@DefaultCoder(SpilledPart.Coder.class)
public final class SpilledPart {
  private final IdRows rows;
  private final SyncJob job;
  private final int pieces;
  private final FetchSummary fetch;

  private SpilledPart(IdRows rows, SyncJob job, int pieces, FetchSummary fetch) {
    this.rows = rows;
    this.job = job;
    this.pieces = pieces;
    this.fetch = fetch;
  }

  /** Records of one shard from one stretch of pages of {@code job}'s run. */
  static SpilledPart records(SyncJob job, IdRows rows) {
    return new SpilledPart(rows, job, 0, null);
  }

  /** The shard was sent {@code pieces} record pieces; {@code fetch} null: the fetch failed. */
  static SpilledPart end(SyncJob job, int pieces, FetchSummary fetch) {
    if (pieces < 0) {
      throw new IllegalArgumentException("pieces must not be negative, got " + pieces);
    }
    return new SpilledPart(null, job, pieces, fetch);
  }

  boolean isEnd() {
    return rows == null;
  }

  /** An end marker of a fetch that did not complete. */
  boolean aborted() {
    return isEnd() && fetch == null;
  }

  IdRows rows() {
    return rows;
  }

  SyncJob job() {
    return job;
  }

  int pieces() {
    return pieces;
  }

  FetchSummary fetch() {
    return fetch;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpilledPart p
        && (rows == null ? p.rows == null : rows.sameRows(p.rows))
        && java.util.Objects.equals(job, p.job)
        && pieces == p.pieces
        && java.util.Objects.equals(fetch, p.fetch);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(job, pieces, fetch, rows == null ? -1 : rows.size);
  }

  /**
   * Versioned binary coder (v3): a kind byte (0 records, 1 end, 2 aborted), the job, then the
   * kind's fields; a piece's compressed JSON stays as it is, after a flag naming the compression
   * (v3; v2's flag was a boolean and its JSON deflated; v1 had none).
   */
  public static final class Coder extends Codec.Versioned<SpilledPart> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(SpilledPart.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(SpilledPart.class, 3);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(SpilledPart p, DataOutputStream out) throws IOException {
      out.writeByte(!p.isEnd() ? 0 : p.aborted() ? 2 : 1);
      Codec.writeJob(p.job, out);
      if (!p.isEnd()) {
        p.rows.writeKeepingPackedTo(out);
        return;
      }
      out.writeInt(p.pieces);
      if (!p.aborted()) {
        FetchSummary.Coder.of().encode(p.fetch, out);
      }
    }

    @Override
    SpilledPart read(DataInputStream in, int version) throws IOException {
      int kind = in.readByte();
      SyncJob job = Codec.readJob(in);
      switch (kind) {
        case 0:
          return records(
              job,
              version >= 2 ? IdRows.readKeepingPackedFrom(in, version >= 3) : IdRows.readFrom(in));
        case 1:
        case 2:
          int pieces = in.readInt();
          FetchSummary fetch = kind == 1 ? FetchSummary.Coder.of().decode(in) : null;
          return new SpilledPart(null, job, pieces, fetch);
        default:
          throw new CoderException("cannot decode SpilledPart: unknown kind " + kind);
      }
    }
  }
}
