package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * Where the paging of a spilled type stands: the cursor of the next page (null once the type was
 * paged to its end or failed), what the pages so far cost, and how many record pieces each of its
 * {@code pieces.length} shards was sent, by which {@link Sharding.Scheme}. It is the restriction of
 * {@link FetchRemainingPagesFn}: a checkpoint after every stretch of pages commits that stretch's
 * output and this position together, so a retried or resumed fetch neither loses nor repeats a
 * page.
 */
@DefaultCoder(PagingPosition.Coder.class)
public final class PagingPosition {
  private final String resumeFrom;
  private final long records;
  private final int pages;
  private final int retries;
  private final long rejected;
  private final long startedAtMillis;
  private final int[] pieces;
  private final Sharding.Scheme scheme;

  PagingPosition(
      String resumeFrom,
      long records,
      int pages,
      int retries,
      long rejected,
      long startedAtMillis,
      int[] pieces,
      Sharding.Scheme scheme) {
    this.resumeFrom = resumeFrom;
    this.records = records;
    this.pages = pages;
    this.retries = retries;
    this.rejected = rejected;
    this.startedAtMillis = startedAtMillis;
    this.pieces = pieces;
    this.scheme = scheme;
  }

  /**
   * Before the first page of a type paged from {@code startedAtMillis} into {@code shards} shards.
   */
  static PagingPosition start(long startedAtMillis, int shards) {
    return new PagingPosition(null, 0, 0, 0, 0, startedAtMillis, new int[shards], Sharding.CURRENT);
  }

  /** Null once there is nothing left to page. */
  String resumeFrom() {
    return resumeFrom;
  }

  boolean finished() {
    return resumeFrom == null;
  }

  int shardCount() {
    return pieces.length;
  }

  /** How the records were sharded: the scheme of the build that started the paging. */
  Sharding.Scheme scheme() {
    return scheme;
  }

  /** Record pieces sent to each shard so far (a copy). */
  int[] pieces() {
    return pieces.clone();
  }

  /** After one more stretch of pages: its cost added, {@code pieces} as counted now. */
  PagingPosition after(FetchEntities.PageBatch batch, int[] piecesNow) {
    return new PagingPosition(
        batch.stats().resumeFrom(),
        records + batch.records().size(),
        pages + batch.stats().pages(),
        retries + batch.stats().retries(),
        rejected + batch.rejected().size(),
        startedAtMillis,
        piecesNow,
        scheme);
  }

  /** The same counts, with nothing left to page (a failed fetch, or the primary of a split). */
  PagingPosition closed() {
    return new PagingPosition(
        null, records, pages, retries, rejected, startedAtMillis, pieces.clone(), scheme);
  }

  /** The summary of the whole paging, as the join and the run's counts see it. */
  FetchSummary summary(long nowMillis) {
    return new FetchSummary(records, pages, retries, nowMillis - startedAtMillis, rejected);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PagingPosition p
        && java.util.Objects.equals(resumeFrom, p.resumeFrom)
        && records == p.records
        && pages == p.pages
        && retries == p.retries
        && rejected == p.rejected
        && startedAtMillis == p.startedAtMillis
        && Arrays.equals(pieces, p.pieces)
        && scheme == p.scheme;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(resumeFrom, records, pages, Arrays.hashCode(pieces));
  }

  @Override
  public String toString() {
    // The cursor is not logged: it is a URL of the customer's data, useless to an operator.
    return "PagingPosition{"
        + (finished() ? "finished" : "more pages")
        + ", records="
        + records
        + ", pages="
        + pages
        + ", shards="
        + pieces.length
        + "}";
  }

  /**
   * Versioned binary coder: v2 adds the shard scheme; a v1 position, from a build that knew only
   * {@link Sharding.Scheme#MD5_OF_TEXT}, goes on paging by that scheme.
   */
  public static final class Coder extends Codec.Versioned<PagingPosition> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(PagingPosition.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(PagingPosition.class, 2);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(PagingPosition p, DataOutputStream out) throws IOException {
      Codec.writeString(out, p.resumeFrom);
      out.writeLong(p.records);
      out.writeInt(p.pages);
      out.writeInt(p.retries);
      out.writeLong(p.rejected);
      out.writeLong(p.startedAtMillis);
      out.writeInt(p.pieces.length);
      for (int n : p.pieces) {
        out.writeInt(n);
      }
      out.writeByte(p.scheme.code());
    }

    @Override
    PagingPosition read(DataInputStream in, int version) throws IOException {
      String resumeFrom = Codec.readString(in);
      long records = in.readLong();
      int pages = in.readInt();
      int retries = in.readInt();
      long rejected = in.readLong();
      long started = in.readLong();
      int n = in.readInt();
      if (n < 1 || n > 1 << 16) {
        throw new org.apache.beam.sdk.coders.CoderException(
            "cannot decode PagingPosition: " + n + " shards");
      }
      int[] pieces = new int[n];
      for (int i = 0; i < n; i++) {
        pieces[i] = in.readInt();
      }
      Sharding.Scheme scheme =
          version >= 2 ? Sharding.Scheme.ofCode(in.readByte()) : Sharding.Scheme.MD5_OF_TEXT;
      return new PagingPosition(
          resumeFrom, records, pages, retries, rejected, started, pieces, scheme);
    }
  }
}
