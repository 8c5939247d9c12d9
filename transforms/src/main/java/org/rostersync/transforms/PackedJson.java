package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.apache.beam.sdk.coders.CoderException;
import org.xerial.snappy.Snappy;

/**
 * The JSON of a shard's rows, compressed in frames of {@value #FRAME} consecutive rows: a fetched
 * shard waits for its join with its records at about a third of their size, in memory and in a
 * shuffle alike. Frames are compressed with Snappy (0.25–0.35 of canonical JSON on people and
 * enrollments, at 550–800 MB/s); shards encoded before it (coders before RemoteShard v4) were
 * deflated (0.19–0.24, at 190–250 MB/s) and are still read. A row without JSON (a rejected record)
 * costs nothing but its length, -1. Rows are added in order; {@link #seal} compresses the last,
 * partial frame. Reading in row order decompresses each frame once ({@link Reader}); a no-change
 * join reads none.
 */
final class PackedJson {
  /**
   * How the frames are compressed; the coders write its {@link #flag} before the frames ({@link
   * IdRows}; 0 there means not packed).
   */
  enum Compression {
    /** Raw deflate at its fastest level: what coders before RemoteShard v4 wrote. */
    DEFLATE(1),
    /** Snappy: what this build writes. */
    SNAPPY(2);

    final int flag;

    Compression(int flag) {
      this.flag = flag;
    }

    /** The compression a coder's flag names; an unknown flag is refused. */
    static Compression ofFlag(int flag) throws CoderException {
      for (Compression c : values()) {
        if (c.flag == flag) {
          return c;
        }
      }
      throw new CoderException("unknown compression " + flag + " of packed JSON");
    }
  }

  /** Rows per frame: small enough to read one row cheaply, large enough to compress well. */
  static final int FRAME = 64;

  /**
   * Idle (de)compressors, shared: each holds about 300 KB of native memory, so they number the most
   * ever used at once, not the worker's threads (a streaming Dataflow worker runs hundreds).
   */
  private static final ConcurrentLinkedQueue<Deflater> DEFLATERS = new ConcurrentLinkedQueue<>();

  private static final ConcurrentLinkedQueue<Inflater> INFLATERS = new ConcurrentLinkedQueue<>();

  private final Compression compression;
  private int size;
  private int[] lengths;
  private byte[][] frames;
  private int frameCount;

  /** The rows after the last complete frame, uncompressed (until {@link #seal}). */
  private byte[] open;

  private int openBytes;
  private boolean sealed;

  PackedJson(int capacity) {
    this.compression = Compression.SNAPPY;
    this.lengths = new int[Math.max(capacity, 4)];
    this.frames = new byte[Math.max(capacity / FRAME + 1, 1)][];
    this.open = new byte[0];
  }

  private PackedJson(int size, int[] lengths, byte[][] frames, Compression compression) {
    this.compression = compression;
    this.size = size;
    this.lengths = lengths;
    this.frames = frames;
    this.frameCount = frames.length;
    this.open = new byte[0];
    this.sealed = true;
  }

  /**
   * The rows' JSON ({@code null} for a row without), in this order, packed and sealed; the frames
   * are compressed side by side on the common fork-join pool, so a type's last shard is not
   * compressed on one core while the other waits.
   */
  static PackedJson packAll(byte[][] json, int n) {
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      lengths[i] = json[i] == null ? -1 : json[i].length;
    }
    byte[][] frames = new byte[(n + FRAME - 1) / FRAME][];
    IntStream.range(0, frames.length)
        .parallel()
        .forEach(
            f -> {
              int end = Math.min(n, (f + 1) * FRAME);
              int bytes = 0;
              for (int r = f * FRAME; r < end; r++) {
                bytes += Math.max(lengths[r], 0);
              }
              byte[] plain = new byte[bytes];
              int at = 0;
              for (int r = f * FRAME; r < end; r++) {
                if (json[r] != null) {
                  System.arraycopy(json[r], 0, plain, at, json[r].length);
                  at += json[r].length;
                }
              }
              frames[f] = compress(Compression.SNAPPY, plain, bytes);
            });
    return new PackedJson(n, lengths, frames, Compression.SNAPPY);
  }

  Compression compression() {
    return compression;
  }

  int size() {
    return size;
  }

  /** The length of row {@code i}'s JSON, or -1 when it has none. */
  int length(int i) {
    return lengths[i];
  }

  void add(byte[] json) {
    if (sealed) {
      throw new IllegalStateException("rows added after seal()");
    }
    if (size == lengths.length) {
      lengths = Arrays.copyOf(lengths, size * 2);
    }
    lengths[size++] = json == null ? -1 : json.length;
    if (json != null) {
      if (openBytes + json.length > open.length) {
        open = Arrays.copyOf(open, Math.max(openBytes + json.length, open.length * 2));
      }
      System.arraycopy(json, 0, open, openBytes, json.length);
      openBytes += json.length;
    }
    if (size % FRAME == 0) {
      closeFrame();
    }
  }

  /** The bytes kept for the open frame's rows, uncompressed (its buffer's size). */
  int openCapacity() {
    return open.length;
  }

  /** Compresses the last, partial frame; no row can be added afterwards. */
  void seal() {
    if (!sealed) {
      if (size % FRAME != 0) {
        closeFrame();
      }
      open = new byte[0];
      lengths = Arrays.copyOf(lengths, size);
      frames = Arrays.copyOf(frames, frameCount);
      sealed = true;
    }
  }

  private void closeFrame() {
    if (frameCount == frames.length) {
      frames = Arrays.copyOf(frames, frameCount * 2);
    }
    frames[frameCount++] = compress(compression, open, openBytes);
    openBytes = 0;
  }

  /** Frame {@code f}'s compressed bytes (shared, never changed). */
  byte[] frame(int f) {
    return frames[f];
  }

  /** Whether frame {@code f} holds {@value #FRAME} rows, compressed. */
  boolean fullFrame(int f) {
    return f < frameCount && (f + 1) * FRAME <= size;
  }

  /** The uncompressed bytes of frame {@code f}'s rows. */
  long frameBytes(int f) {
    long n = 0;
    for (int r = f * FRAME; r < Math.min(size, (f + 1) * FRAME); r++) {
      n += Math.max(lengths[r], 0);
    }
    return n;
  }

  /** Whether a whole frame can be appended: nothing added since the last complete frame. */
  boolean atFrameBoundary() {
    return !sealed && size % FRAME == 0;
  }

  /**
   * Appends the rows of {@code src}'s full frame {@code f} without decompressing them (its bytes
   * are shared: frames are never changed). A frame compressed otherwise (a shard encoded by an
   * older build, read after an update) is decompressed and its rows added one by one.
   */
  void appendFrame(PackedJson src, int f) {
    if (!atFrameBoundary() || !src.fullFrame(f)) {
      throw new IllegalStateException("a frame can only be appended whole, at a frame boundary");
    }
    if (src.compression != compression) {
      Reader r = src.reader();
      for (int i = f * FRAME; i < (f + 1) * FRAME; i++) {
        add(r.json(i));
      }
      return;
    }
    if (size + FRAME > lengths.length) {
      lengths = Arrays.copyOf(lengths, Math.max(lengths.length * 2, size + FRAME));
    }
    System.arraycopy(src.lengths, f * FRAME, lengths, size, FRAME);
    size += FRAME;
    if (frameCount == frames.length) {
      frames = Arrays.copyOf(frames, frameCount * 2);
    }
    frames[frameCount++] = src.frames[f];
  }

  /** Row {@code i}'s JSON (null when it has none), decompressing its frame: for one-off reads. */
  byte[] json(int i) {
    return reader().json(i);
  }

  /** A reader for one thread; in row order it decompresses each frame once. */
  Reader reader() {
    return new Reader();
  }

  /** Reads rows, keeping the last frame it decompressed. */
  final class Reader {
    private int frame = -1;
    private byte[] plain;
    private final int[] offsets = new int[FRAME + 1];

    byte[] json(int i) {
      if (i < 0 || i >= size) {
        throw new IndexOutOfBoundsException("row " + i + " of " + size);
      }
      if (lengths[i] < 0) {
        return null;
      }
      int f = i / FRAME;
      if (f != frame) {
        load(f);
      }
      int at = offsets[i - f * FRAME];
      return Arrays.copyOfRange(plain, at, at + lengths[i]);
    }

    private void load(int f) {
      int first = f * FRAME;
      int end = Math.min(size, first + FRAME);
      int total = 0;
      for (int r = first; r < end; r++) {
        offsets[r - first] = total;
        total += Math.max(lengths[r], 0);
      }
      plain = f < frameCount ? decompress(compression, frames[f], total) : open;
      frame = f;
    }
  }

  /** The lengths, then each frame; an unsealed tail is compressed on the way out. */
  void writeTo(DataOutputStream out) throws IOException {
    out.writeInt(size);
    for (int i = 0; i < size; i++) {
      out.writeInt(lengths[i]);
    }
    boolean tail = !sealed && size % FRAME != 0;
    out.writeInt(frameCount + (tail ? 1 : 0));
    for (int f = 0; f < frameCount; f++) {
      out.writeInt(frames[f].length);
      out.write(frames[f]);
    }
    if (tail) {
      byte[] last = compress(compression, open, openBytes);
      out.writeInt(last.length);
      out.write(last);
    }
  }

  static PackedJson readFrom(DataInputStream in, Compression compression) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new CoderException("negative row count");
    }
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      lengths[i] = in.readInt();
      if (lengths[i] < -1) {
        throw new CoderException("negative JSON length");
      }
    }
    int count = in.readInt();
    if (count != (n + FRAME - 1) / FRAME) {
      throw new CoderException(count + " frames for " + n + " rows");
    }
    byte[][] frames = new byte[count][];
    for (int f = 0; f < count; f++) {
      int len = in.readInt();
      if (len < 0) {
        throw new CoderException("negative frame length");
      }
      frames[f] = new byte[len];
      in.readFully(frames[f]);
    }
    return new PackedJson(n, lengths, frames, compression);
  }

  private static byte[] compress(Compression compression, byte[] input, int length) {
    if (compression == Compression.DEFLATE) {
      return deflate(input, length);
    }
    try {
      byte[] out = new byte[Snappy.maxCompressedLength(length)];
      return Arrays.copyOf(out, Snappy.compress(input, 0, length, out, 0));
    } catch (IOException e) {
      throw new IllegalStateException("Snappy could not compress a JSON frame", e);
    }
  }

  /** Frames decompressed in this JVM: how tests see that a reader took each frame once. */
  static final java.util.concurrent.atomic.LongAdder FRAMES_DECOMPRESSED =
      new java.util.concurrent.atomic.LongAdder();

  private static byte[] decompress(Compression compression, byte[] frame, int length) {
    FRAMES_DECOMPRESSED.increment();
    if (compression == Compression.DEFLATE) {
      return inflate(frame, length);
    }
    byte[] out = new byte[length];
    int n;
    try {
      if (Snappy.uncompressedLength(frame) != length) {
        throw new IllegalStateException(
            "a JSON frame holds "
                + Snappy.uncompressedLength(frame)
                + " bytes, expected "
                + length);
      }
      n = Snappy.uncompress(frame, 0, frame.length, out, 0);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON frame is corrupt: " + e.getMessage(), e);
    }
    if (n != length) {
      throw new IllegalStateException("a JSON frame held " + n + " bytes, expected " + length);
    }
    return out;
  }

  private static byte[] deflate(byte[] input, int length) {
    Deflater d = DEFLATERS.poll();
    if (d == null) {
      d = new Deflater(Deflater.BEST_SPEED, true);
    }
    try {
      d.setInput(input, 0, length);
      d.finish();
      byte[] out = new byte[Math.max(64, length / 3)];
      int n = 0;
      while (!d.finished()) {
        if (n == out.length) {
          out = Arrays.copyOf(out, out.length * 2);
        }
        n += d.deflate(out, n, out.length - n);
      }
      return n == out.length ? out : Arrays.copyOf(out, n);
    } finally {
      d.reset();
      DEFLATERS.offer(d);
    }
  }

  private static byte[] inflate(byte[] frame, int length) {
    Inflater inf = INFLATERS.poll();
    if (inf == null) {
      inf = new Inflater(true);
    }
    try {
      return inflate(inf, frame, length);
    } finally {
      inf.reset();
      INFLATERS.offer(inf);
    }
  }

  private static byte[] inflate(Inflater inf, byte[] frame, int length) {
    inf.setInput(frame);
    byte[] out = new byte[length];
    try {
      int n = 0;
      while (n < length) {
        int got = inf.inflate(out, n, length - n);
        if (got == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
          break;
        }
        n += got;
      }
      if (n != length) {
        throw new IllegalStateException(
            "a JSON frame inflated to " + n + " bytes, expected " + length);
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException("a JSON frame is corrupt: " + e.getMessage(), e);
    }
    return out;
  }
}
