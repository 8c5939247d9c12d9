package org.rostersync.transforms;

import java.util.Arrays;

/**
 * Rows of (id, hash, canonical JSON) in parallel arrays that grow by doubling: compact for hundreds
 * of thousands of records (no object per record). Shared by {@link RemoteShard}, {@link
 * SpilledPart} and {@link RowBatch}. The JSON is either one array per row, or compressed in frames
 * ({@link PackedJson}: a fetched shard waiting for its join); read it through {@link #reader()} in
 * loops. The hashes sit in one flat array, {@value #HASH_BYTES} bytes a row: a million rows' hashes
 * take 32 MB there, against 52 MB as an array each.
 */
final class IdRows {
  /** The length of a record's hash, SHA-256 of its canonical JSON. */
  static final int HASH_BYTES = 32;

  /** Stands for a null hash in {@link #odd} (and {@link StoredShard}'s). */
  static final byte[] NULL_HASH = new byte[0];

  int size;
  long[] msb;
  long[] lsb;

  /** Row {@code i}'s hash at {@code i * HASH_BYTES}, unless {@link #odd} holds it. */
  private byte[] hashes;

  /**
   * The hashes of another length ({@link #NULL_HASH} for null), by row: a rejected record's is
   * empty. Null while every row's hash is {@value #HASH_BYTES} bytes.
   */
  private byte[][] odd;

  /** One array per row (null for a row without JSON), unless {@link #packed} holds them. */
  private byte[][] json;

  private final PackedJson packed;

  IdRows(int capacity) {
    this.packed = null;
    allocate(capacity);
  }

  private IdRows(int capacity, PackedJson packed) {
    this.packed = packed;
    allocate(capacity);
  }

  /** No rows, room for {@code capacity}; an array per row for the JSON unless it is packed. */
  private void allocate(int capacity) {
    int c = Math.max(capacity, 4);
    size = 0;
    msb = new long[c];
    lsb = new long[c];
    hashes = new byte[c * HASH_BYTES];
    odd = null;
    json = packed == null ? new byte[c][] : null;
  }

  private IdRows(int size, long[] msb, long[] lsb, byte[] hashes, byte[][] odd, PackedJson packed) {
    this.size = size;
    this.msb = msb;
    this.lsb = lsb;
    this.hashes = hashes;
    this.odd = odd;
    this.packed = packed;
  }

  private IdRows(int size, long[] msb, long[] lsb, byte[] hashes, byte[][] odd, byte[][] json) {
    this.size = size;
    this.msb = msb;
    this.lsb = lsb;
    this.hashes = hashes;
    this.odd = odd;
    this.json = json;
    this.packed = null;
  }

  /** Empty rows whose JSON is compressed as it is added; {@link #seal} when complete. */
  static IdRows packed(int capacity) {
    return new IdRows(capacity, new PackedJson(capacity));
  }

  /** These rows with their JSON compressed: this, if it already is; the arrays are shared. */
  IdRows packed() {
    return packed != null
        ? this
        : new IdRows(size, msb, lsb, hashes, odd, PackedJson.packAll(json, size));
  }

  boolean isPacked() {
    return packed != null;
  }

  /**
   * Forgets every row and lets go of its arrays, the JSON of every row with them (rows of one array
   * per row only: packed frames cannot start over).
   */
  void clear() {
    if (packed != null) {
      throw new IllegalStateException("packed rows cannot start over");
    }
    allocate(4);
  }

  /** Adds a row. */
  void add(long idMsb, long idLsb, byte[] hash, byte[] canonicalJson) {
    room();
    msb[size] = idMsb;
    lsb[size] = idLsb;
    odd = putHash(hashes, odd, msb.length, size, hash);
    addJson(canonicalJson);
  }

  /** Adds {@code src}'s row {@code i} (its id and hash) with {@code canonicalJson}. */
  void addFrom(IdRows src, int i, byte[] canonicalJson) {
    room();
    msb[size] = src.msb[i];
    lsb[size] = src.lsb[i];
    if (src.isOdd(i)) {
      odd = putHash(hashes, odd, msb.length, size, src.odd[i]);
    } else {
      System.arraycopy(src.hashes, i * HASH_BYTES, hashes, size * HASH_BYTES, HASH_BYTES);
      if (odd != null) {
        odd[size] = null;
      }
    }
    addJson(canonicalJson);
  }

  private void room() {
    if (size == msb.length) {
      int c = Math.max(size * 2, 4);
      msb = Arrays.copyOf(msb, c);
      lsb = Arrays.copyOf(lsb, c);
      hashes = Arrays.copyOf(hashes, c * HASH_BYTES);
      if (odd != null) {
        odd = Arrays.copyOf(odd, c);
      }
      if (packed == null) {
        json = Arrays.copyOf(json, c);
      }
    }
  }

  /**
   * Puts {@code hash} as row {@code row}'s: into {@code flat}, or, of another length or null, into
   * {@code odd} (made for {@code rows} rows when first needed). Answers {@code odd}. Shared with
   * {@link StoredShard}.
   */
  static byte[][] putHash(byte[] flat, byte[][] odd, int rows, int row, byte[] hash) {
    if (hash != null && hash.length == HASH_BYTES) {
      System.arraycopy(hash, 0, flat, row * HASH_BYTES, HASH_BYTES);
      if (odd != null) {
        odd[row] = null;
      }
      return odd;
    }
    byte[][] o = odd != null ? odd : new byte[rows][];
    o[row] = hash == null ? NULL_HASH : hash;
    return o;
  }

  /**
   * Row {@code row}'s hash of {@link #putHash}'s arrays: a copy, or for one of another length the
   * array itself (or null).
   */
  static byte[] hashAt(byte[] flat, byte[][] odd, int row) {
    if (odd != null && odd[row] != null) {
      return odd[row] == NULL_HASH ? null : odd[row];
    }
    return Arrays.copyOfRange(flat, row * HASH_BYTES, (row + 1) * HASH_BYTES);
  }

  private boolean isOdd(int i) {
    return odd != null && odd[i] != null;
  }

  /** Row {@code i}'s hash: a copy, or for one of another length the array itself (or null). */
  byte[] hash(int i) {
    if (i >= size) {
      throw new IndexOutOfBoundsException("row " + i + " of " + size);
    }
    return hashAt(hashes, odd, i);
  }

  /** Whether row {@code i}'s hash has {@code other}'s bytes ({@link Arrays#equals} on both). */
  boolean hashEquals(int i, byte[] other) {
    if (isOdd(i)) {
      return Arrays.equals(hash(i), other);
    }
    return other != null
        && other.length == HASH_BYTES
        && Arrays.equals(hashes, i * HASH_BYTES, (i + 1) * HASH_BYTES, other, 0, HASH_BYTES);
  }

  /**
   * Whether row {@code i}'s hash is the {@value #HASH_BYTES} bytes of {@code flat} at {@code at}.
   */
  boolean hashEquals(int i, byte[] flat, int at) {
    return !isOdd(i)
        && Arrays.equals(hashes, i * HASH_BYTES, (i + 1) * HASH_BYTES, flat, at, at + HASH_BYTES);
  }

  /** Whether row {@code i}'s hash equals {@code o}'s row {@code j}'s. */
  boolean hashEquals(int i, IdRows o, int j) {
    if (isOdd(i) || o.isOdd(j)) {
      return Arrays.equals(hash(i), o.hash(j));
    }
    return Arrays.equals(
        hashes,
        i * HASH_BYTES,
        (i + 1) * HASH_BYTES,
        o.hashes,
        j * HASH_BYTES,
        (j + 1) * HASH_BYTES);
  }

  private void addJson(byte[] canonicalJson) {
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
      hashes = Arrays.copyOf(hashes, c * HASH_BYTES);
      if (odd != null) {
        odd = Arrays.copyOf(odd, c);
      }
    }
    packed.appendFrame(src.packed, f);
    System.arraycopy(src.msb, first, msb, size, n);
    System.arraycopy(src.lsb, first, lsb, size, n);
    System.arraycopy(src.hashes, first * HASH_BYTES, hashes, size * HASH_BYTES, n * HASH_BYTES);
    if (odd != null) {
      Arrays.fill(odd, size, size + n, null);
    }
    for (int i = 0; i < n; i++) {
      if (src.isOdd(first + i)) {
        odd = putHash(hashes, odd, msb.length, size + i, src.odd[first + i]);
      }
    }
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
      hashes = Arrays.copyOf(hashes, size * HASH_BYTES);
      if (odd != null) {
        odd = Arrays.copyOf(odd, size);
      }
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
      if (msb[i] != o.msb[i] || lsb[i] != o.lsb[i] || !hashEquals(i, o, i)) {
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
    long[] msb = Codec.readLongs(in, n);
    long[] lsb = Codec.readLongs(in, n);
    byte[] hashes = new byte[n * HASH_BYTES];
    byte[][] odd = readHashes(in, n, hashes);
    return new IdRows(n, msb, lsb, hashes, odd, Codec.readBytesArray(in, n));
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
    writeHashes(out);
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
    byte[] hashes = new byte[n * HASH_BYTES];
    byte[][] odd = readHashes(in, n, hashes);
    PackedJson json = PackedJson.readFrom(in, compression);
    if (json.size() != n) {
      throw new org.apache.beam.sdk.coders.CoderException(
          "packed JSON of " + json.size() + " rows for " + n + " ids");
    }
    return new IdRows(n, msb, lsb, hashes, odd, json);
  }

  private void writeHashes(java.io.DataOutputStream out) throws java.io.IOException {
    writeHashes(out, hashes, odd, size);
  }

  /**
   * Flat hashes ({@code odd} by row for those of another length, {@link #NULL_HASH} for null) as
   * {@link Codec#writeBytesArray} writes one array per row, the coders' layout since their first
   * version: each row's length (-1 for null), then its bytes. Shared with {@link StoredShard}.
   */
  static void writeHashes(java.io.DataOutputStream out, byte[] hashes, byte[][] odd, int size)
      throws java.io.IOException {
    for (int i = 0; i < size; i++) {
      byte[] other = odd == null ? null : odd[i];
      if (other == null) {
        out.writeInt(HASH_BYTES);
        out.write(hashes, i * HASH_BYTES, HASH_BYTES);
      } else if (other == NULL_HASH) {
        out.writeInt(-1);
      } else {
        out.writeInt(other.length);
        out.write(other);
      }
    }
  }

  /**
   * Reads {@link #writeHashes}' layout into {@code into}; the hashes of another length, or null.
   */
  static byte[][] readHashes(java.io.DataInputStream in, int n, byte[] into)
      throws java.io.IOException {
    byte[][] odd = null;
    for (int i = 0; i < n; i++) {
      int len = in.readInt();
      if (len == HASH_BYTES) {
        in.readFully(into, i * HASH_BYTES, HASH_BYTES);
        continue;
      }
      if (len < -1) {
        throw new org.apache.beam.sdk.coders.CoderException("negative length");
      }
      byte[] hash = len == -1 ? NULL_HASH : new byte[len];
      in.readFully(hash);
      if (odd == null) {
        odd = new byte[n][];
      }
      odd[i] = hash;
    }
    return odd;
  }
}
