package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The remote side of one join group: every Edlink record of one shard of a completely fetched type,
 * as (id, hash, canonical JSON) in compact arrays. Emitted once per shard, empty shards included;
 * its JSON is compressed ({@link PackedJson}, {@link #packed}) before it waits for its join, at
 * about a third of its size.
 */
@DefaultCoder(RemoteShard.Coder.class)
public final class RemoteShard {
  private final SyncJob job;
  private final FetchSummary fetch;
  private final IdRows rows;
  private final String failure;
  private final boolean withdrawn;

  public RemoteShard(SyncJob job, FetchSummary fetch, int capacity) {
    this(job, fetch, new IdRows(capacity), null);
  }

  private RemoteShard(SyncJob job, FetchSummary fetch, IdRows rows, String failure) {
    this(job, fetch, rows, failure, false);
  }

  private RemoteShard(
      SyncJob job, FetchSummary fetch, IdRows rows, String failure, boolean withdrawn) {
    this.job = job;
    this.fetch = fetch;
    this.rows = rows;
    this.failure = failure;
    this.withdrawn = withdrawn;
  }

  /** A shard over rows already built: a fetched type's shard, or a spilled one's pieces joined. */
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

  /**
   * Clears a join group whose stored hashes were read ahead for a fetch that then failed: the join
   * fires and compares nothing, so the group leaves no state behind and its type's outcome is the
   * fetch's failure alone.
   */
  static RemoteShard withdrawn(SyncJob job) {
    return new RemoteShard(job, null, new IdRows(0), null, true);
  }

  /** Whether this only clears its join group ({@link #withdrawn(SyncJob)}). */
  public boolean withdrawn() {
    return withdrawn;
  }

  public void add(long idMsb, long idLsb, byte[] hash, byte[] canonicalJson) {
    rows.add(idMsb, idLsb, hash, canonicalJson);
  }

  /**
   * Forgets every record and lets go of its JSON (a type that goes on into {@link PagedShards});
   * not for a packed shard.
   */
  public void clear() {
    rows.clear();
  }

  /** Done adding: compresses the last frame of packed JSON and trims the arrays. */
  public RemoteShard seal() {
    rows.seal();
    return this;
  }

  /**
   * The same records with their JSON compressed ({@link PackedJson}); this shard if it already is,
   * or if it failed.
   */
  public RemoteShard packed() {
    if (rows.isPacked() || failure != null || withdrawn) {
      return this;
    }
    return new RemoteShard(job, fetch, rows.packed(), null);
  }

  /** The same records with the fetch summary of the whole type, once it is known. */
  public RemoteShard withFetch(FetchSummary summary) {
    return new RemoteShard(job, summary, rows, failure, withdrawn);
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

  /** Record {@code i}'s hash: a copy of its 32 bytes (a rejected record's is empty). */
  public byte[] hash(int i) {
    return rows.hash(i);
  }

  /**
   * Record {@code i}'s canonical JSON, null for a rejected record. Packed, each call decompresses a
   * frame: loops read through {@link #jsonReader()}.
   */
  public byte[] json(int i) {
    return rows.json(i);
  }

  /** Whether record {@code i} has JSON (a rejected record has none), without decompressing. */
  public boolean hasJson(int i) {
    return rows.hasJson(i);
  }

  /** The length of record {@code i}'s JSON (-1 for none), without decompressing. */
  public int jsonLength(int i) {
    return rows.jsonLength(i);
  }

  /** Reads records' JSON on one thread; in order, each frame is decompressed once. */
  IdRows.JsonReader jsonReader() {
    return rows.reader();
  }

  /**
   * Versioned binary coder (v5): the job once, the fetch summary (absent for a withdrawn shard),
   * parallel arrays, the failure (v2; a v1 shard has none), then whether it is withdrawn (v5).
   * Packed JSON stays compressed, after a flag before the arrays: v4's flag names the compression
   * (Snappy), v3's was a boolean and its JSON deflated.
   */
  public static final class Coder extends Codec.Versioned<RemoteShard> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(RemoteShard.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(RemoteShard.class, 5);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(RemoteShard s, DataOutputStream out) throws IOException {
      Codec.writeJob(s.job, out);
      out.writeBoolean(s.fetch != null);
      if (s.fetch != null) {
        FetchSummary.Coder.of().encode(s.fetch, out);
      }
      s.rows.writeKeepingPackedTo(out);
      Codec.writeString(out, s.failure);
      out.writeBoolean(s.withdrawn);
    }

    @Override
    RemoteShard read(DataInputStream in, int version) throws IOException {
      SyncJob job = Codec.readJob(in);
      FetchSummary fetch =
          version < 5 || in.readBoolean() ? FetchSummary.Coder.of().decode(in) : null;
      IdRows rows =
          version >= 3 ? IdRows.readKeepingPackedFrom(in, version >= 4) : IdRows.readFrom(in);
      String failure = version >= 2 ? Codec.readString(in) : null;
      return new RemoteShard(job, fetch, rows, failure, version >= 5 && in.readBoolean());
    }
  }
}
