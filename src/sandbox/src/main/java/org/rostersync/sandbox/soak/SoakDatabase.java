package org.rostersync.sandbox.soak;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.rostersync.sandbox.EmbeddedDatabase;
import org.rostersync.transforms.JdbcConfig;

/**
 * The soak's PostgreSQL: an external server, or an embedded one whose files and port survive a
 * restart, so the soak can stop and start it under a running sync while the pipeline's JDBC URL
 * stays valid.
 */
final class SoakDatabase implements AutoCloseable {
  private final JdbcConfig config;
  private final Path dataDir;
  private final int port;
  private volatile EmbeddedDatabase embedded;

  private SoakDatabase(JdbcConfig config, Path dataDir, int port, EmbeddedDatabase embedded) {
    this.config = config;
    this.dataDir = dataDir;
    this.port = port;
    this.embedded = embedded;
  }

  static SoakDatabase external(JdbcConfig config) {
    return new SoakDatabase(config, null, 0, null);
  }

  /**
   * A fresh embedded server in {@code dataDir} (emptied first, so every soak starts from the same
   * state).
   */
  static SoakDatabase embedded(Path dataDir) throws IOException {
    if (Files.exists(dataDir)) {
      try (Stream<Path> files = Files.walk(dataDir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    EmbeddedDatabase db = EmbeddedDatabase.start(dataDir, 0);
    return new SoakDatabase(db.config(), dataDir, db.port(), db);
  }

  JdbcConfig config() {
    return config;
  }

  boolean restartable() {
    return dataDir != null;
  }

  /**
   * Stops the server (fast shutdown: open sessions are terminated) and starts it again on the same
   * port.
   */
  void restart() throws IOException {
    embedded.close();
    embedded = EmbeddedDatabase.start(dataDir, port);
  }

  @Override
  public void close() throws IOException {
    if (embedded != null) {
      embedded.close();
    }
  }
}
