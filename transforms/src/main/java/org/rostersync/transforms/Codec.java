package org.rostersync.transforms;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.SerializableCoder;

/** Compact binary helpers for the coders of the bulk elements (shards of records). */
final class Codec {
  private static final SerializableCoder<SyncJob> JOB = SerializableCoder.of(SyncJob.class);

  private Codec() {}

  static void writeJob(SyncJob job, OutputStream out) throws IOException {
    JOB.encode(job, out);
  }

  static SyncJob readJob(InputStream in) throws IOException {
    return JOB.decode(in);
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

}
