package org.rostersync.transforms;

import java.util.Arrays;

/**
 * Rows of (id, hash, canonical JSON) in parallel arrays that grow by doubling: compact for hundreds
 * of thousands of records (no object per record). Shared by {@link RemoteShard} and {@link
 * ShardChanges}' upserts.
 */
final class IdRows {
  int size;
  long[] msb;
  long[] lsb;
  byte[][] hashes;
  byte[][] json;

  IdRows(int capacity) {
    int c = Math.max(capacity, 4);
    this.msb = new long[c];
    this.lsb = new long[c];
    this.hashes = new byte[c][];
    this.json = new byte[c][];
  }

  /** Wraps decoded arrays (not copied). */
  IdRows(int size, long[] msb, long[] lsb, byte[][] hashes, byte[][] json) {
    this.size = size;
    this.msb = msb;
    this.lsb = lsb;
    this.hashes = hashes;
    this.json = json;
  }

  void add(long idMsb, long idLsb, byte[] hash, byte[] canonicalJson) {
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

  /** The same rows, in the same order (for values' equality). */
  boolean sameRows(IdRows o) {
    if (o == null || size != o.size) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      if (msb[i] != o.msb[i]
          || lsb[i] != o.lsb[i]
          || !Arrays.equals(hashes[i], o.hashes[i])
          || !Arrays.equals(json[i], o.json[i])) {
        return false;
      }
    }
    return true;
  }

  /** The size, then the four arrays (the layout both coders that hold rows use). */
  void writeTo(java.io.DataOutputStream out) throws java.io.IOException {
    out.writeInt(size);
    Codec.writeLongs(out, msb, size);
    Codec.writeLongs(out, lsb, size);
    Codec.writeBytesArray(out, hashes, size);
    Codec.writeBytesArray(out, json, size);
  }

  static IdRows readFrom(java.io.DataInputStream in) throws java.io.IOException {
    int n = in.readInt();
    return new IdRows(
        n,
        Codec.readLongs(in, n),
        Codec.readLongs(in, n),
        Codec.readBytesArray(in, n),
        Codec.readBytesArray(in, n));
  }
}
