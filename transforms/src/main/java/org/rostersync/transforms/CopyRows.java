package org.rostersync.transforms;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * New rows of one (integration, type) sent by PostgreSQL's binary {@code COPY ... FROM STDIN}: the
 * JSON goes as its bytes (jsonb's binary form is a version byte and the text), with no statement to
 * parse or plan per batch of rows. For the large university's cold sync this took PostgreSQL's CPU
 * from 35 s to 26-28 s (docs/benchmark-process.md, "New rows by COPY"). COPY only inserts: a row
 * that exists already fails the whole COPY with 23505, and the caller writes the batch by upsert
 * instead. Knows nothing of Beam, so a program outside the pipeline can write the same rows.
 */
public final class CopyRows implements AutoCloseable {
  static final String COPY =
      "COPY roster_entities (entity_type, integration_id, id, hash, data, synced_at)"
          + " FROM STDIN (FORMAT binary)";

  private static final byte[] HEADER = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
  };
  private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;
  private static final int FLUSH_AT = 1 << 18;

  private final CopyIn copy;
  private final byte[] type;
  private final long integrationMsb;
  private final long integrationLsb;
  private final long syncedAtMicros;
  private byte[] buf = new byte[FLUSH_AT + 4096];
  private int n;
  private long rows;

  private CopyRows(CopyIn copy, String typePath, UUID integration, long syncedAtMillis) {
    this.copy = copy;
    this.type = typePath.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    this.integrationMsb = integration.getMostSignificantBits();
    this.integrationLsb = integration.getLeastSignificantBits();
    this.syncedAtMicros = syncedAtMillis * 1000 - POSTGRES_EPOCH_MICROS;
    System.arraycopy(HEADER, 0, buf, 0, HEADER.length);
    n = HEADER.length;
  }

  /** Starts a COPY on the connection (its transaction is the caller's). */
  public static CopyRows start(
      Connection conn, String typePath, UUID integration, long syncedAtMillis) throws SQLException {
    CopyIn copy = conn.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY);
    return new CopyRows(copy, typePath, integration, syncedAtMillis);
  }

  /** Adds one row: its id, its canonical hash and its canonical JSON (UTF-8). */
  public void add(long idMsb, long idLsb, byte[] hash, byte[] json) throws SQLException {
    // A field count, six lengths, two UUIDs, jsonb's version byte, a timestamp; then the values.
    ensure(2 + 6 * 4 + 32 + 1 + 8 + type.length + hash.length + json.length);
    putShort(6);
    putInt(type.length);
    put(type);
    putInt(16);
    putLong(integrationMsb);
    putLong(integrationLsb);
    putInt(16);
    putLong(idMsb);
    putLong(idLsb);
    putInt(hash.length);
    put(hash);
    putInt(1 + json.length);
    buf[n++] = 1; // jsonb's binary format version
    n = JsonbKeyOrder.write(json, buf, n);
    putInt(8);
    putLong(syncedAtMicros);
    rows++;
    if (n >= FLUSH_AT) {
      flush();
    }
  }

  /** Ends the COPY; fails if PostgreSQL took another number of rows than were added. */
  public long finish() throws SQLException {
    ensure(2);
    putShort(-1);
    flush();
    long copied = copy.endCopy();
    if (copied != rows) {
      throw new SQLException("COPY took " + copied + " rows of " + rows, "XX000");
    }
    return copied;
  }

  /** Cancels a COPY that did not finish (the caller's transaction then rolls back). */
  @Override
  public void close() throws SQLException {
    if (copy.isActive()) {
      copy.cancelCopy();
    }
  }

  private void flush() throws SQLException {
    if (n > 0) {
      copy.writeToCopy(buf, 0, n);
      n = 0;
    }
  }

  private void ensure(int more) throws SQLException {
    if (n + more > buf.length) {
      flush();
      if (more > buf.length) {
        buf = new byte[more];
      }
    }
  }

  private void put(byte[] b) {
    System.arraycopy(b, 0, buf, n, b.length);
    n += b.length;
  }

  private void putShort(int v) {
    buf[n++] = (byte) (v >>> 8);
    buf[n++] = (byte) v;
  }

  private void putInt(int v) {
    buf[n++] = (byte) (v >>> 24);
    buf[n++] = (byte) (v >>> 16);
    buf[n++] = (byte) (v >>> 8);
    buf[n++] = (byte) v;
  }

  private void putLong(long v) {
    putInt((int) (v >>> 32));
    putInt((int) v);
  }
}
