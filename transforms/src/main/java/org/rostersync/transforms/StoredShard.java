package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The local side of one join group: the (id, hash) pairs the database holds for one shard. Never
 * the payload. The hashes sit in one flat array, {@value IdRows#HASH_BYTES} bytes a row; one of
 * another length (a row written by hand) is kept apart and never equals a fetched record's.
 */
@DefaultCoder(StoredShard.Coder.class)
public final class StoredShard {
  /** No stored rows. Shared: nothing changes a shard once made. */
  public static final StoredShard EMPTY =
      new StoredShard(0, new long[0], new long[0], new byte[0][]);

  private static final int W = IdRows.HASH_BYTES;

  private final int size;
  private final long[] msb;
  private final long[] lsb;

  /** Row {@code i}'s hash at {@code i * W}, unless {@link #odd} holds it. */
  private final byte[] hashes;

  /** The hashes of another length (null ones included) by row, or null when there are none. */
  private final byte[][] odd;

  public StoredShard(int size, long[] msb, long[] lsb, byte[][] hashes) {
    this.size = size;
    this.msb = msb;
    this.lsb = lsb;
    this.hashes = new byte[size * W];
    byte[][] o = null;
    for (int i = 0; i < size; i++) {
      o = IdRows.putHash(this.hashes, o, size, i, hashes[i]);
    }
    this.odd = o;
  }

  /** Wraps flat hashes (not copied); {@code odd} may be null. */
  StoredShard(int size, long[] msb, long[] lsb, byte[] hashes, byte[][] odd) {
    this.size = size;
    this.msb = msb;
    this.lsb = lsb;
    this.hashes = hashes;
    this.odd = odd;
  }

  public int size() {
    return size;
  }

  public long msb(int i) {
    return msb[i];
  }

  public long lsb(int i) {
    return lsb[i];
  }

  private boolean isOdd(int i) {
    return odd != null && odd[i] != null;
  }

  /** Row {@code i}'s hash: a copy, or for one of another length the array itself (or null). */
  public byte[] hash(int i) {
    return IdRows.hashAt(hashes, odd, i);
  }

  /** Whether row {@code i}'s hash equals {@code rows}' row {@code j}'s, without copying either. */
  boolean sameHash(int i, IdRows rows, int j) {
    return isOdd(i) ? rows.hashEquals(j, hash(i)) : rows.hashEquals(j, hashes, i * W);
  }

  /** Versioned binary coder (v1) of the parallel arrays. */
  public static final class Coder extends Codec.Versioned<StoredShard> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return Codec.providerFor(StoredShard.class, of());
    }

    private static final Coder INSTANCE = new Coder();

    private Coder() {
      super(StoredShard.class, 1);
    }

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    void write(StoredShard s, DataOutputStream out) throws IOException {
      out.writeInt(s.size);
      Codec.writeLongs(out, s.msb, s.size);
      Codec.writeLongs(out, s.lsb, s.size);
      IdRows.writeHashes(out, s.hashes, s.odd, s.size);
    }

    @Override
    StoredShard read(DataInputStream in, int version) throws IOException {
      int n = in.readInt();
      long[] msb = Codec.readLongs(in, n);
      long[] lsb = Codec.readLongs(in, n);
      byte[] hashes = new byte[n * W];
      byte[][] odd = IdRows.readHashes(in, n, hashes);
      return new StoredShard(n, msb, lsb, hashes, odd);
    }
  }
}
