package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The remote side of one join group: every Edlink record of one shard of a completely fetched type,
 * as (id, hash, canonical JSON) in compact arrays. Emitted once per shard, empty shards included.
 */
@DefaultCoder(RemoteShard.Coder.class)
public final class RemoteShard {
  private final SyncJob job;
  private final FetchSummary fetch;
  private final IdRows rows;
  private final String failure;

  public RemoteShard(SyncJob job, FetchSummary fetch, int capacity) {
    this(job, fetch, new IdRows(capacity), null);
  }

  private RemoteShard(SyncJob job, FetchSummary fetch, IdRows rows, String failure) {
    this.job = job;
    this.fetch = fetch;
    this.rows = rows;
    this.failure = failure;
  }

  /** A shard of a spilled type, assembled from its pieces. */
  static RemoteShard of(SyncJob job, FetchSummary fetch, IdRows rows) {
    return new RemoteShard(job, fetch, rows, null);
  }

  /**
   * A shard whose records cannot be used (a spilled type served one id twice with different
   * content): no records, and the reason its type fails.
   */
  static RemoteShard failed(SyncJob job, FetchSummary fetch, String failure) {
    return new RemoteShard(job, fetch, new IdRows(0), failure);
  }

  public void add(long idMsb, long idLsb, byte[] hash, byte[] canonicalJson) {
    rows.add(idMsb, idLsb, hash, canonicalJson);
  }

  /** Forgets every record (a fetch that starts over). */
  public void clear() {
    rows.size = 0;
  }

  /** The same records with the fetch summary of the whole type, once it is known. */
  public RemoteShard withFetch(FetchSummary summary) {
    return new RemoteShard(job, summary, rows, failure);
  }

  /** Why the shard's records cannot be used, or null. */
  public String failure() {
    return failure;
  }

  IdRows rows() {
    return rows;
  }

  public SyncJob job() {
    return job;
  }

  public FetchSummary fetch() {
    return fetch;
  }

  public int size() {
    return rows.size;
  }

  public long msb(int i) {
    return rows.msb[i];
  }

  public long lsb(int i) {
    return rows.lsb[i];
  }

  public byte[] hash(int i) {
    return rows.hashes[i];
  }

  public byte[] json(int i) {
    return rows.json[i];
  }

  /**
   * Versioned binary coder (v2): the job once, the fetch summary, parallel arrays, then the failure
   * (v2; a v1 shard has none).
   */
  public static final class Coder extends Codec.Versioned<RemoteShard> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(RemoteShard.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(RemoteShard.class, 2);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(RemoteShard s, DataOutputStream out) throws IOException {
      Codec.writeJob(s.job, out);
      FetchSummary.Coder.of().encode(s.fetch, out);
      s.rows.writeTo(out);
      Codec.writeString(out, s.failure);
    }

    @Override
    RemoteShard read(DataInputStream in, int version) throws IOException {
      SyncJob job = Codec.readJob(in);
      FetchSummary fetch = FetchSummary.Coder.of().decode(in);
      IdRows rows = IdRows.readFrom(in);
      return new RemoteShard(job, fetch, rows, version >= 2 ? Codec.readString(in) : null);
    }
  }
}
