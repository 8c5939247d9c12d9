package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.CoderException;
import org.rostersync.edlink.EntityType;

/**
 * Compact binary helpers for the explicit coders of everything kept in state or shuffled. Every
 * encoding starts with a version byte, so a running job can be updated in place: a new build reads
 * the versions it knows and refuses the others with a clear error instead of misreading bytes.
 * Entity types travel as their path, never as an ordinal.
 */
final class Codec {
  private Codec() {}

  static void writeJob(SyncJob job, OutputStream out) throws IOException {
    SyncJob.Coder.of().encode(job, out);
  }

  static SyncJob readJob(InputStream in) throws IOException {
    return SyncJob.Coder.of().decode(in);
  }

  static DataOutputStream data(OutputStream out) {
    return out instanceof DataOutputStream d ? d : new DataOutputStream(out);
  }

  static DataInputStream data(InputStream in) {
    return in instanceof DataInputStream d ? d : new DataInputStream(in);
  }

  /** Reads the version byte and refuses any version this build does not know. */
  static int readVersion(DataInputStream in, String what, int newest) throws IOException {
    int v = in.read();
    if (v < 0) {
      throw new CoderException("cannot decode " + what + ": end of stream before the version byte");
    }
    if (v < 1 || v > newest) {
      throw new CoderException(
          "cannot decode "
              + what
              + ": encoding version "
              + v
              + " is unknown to this build"
              + " (it reads versions 1.."
              + newest
              + "); was the job updated from a newer build?");
    }
    return v;
  }

  /** A nullable string: length (-1 for null) and UTF-8 bytes. */
  static void writeString(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  static String readString(DataInputStream in) throws IOException {
    int len = in.readInt();
    if (len == -1) {
      return null;
    }
    if (len < 0) {
      throw new CoderException("negative string length");
    }
    byte[] b = new byte[len];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  static void writeStrings(DataOutputStream out, List<String> values) throws IOException {
    out.writeInt(values.size());
    for (String v : values) {
      writeString(out, v);
    }
  }

  static List<String> readStrings(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) {
      throw new CoderException("negative list length");
    }
    List<String> out = new ArrayList<>(Math.min(n, 1024));
    for (int i = 0; i < n; i++) {
      out.add(readString(in));
    }
    return out;
  }

  static void writeType(DataOutputStream out, EntityType type) throws IOException {
    writeString(out, type.path());
  }

  static EntityType readType(DataInputStream in) throws IOException {
    String path = readString(in);
    try {
      return EntityType.fromPath(path);
    } catch (RuntimeException e) {
      throw new CoderException("unknown entity type '" + path + "' in an encoded value");
    }
  }

  /** An enum by name (stable across reordering), null allowed. */
  static void writeEnum(DataOutputStream out, Enum<?> e) throws IOException {
    writeString(out, e == null ? null : e.name());
  }

  static <E extends Enum<E>> E readEnum(DataInputStream in, Class<E> type) throws IOException {
    String name = readString(in);
    if (name == null) {
      return null;
    }
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException e) {
      throw new CoderException(
          "unknown " + type.getSimpleName() + " '" + name + "' in an encoded value");
    }
  }

  static void writeBytesArray(DataOutputStream out, byte[][] values, int n) throws IOException {
    for (int i = 0; i < n; i++) {
      if (values[i] == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(values[i].length);
        out.write(values[i]);
      }
    }
  }

  static byte[][] readBytesArray(DataInputStream in, int n) throws IOException {
    byte[][] v = new byte[n][];
    for (int i = 0; i < n; i++) {
      int len = in.readInt();
      if (len == -1) {
        continue;
      }
      if (len < 0) {
        throw new CoderException("negative length");
      }
      v[i] = new byte[len];
      in.readFully(v[i]);
    }
    return v;
  }

  static void writeLongs(DataOutputStream out, long[] values, int n) throws IOException {
    for (int i = 0; i < n; i++) {
      out.writeLong(values[i]);
    }
  }

  static long[] readLongs(DataInputStream in, int n) throws IOException {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = in.readLong();
    }
    return v;
  }

  /** What {@code @DefaultCoder} asks a coder class for: this coder for values of {@code type}. */
  static <T> org.apache.beam.sdk.coders.CoderProvider providerFor(
      Class<T> type, org.apache.beam.sdk.coders.Coder<T> coder) {
    return org.apache.beam.sdk.coders.CoderProviders.forCoder(
        org.apache.beam.sdk.values.TypeDescriptor.of(type), coder);
  }

  /**
   * Base of the value coders: a version byte, then the fields. Deterministic (no maps, fixed field
   * order), so any of them may be part of a grouping key.
   */
  abstract static class Versioned<T> extends org.apache.beam.sdk.coders.AtomicCoder<T> {
    private final String what;
    private final int version;

    /** {@code version}: the one this build writes, and the newest it reads. */
    Versioned(Class<T> type, int version) {
      this.what = type.getSimpleName();
      this.version = version;
    }

    final int version() {
      return version;
    }

    final String what() {
      return what;
    }

    /**
     * The version {@code value} is written as: {@link #version()}, unless a coder keeps writing an
     * older layout for values an earlier build made (a grouping key must encode as it did).
     */
    int versionOf(T value) {
      return version;
    }

    abstract void write(T value, DataOutputStream out) throws IOException;

    abstract T read(DataInputStream in, int version) throws IOException;

    @Override
    public final void encode(T value, OutputStream outStream) throws IOException {
      if (value == null) {
        throw new CoderException("cannot encode a null " + what());
      }
      DataOutputStream out = data(outStream);
      out.writeByte(versionOf(value));
      write(value, out);
      out.flush();
    }

    @Override
    public final T decode(InputStream inStream) throws IOException {
      DataInputStream in = data(inStream);
      return read(in, readVersion(in, what(), version()));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
