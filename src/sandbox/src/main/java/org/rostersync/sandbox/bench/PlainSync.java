package org.rostersync.sandbox.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.Integration;
import org.rostersync.hash.CanonicalHash;
import org.rostersync.sandbox.Flags;
import org.rostersync.transforms.CopyRows;
import org.rostersync.transforms.EdlinkConfig;
import org.rostersync.transforms.Ids;
import org.rostersync.transforms.JdbcConfig;
import org.rostersync.transforms.SecretRef;
import org.rostersync.transforms.WriteChanges;

/**
 * The plain program, the baseline of {@link ProcessBenchmark}: Edlink's recommended sync recipe
 * done plainly and well, in one process of its own. The active integrations (Meta API, as the
 * pipeline lists them) one after another; per integration the nine types fetched concurrently
 * ({@code $first=10000}, forward only, the pipeline's {@link EdlinkClient}), a canonical SHA-256
 * per record ({@link CanonicalHash}), the stored {@code (id, hash)} read into hash maps while the
 * first pages arrive, the diff in memory, upserts in batches of 5,000 rows (the pipeline's
 * statement, {@code reWriteBatchedInserts}) written while the fetch goes on, deletes by id once
 * every type was fetched completely, and one transaction per integration (a failed fetch rolls the
 * whole integration back). It leaves the same rows as the pipeline, so the database equals the
 * source either way.
 */
public final class PlainSync implements AutoCloseable {
  static final String USAGE =
      String.join(
          "\n",
          "Usage: PlainSync --edlinkBaseUrl=URL --jdbcUrl=URL [--jdbcUser=postgres] [--batch=5000] [--threads=9] [--fromBothEnds=false] [--copy=false]",
          "  secrets from the environment: EDLINK_APP_SECRET (Meta API), JDBC_PASSWORD",
          "  prints one line 'plain-sync: integrations=N fetched=N created=N updated=N deleted=N failed=N ms=N'",
          "  and exits 1 when an integration failed (its transaction rolled back).");
  private static final int QUEUE_BATCHES = 4;

  /** What a sync of all integrations did. */
  public record Totals(
      int integrations, int failed, long fetched, long created, long updated, long deleted) {
    public long written() {
      return created + updated + deleted;
    }
  }

  /** One row to upsert. */
  private record Row(EntityType type, UUID id, byte[] hash, byte[] canonical, boolean isNew) {}

  /**
   * What one fetch task hands to the writer: rows, or the end of its type (with its failure, if
   * any).
   */
  private record Batch(List<Row> rows, EntityType done, Throwable failure) {}

  private final EdlinkClient client;
  private final JdbcConfig jdbc;
  private final int batchSize;
  private final ExecutorService pool;
  private boolean copyNewRows;

  public PlainSync(EdlinkClient client, JdbcConfig jdbc, int batchSize, int threads) {
    this.client = client;
    this.jdbc = jdbc;
    this.batchSize = batchSize;
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "plain-fetch-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  public static void main(String[] args) {
    Map<String, String> flags = Flags.parse(args, USAGE);
    if (flags.containsKey("help")
        || !flags.containsKey("edlinkBaseUrl")
        || !flags.containsKey("jdbcUrl")) {
      System.out.println(USAGE);
      System.exit(flags.containsKey("help") ? 0 : 2);
    }
    long start = System.nanoTime();
    EdlinkClient client =
        EdlinkConfig.of(flags.get("edlinkBaseUrl"), SecretRef.plain(env("EDLINK_APP_SECRET")))
            // The recipe pages forward only; true shows what paging from both ends gives it.
            .withPagingFromBothEnds(
                Boolean.parseBoolean(flags.getOrDefault("fromBothEnds", "false")))
            .newClient((attempt, reason) -> {});
    JdbcConfig jdbc =
        JdbcConfig.of(
            flags.get("jdbcUrl"),
            flags.getOrDefault("jdbcUser", "postgres"),
            SecretRef.plain(env("JDBC_PASSWORD")));
    try (PlainSync sync =
        new PlainSync(
            client,
            jdbc,
            Integer.parseInt(flags.getOrDefault("batch", "5000")),
            Integer.parseInt(
                flags.getOrDefault("threads", String.valueOf(EntityType.values().length))))) {
      // The recipe upserts every row; true copies new rows, as the pipeline does.
      sync.copyingNewRows(Boolean.parseBoolean(flags.getOrDefault("copy", "false")));
      Totals t = sync.syncAll();
      System.out.printf(
          Locale.ROOT,
          "plain-sync: integrations=%d fetched=%d created=%d updated=%d deleted=%d"
              + " failed=%d ms=%d%n",
          t.integrations(),
          t.fetched(),
          t.created(),
          t.updated(),
          t.deleted(),
          t.failed(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      System.exit(t.failed() == 0 ? 0 : 1);
    } catch (Exception e) {
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("set " + name);
    }
    return v;
  }

  /**
   * New rows by binary COPY (the pipeline's {@link CopyRows}) instead of the recipe's upsert: shows
   * what that change gives a plain program.
   */
  public PlainSync copyingNewRows(boolean copy) {
    this.copyNewRows = copy;
    return this;
  }

  /** Syncs every active integration, one after another, on one connection. */
  public Totals syncAll() throws Exception {
    LongAdder fetched = new LongAdder(),
        created = new LongAdder(),
        updated = new LongAdder(),
        deleted = new LongAdder();
    int integrations = 0, failed = 0;
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      for (Integration i : client.listIntegrations()) {
        if (!i.isActive() || !Ids.isUuid(i.id())) {
          continue;
        }
        integrations++;
        try {
          sync(c, i, fetched, created, updated, deleted);
        } catch (Exception e) {
          failed++;
          c.rollback();
          System.err.println("integration " + i.id() + " failed, rolled back: " + e);
        }
      }
    }
    return new Totals(
        integrations, failed, fetched.sum(), created.sum(), updated.sum(), deleted.sum());
  }

  private Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", jdbc.user());
    p.setProperty("password", jdbc.password().resolve());
    // Batched inserts become multi-row statements.
    p.setProperty("reWriteBatchedInserts", "true");
    p.setProperty("ApplicationName", "roster-sync-plain");
    return DriverManager.getConnection(jdbc.url(), p);
  }

  /**
   * One integration in one transaction: commits when every type was fetched and written, else
   * throws.
   */
  private void sync(
      Connection c,
      Integration integration,
      LongAdder fetched,
      LongAdder created,
      LongAdder updated,
      LongAdder deleted)
      throws Exception {
    UUID integrationId = UUID.fromString(integration.id());
    // Counted into the totals only once committed.
    LongAdder fetchedHere = new LongAdder(),
        createdHere = new LongAdder(),
        updatedHere = new LongAdder();
    Timestamp now = new Timestamp(System.currentTimeMillis());
    CompletableFuture<Map<EntityType, Map<UUID, byte[]>>> stored = new CompletableFuture<>();
    BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(QUEUE_BATCHES);
    for (EntityType type : EntityType.values()) {
      pool.execute(
          () ->
              fetchType(
                  integration.accessToken(),
                  type,
                  stored,
                  queue,
                  fetchedHere,
                  createdHere,
                  updatedHere));
    }
    // The stored hashes are read while the first pages arrive; the fetches diff against them once
    // they are here.
    try {
      stored.complete(readStored(c, integrationId));
    } catch (Exception e) {
      stored.completeExceptionally(e);
    }
    // The writer: this thread, on the integration's connection. After a failure it only drains the
    // queue, so no
    // fetch thread stays blocked on it.
    Throwable failure = null;
    try (PreparedStatement upsert = c.prepareStatement(WriteChanges.upsertSql())) {
      for (int done = 0; done < EntityType.values().length; ) {
        Batch b = queue.take();
        if (b.done() != null) {
          done++;
          failure = failure != null ? failure : b.failure();
          continue;
        }
        if (failure != null) {
          continue;
        }
        try {
          List<Row> upserts =
              copyNewRows && b.rows().stream().anyMatch(Row::isNew)
                  ? copyNew(c, integrationId, b.rows(), now.getTime())
                  : b.rows();
          for (Row r : upserts) {
            upsert.setString(1, r.type().path());
            upsert.setObject(2, integrationId);
            upsert.setObject(3, r.id());
            upsert.setBytes(4, r.hash());
            upsert.setString(5, new String(r.canonical(), StandardCharsets.UTF_8));
            upsert.setTimestamp(6, now);
            upsert.addBatch();
          }
          if (!upserts.isEmpty()) {
            upsert.executeBatch();
          }
        } catch (SQLException e) {
          failure = e;
        }
      }
    }
    if (failure != null) {
      throw new IllegalStateException("sync failed", failure);
    }
    // Every type was fetched completely: what the maps still hold is gone at the source.
    long gone = 0;
    try (PreparedStatement ps = c.prepareStatement(WriteChanges.hardDeleteSql())) {
      for (Map.Entry<EntityType, Map<UUID, byte[]>> e : stored.get().entrySet()) {
        List<UUID> ids = new ArrayList<>(e.getValue().keySet());
        for (int from = 0; from < ids.size(); from += batchSize) {
          ps.setString(1, e.getKey().path());
          ps.setObject(2, integrationId);
          ps.setArray(
              3,
              c.createArrayOf(
                  "uuid", ids.subList(from, Math.min(ids.size(), from + batchSize)).toArray()));
          gone += ps.executeUpdate();
        }
      }
    }
    c.commit();
    fetched.add(fetchedHere.sum());
    created.add(createdHere.sum());
    updated.add(updatedHere.sum());
    deleted.add(gone);
  }

  /** Copies the new rows of a batch (one type's); returns the others, to upsert. */
  private static List<Row> copyNew(
      Connection c, UUID integrationId, List<Row> rows, long syncedAtMillis) throws SQLException {
    List<Row> others = new ArrayList<>();
    try (CopyRows copy =
        CopyRows.start(c, rows.get(0).type().path(), integrationId, syncedAtMillis)) {
      for (Row r : rows) {
        if (r.isNew()) {
          copy.add(
              r.id().getMostSignificantBits(),
              r.id().getLeastSignificantBits(),
              r.hash(),
              r.canonical());
        } else {
          others.add(r);
        }
      }
      copy.finish();
    }
    return others;
  }

  /**
   * Fetches, hashes and diffs one type, handing changed rows to the writer in batches; always ends
   * with a marker.
   */
  private void fetchType(
      String token,
      EntityType type,
      CompletableFuture<Map<EntityType, Map<UUID, byte[]>>> stored,
      BlockingQueue<Batch> queue,
      LongAdder fetched,
      LongAdder created,
      LongAdder updated) {
    Throwable failure = null;
    try {
      var pending =
          new Object() {
            List<Row> rows = new ArrayList<>(batchSize);
          };
      long n =
          client
              .fetchAll(
                  token,
                  type,
                  page -> {
                    UUID[] ids = new UUID[page.size()];
                    byte[][] canonical = new byte[page.size()][];
                    byte[][] hashes = new byte[page.size()][];
                    for (int k = 0; k < ids.length; k++) {
                      ids[k] = UUID.fromString(page.id(k));
                      canonical[k] = page.canonical(k).bytes();
                      hashes[k] = CanonicalHash.sha256(canonical[k]);
                    }
                    // Each type's map is touched by this thread only.
                    Map<UUID, byte[]> old = stored.join().get(type);
                    for (int k = 0; k < ids.length; k++) {
                      byte[] before = old.remove(ids[k]);
                      if (before != null && Arrays.equals(before, hashes[k])) {
                        continue;
                      }
                      (before == null ? created : updated).increment();
                      pending.rows.add(
                          new Row(type, ids[k], hashes[k], canonical[k], before == null));
                      if (pending.rows.size() == batchSize) {
                        put(queue, new Batch(pending.rows, null, null));
                        pending.rows = new ArrayList<>(batchSize);
                      }
                    }
                  })
              .records();
      if (!pending.rows.isEmpty()) {
        put(queue, new Batch(pending.rows, null, null));
      }
      fetched.add(n);
    } catch (Throwable t) {
      failure = t;
    }
    put(queue, new Batch(null, type, failure));
  }

  private static void put(BlockingQueue<Batch> queue, Batch b) {
    try {
      queue.put(b);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The live {@code (id, hash)} of every type of the integration, in one query. */
  private static Map<EntityType, Map<UUID, byte[]>> readStored(Connection c, UUID integration)
      throws SQLException {
    Map<EntityType, Map<UUID, byte[]>> out = new EnumMap<>(EntityType.class);
    Map<String, Map<UUID, byte[]>> byPath = new HashMap<>();
    for (EntityType t : EntityType.values()) {
      Map<UUID, byte[]> m = new HashMap<>();
      out.put(t, m);
      byPath.put(t.path(), m);
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT entity_type, id, hash FROM roster_entities"
                + " WHERE integration_id = ? AND deleted_at IS NULL")) {
      ps.setObject(1, integration);
      ps.setFetchSize(
          10_000); // streams (autocommit is off) instead of holding the whole result twice
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<UUID, byte[]> m = byPath.get(rs.getString(1));
          if (m != null) {
            m.put((UUID) rs.getObject(2), rs.getBytes(3));
          }
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
