package org.rostersync.sandbox.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.EnumMap;
import java.util.Map;
import org.postgresql.PGConnection;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EntityType;
import org.rostersync.hash.CanonicalHash;

/**
 * Baseline (b): PostgreSQL {@code COPY} of the same rows (type, integration, id, hash, canonical
 * JSON) into the empty {@code roster_entities}, the same table and indexes the pipeline writes; the
 * write limit. The COPY input is prepared from a fetch beforehand (untimed) and streamed from
 * files, so only the database write is measured.
 */
final class CopyWrite {
  static final String COPY =
      "COPY roster_entities (entity_type, integration_id, id, hash, data) FROM STDIN";
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private CopyWrite() {}

  /** Writes one COPY text-format file per type into {@code dir}. */
  static Map<EntityType, Path> prepare(
      EdlinkClient client, String token, String integrationId, Path dir) throws Exception {
    Files.createDirectories(dir);
    Map<EntityType, Path> files = new EnumMap<>(EntityType.class);
    for (EntityType type : EntityType.values()) {
      Path file = dir.resolve(type.path() + ".copy");
      byte[] prefix =
          (type.path() + "\t" + integrationId + "\t").getBytes(StandardCharsets.US_ASCII);
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
        client.fetchAll(
            token,
            type,
            page -> {
              try {
                for (int k = 0; k < page.size(); k++) {
                  writeLine(out, prefix, page.id(k), page.canonical(k).bytes());
                }
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
      }
      files.put(type, file);
    }
    return files;
  }

  private static void writeLine(OutputStream out, byte[] prefix, String id, byte[] canonical)
      throws IOException {
    out.write(prefix);
    out.write(id.getBytes(StandardCharsets.US_ASCII));
    // bytea hex input "\x..." with the backslash escaped for COPY's text format.
    out.write(new byte[] {'\t', '\\', '\\', 'x'});
    for (byte b : CanonicalHash.sha256(canonical)) {
      out.write(HEX[(b >> 4) & 0xf]);
      out.write(HEX[b & 0xf]);
    }
    out.write('\t');
    for (byte b : canonical) {
      switch (b) {
        case '\\' -> out.write(new byte[] {'\\', '\\'});
        case '\t' -> out.write(new byte[] {'\\', 't'});
        case '\n' -> out.write(new byte[] {'\\', 'n'});
        case '\r' -> out.write(new byte[] {'\\', 'r'});
        default -> out.write(b);
      }
    }
    out.write('\n');
  }

  /** COPYs every file (one COPY per type, {@code threads} at a time); returns the rows written. */
  static long copy(BenchDb db, Map<EntityType, Path> files, int threads) throws Exception {
    return PerType.sum(
        threads,
        type -> {
          try (Connection c = db.connect();
              InputStream in = Files.newInputStream(files.get(type))) {
            return c.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY, in, 1 << 16);
          }
        });
  }
}
