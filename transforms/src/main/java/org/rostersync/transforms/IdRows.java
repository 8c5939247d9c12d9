package org.rostersync.transforms;

import java.util.Arrays;

/**
 * Rows of (id, hash, canonical JSON) in parallel arrays that grow by doubling: compact for hundreds
 * of thousands of records (no object per record). Shared by {@link RemoteShard}, {@link
 * SpilledPart} and {@link RowBatch}. The JSON is either one array per row, or compressed in frames
 * ({@link PackedJson}: a fetched shard waiting for its join); read it through {@link #reader()} in
 * loops.
 */
final class IdRows {
  int size;
  long[] msb;
  long[] lsb;
  byte[][] hashes;

  /** One array per row (null for a row without JSON), unless {@link #packed} holds them. */
  private byte[][] json;

  private final PackedJson packed;

  IdRows(int capacity) {
    int c = Math.max(capacity, 4);
    this.msb = new long[c];
    this.lsb = new long[c];
    this.hashes = new byte[c][];
    this.json = new byte[c][];
    this.packed = null;
  }

  private IdRows(int capacity, PackedJson packed) {
    int c = Math.max(capacity, 4);
    this.msb = new long[c];
    this.lsb = new long[c];
    this.hashes = new byte[c][];
    this.packed = packed;
  }

  /** Wraps decoded arrays (not copied). */
  IdRows(int size, long[] msb, long[] lsb, byte[][] hashes, byte[][] json) {
    this.size = size;
    this.msb = msb;
    this.lsb = lsb;
    this.hashes = hashes;
    this.json = json;
    this.packed = null;
  }

  private IdRows(int size, long[] msb, long[] lsb, byte[][] hashes, PackedJson packed) {
    this.size = size;
    this.msb = msb;
    this.lsb = lsb;
    this.hashes = hashes;
    this.packed = packed;
  }

  /** Empty rows whose JSON is compressed as it is added; {@link #seal} when complete. */
  static IdRows packed(int capacity) {
    return new IdRows(capacity, new PackedJson(capacity));
  }

  /**
   * Wraps id and hash arrays (not copied) with the rows' JSON packed ({@link PackedJson#packAll}).
   */
  static IdRows packedOf(int size, long[] msb, long[] lsb, byte[][] hashes, byte[][] json) {
    return new IdRows(size, msb, lsb, hashes, PackedJson.packAll(json, size));
  }

  /** These rows with their JSON compressed: this, if it already is; the arrays are shared. */
  IdRows packed() {
    return packed != null ? this : packedOf(size, msb, lsb, hashes, json);
  }

  boolean isPacked() {
    return packed != null;
  }

  void add(long idMsb, long idLsb, byte[] hash, byte[] canonicalJson) {
    if (size == msb.length) {
      int c = Math.max(size * 2, 4);
      msb = Arrays.copyOf(msb, c);
      lsb = Arrays.copyOf(lsb, c);
      hashes = Arrays.copyOf(hashes, c);
      if (packed == null) {
        json = Arrays.copyOf(json, c);
      }
    }
    msb[size] = idMsb;
    lsb[size] = idLsb;
    hashes[size] = hash;
    if (packed == null) {
      json[size] = canonicalJson;
    } else {
      packed.add(canonicalJson);
    }
    size++;
  }

  /** The packed JSON, or null when each row has its own array. */
  PackedJson packedJson() {
    return packed;
  }

  /**
   * Appends the rows of {@code src}'s full frame {@code f} with their JSON still compressed: a
   * create or update batch takes a fetched shard's frame whole when every row of it goes there.
   */
  void appendFrame(IdRows src, int f) {
    if (packed == null || src.packed == null) {
      throw new IllegalStateException("frames are appended between packed rows only");
    }
    int first = f * PackedJson.FRAME;
    int n = PackedJson.FRAME;
    if (size + n > msb.length) {
      int c = Math.max(msb.length * 2, size + n);
      msb = Arrays.copyOf(msb, c);
      lsb = Arrays.copyOf(lsb, c);
      hashes = Arrays.copyOf(hashes, c);
    }
    packed.appendFrame(src.packed, f);
    System.arraycopy(src.msb, first, msb, size, n);
    System.arraycopy(src.lsb, first, lsb, size, n);
    System.arraycopy(src.hashes, first, hashes, size, n);
    size += n;
  }

  /** Done adding: packed JSON compresses its last frame, and the arrays lose their spare room. */
  void seal() {
    if (packed != null) {
      packed.seal();
    }
    if (msb.length != size) {
      msb = Arrays.copyOf(msb, size);
      lsb = Arrays.copyOf(lsb, size);
      hashes = Arrays.copyOf(hashes, size);
      if (packed == null) {
        json = Arrays.copyOf(json, size);
      }
    }
  }

  /** Whether row {@code i} has JSON (a rejected record has none), without decompressing it. */
  boolean hasJson(int i) {
    return jsonLength(i) >= 0;
  }

  /** The length of row {@code i}'s JSON, -1 when it has none, without decompressing it. */
  int jsonLength(int i) {
    if (packed != null) {
      return packed.length(i);
    }
    return json[i] == null ? -1 : json[i].length;
  }

  /** Row {@code i}'s JSON; packed, each call decompresses a frame, so loops use {@link #reader}. */
  byte[] json(int i) {
    if (i >= size) {
      throw new IndexOutOfBoundsException("row " + i + " of " + size);
    }
    return packed != null ? packed.json(i) : json[i];
  }

  /** Reads rows' JSON for one thread; packed, in row order it decompresses each frame once. */
  JsonReader reader() {
    if (packed == null) {
      return this::json;
    }
    PackedJson.Reader r = packed.reader();
    return r::json;
  }

  /** Reads the JSON of one row. */
  interface JsonReader {
    byte[] json(int i);
  }

  /** The same rows, in the same order (for values' equality). */
  boolean sameRows(IdRows o) {
    if (o == null || size != o.size) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      if (msb[i] != o.msb[i] || lsb[i] != o.lsb[i] || !Arrays.equals(hashes[i], o.hashes[i])) {
        return false;
      }
    }
    JsonReader a = reader();
    JsonReader b = o.reader();
    for (int i = 0; i < size; i++) {
      if (!Arrays.equals(a.json(i), b.json(i))) {
        return false;
      }
    }
    return true;
  }

  /** Reads the layout of the coders' versions before packed JSON: the size, then four arrays. */
  static IdRows readFrom(java.io.DataInputStream in) throws java.io.IOException {
    int n = in.readInt();
    return new IdRows(
        n,
        Codec.readLongs(in, n),
        Codec.readLongs(in, n),
        Codec.readBytesArray(in, n),
        Codec.readBytesArray(in, n));
  }

  /**
   * A flag, then the size, ids and hashes, then the JSON: one array per row (the {@link #readFrom}
   * layout; flag 0), or still compressed (what a packed shard shuffles: a third of the bytes, and
   * no decompressing; flag 1 deflated, 2 Snappy).
   */
  void writeKeepingPackedTo(java.io.DataOutputStream out) throws java.io.IOException {
    out.writeByte(packed == null ? 0 : packed.compression().flag);
    out.writeInt(size);
    Codec.writeLongs(out, msb, size);
    Codec.writeLongs(out, lsb, size);
    Codec.writeBytesArray(out, hashes, size);
    if (packed == null) {
      Codec.writeBytesArray(out, json, size);
    } else {
      packed.writeTo(out);
    }
  }

  /**
   * Reads {@link #writeKeepingPackedTo}'s layout. Before the coders named the compression ({@code
   * namesCompression} false: RemoteShard v3, SpilledPart v2, RowBatch v2) the flag was a boolean
   * and packed JSON was deflated.
   */
  static IdRows readKeepingPackedFrom(java.io.DataInputStream in, boolean namesCompression)
      throws java.io.IOException {
    int flag = in.readUnsignedByte();
    if (flag == 0) {
      return readFrom(in);
    }
    PackedJson.Compression compression =
        namesCompression
            ? PackedJson.Compression.ofFlag(flag)
            : PackedJson.Compression.DEFLATE; // any non-zero boolean
    int n = in.readInt();
    long[] msb = Codec.readLongs(in, n);
    long[] lsb = Codec.readLongs(in, n);
    byte[][] hashes = Codec.readBytesArray(in, n);
    PackedJson json = PackedJson.readFrom(in, compression);
    if (json.size() != n) {
      throw new org.apache.beam.sdk.coders.CoderException(
          "packed JSON of " + json.size() + " rows for " + n + " ids");
    }
    return new IdRows(n, msb, lsb, hashes, json);
  }
}
