package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * The local side of one join group: the (id, hash) pairs the database holds for one shard. Never
 * the payload.
 */
@DefaultCoder(StoredShard.Coder.class)
public final class StoredShard {
  /** No stored rows. Shared: nothing changes a shard once made. */
  public static final StoredShard EMPTY =
      new StoredShard(0, new long[0], new long[0], new byte[0][]);

  private final int size;
  private final long[] msb;
  private final long[] lsb;
  private final byte[][] hashes;

  public StoredShard(int size, long[] msb, long[] lsb, byte[][] hashes) {
    this.size = size;
    this.msb = msb;
    this.lsb = lsb;
    this.hashes = hashes;
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

  public byte[] hash(int i) {
    return hashes[i];
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
      Codec.writeBytesArray(out, s.hashes, s.size);
    }

    @Override
    StoredShard read(DataInputStream in, int version) throws IOException {
      int n = in.readInt();
      return new StoredShard(
          n, Codec.readLongs(in, n), Codec.readLongs(in, n), Codec.readBytesArray(in, n));
    }
  }
}
