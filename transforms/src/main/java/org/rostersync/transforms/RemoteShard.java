package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The remote side of one join group: every Edlink record of one shard of a completely fetched type, as
 * (id, hash, canonical JSON) in compact arrays. Emitted once per shard, empty shards included.
 */
@DefaultCoder(RemoteShard.Coder.class)
public final class RemoteShard {
  private final SyncJob job;
  private final FetchSummary fetch;
  private int size;
  private long[] msb;
  private long[] lsb;
  private byte[][] hashes;
  private byte[][] json;

  public RemoteShard(SyncJob job, FetchSummary fetch, int capacity) {
    this.job = job;
    this.fetch = fetch;
    int c = Math.max(capacity, 4);
    this.msb = new long[c];
    this.lsb = new long[c];
    this.hashes = new byte[c][];
    this.json = new byte[c][];
  }

  private RemoteShard(SyncJob job, FetchSummary fetch, int size, long[] msb, long[] lsb, byte[][] hashes,
      byte[][] json) {
    this.job = job;
    this.fetch = fetch;
    this.size = size;
    this.msb = msb;
    this.lsb = lsb;
    this.hashes = hashes;
    this.json = json;
  }

  public void add(long idMsb, long idLsb, byte[] hash, byte[] canonicalJson) {
    if (size == msb.length) {
      int c = size * 2;
      msb = Arrays.copyOf(msb, c);
      lsb = Arrays.copyOf(lsb, c);
      hashes = Arrays.copyOf(hashes, c);
      json = Arrays.copyOf(json, c);
    }
    msb[size] = idMsb;
    lsb[size] = idLsb;
    hashes[size] = hash;
    json[size] = canonicalJson;
    size++;
  }

  /** Forgets every record (a fetch that starts over). */
  public void clear() {
    size = 0;
  }

  /** The same records with the fetch summary of the whole type, once it is known. */
  public RemoteShard withFetch(FetchSummary summary) {
    return new RemoteShard(job, summary, size, msb, lsb, hashes, json);
  }

  public SyncJob job() { return job; }
  public FetchSummary fetch() { return fetch; }
  public int size() { return size; }
  public long msb(int i) { return msb[i]; }
  public long lsb(int i) { return lsb[i]; }
  public byte[] hash(int i) { return hashes[i]; }
  public byte[] json(int i) { return json[i]; }

  /** Versioned binary coder (v1): the job once, then parallel arrays. */
  public static final class Coder extends Codec.Versioned<RemoteShard> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return org.apache.beam.sdk.coders.CoderProviders.forCoder(
          org.apache.beam.sdk.values.TypeDescriptor.of(RemoteShard.class), of());
    }

    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    int version() {
      return 1;
    }

    @Override
    String what() {
      return "RemoteShard";
    }

    @Override
    void write(RemoteShard s, DataOutputStream out) throws IOException {
      Codec.writeJob(s.job, out);
      FetchSummary.Coder.of().encode(s.fetch, out);
      out.writeInt(s.size);
      Codec.writeLongs(out, s.msb, s.size);
      Codec.writeLongs(out, s.lsb, s.size);
      Codec.writeBytesArray(out, s.hashes, s.size);
      Codec.writeBytesArray(out, s.json, s.size);
    }

    @Override
    RemoteShard read(DataInputStream in, int version) throws IOException {
      SyncJob job = Codec.readJob(in);
      FetchSummary fetch = FetchSummary.Coder.of().decode(in);
      int n = in.readInt();
      return new RemoteShard(job, fetch, n, Codec.readLongs(in, n), Codec.readLongs(in, n),
          Codec.readBytesArray(in, n), Codec.readBytesArray(in, n));
    }
  }
}
