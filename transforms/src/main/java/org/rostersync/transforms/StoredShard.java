package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DefaultCoder;

/** The local side of one join group: the (id, hash) pairs the database holds for one shard. Never the payload. */
@DefaultCoder(StoredShard.Coder.class)
public final class StoredShard {
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

  public int size() { return size; }
  public long msb(int i) { return msb[i]; }
  public long lsb(int i) { return lsb[i]; }
  public byte[] hash(int i) { return hashes[i]; }

  /** Binary coder of the parallel arrays. */
  public static final class Coder extends CustomCoder<StoredShard> {
    /** Lets {@code @DefaultCoder} find this coder (Beam calls this factory). */
    public static org.apache.beam.sdk.coders.CoderProvider getCoderProvider() {
      return org.apache.beam.sdk.coders.CoderProviders.forCoder(
          org.apache.beam.sdk.values.TypeDescriptor.of(StoredShard.class), of());
    }

    /** Written first; bump it (and keep reading the old one) when the layout changes. */
    static final int VERSION = 1;

    public static Coder of() {
      return new Coder();
    }

    @Override
    public void encode(StoredShard s, OutputStream outStream) throws IOException {
      outStream.write(VERSION);
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeInt(s.size);
      Codec.writeLongs(out, s.msb, s.size);
      Codec.writeLongs(out, s.lsb, s.size);
      Codec.writeBytesArray(out, s.hashes, s.size);
      out.flush();
    }

    @Override
    public StoredShard decode(InputStream inStream) throws IOException {
      Codec.readVersion(Codec.data(inStream), "StoredShard", VERSION);
      DataInputStream in = new DataInputStream(inStream);
      int n = in.readInt();
      return new StoredShard(n, Codec.readLongs(in, n), Codec.readLongs(in, n), Codec.readBytesArray(in, n));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Coder;
    }

    @Override
    public int hashCode() {
      return Coder.class.hashCode();
    }
  }
}
