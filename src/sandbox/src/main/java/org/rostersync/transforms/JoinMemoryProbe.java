package org.rostersync.transforms;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.beam.sdk.coders.Coder;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.Integration;
import org.rostersync.sandbox.EmbeddedDatabase;
import org.rostersync.sandbox.Flags;
import org.rostersync.sandbox.bench.LiveHeap;
import org.rostersync.sandbox.bench.ProbeProcess;
import org.rostersync.sandbox.bench.StandaloneSimulator;

/**
 * What one worker thread needs in memory to join, classify and write one join group, measured on
 * the pipeline's own code: a group of {@code --group} real records of one type (paged from the
 * simulator, standalone in its own process) and its stored side arrive encoded, as from a shuffle,
 * are decoded, classified ({@code ClassifyChanges.classify}) and written to PostgreSQL ({@code
 * WriteChanges.WriteRowsFn}, one transaction per batch). Reports the live heap over the probe's
 * base at each step, to check the design's join term, {@code G × (0.7 × JSON + 300 B) + 5 MB} per
 * thread ({@code --threads}: W threads, each with its own group, at once). {@code --case}: {@code
 * cold} (nothing stored: every record a create), {@code update} (every stored hash differs), {@code
 * nochange}. Sandbox-only; in this package for the package-private pieces.
 */
public final class JoinMemoryProbe {
  private static final String USAGE =
      "Usage: JoinMemoryProbe [--size=large] [--type=people] [--group=25000] [--threads=1]"
          + " [--heaps=128m,192m,256m,384m,512m] [--cases=cold,update,nochange]\n"
          + "  starts the simulator standalone and an embedded PostgreSQL, then one JVM per (heap, case);\n"
          + "  or one probe: --base-url=URL --secret=S --jdbc-url=URL --jdbc-user=U --jdbc-password=P"
          + " [--case=cold] [--type=people] [--group=25000] [--threads=1]";
  private static final String SECRET = "probe-app-secret";
  private static final String RUN = "probe-run";

  private JoinMemoryProbe() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = Flags.parse(args, USAGE);
    if (!flags.containsKey("base-url")) {
      compareUnderHeaps(flags);
      return;
    }
    LiveHeap live = LiveHeap.watch();
    String kase = flags.getOrDefault("case", "cold");
    if (!List.of("cold", "update", "nochange").contains(kase)) {
      throw new IllegalArgumentException("--case must be cold, update or nochange: " + kase);
    }
    int groupSize = Integer.parseInt(flags.getOrDefault("group", "25000"));
    int threads = Integer.parseInt(flags.getOrDefault("threads", "1"));
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be positive: " + threads);
    }
    EntityType type = EntityType.fromPath(flags.getOrDefault("type", "people"));
    JdbcConfig jdbc =
        JdbcConfig.of(
            flags.get("jdbc-url"),
            flags.getOrDefault("jdbc-user", "postgres"),
            SecretRef.plain(flags.getOrDefault("jdbc-password", "postgres")));
    EdlinkClient client =
        EdlinkClient.builder()
            .baseUrl(flags.get("base-url"))
            .appSecret(flags.get("secret"))
            // Small pages: the records are the probe's input; what paging needs is the fetch
            // probe's.
            .pageSize(1_000)
            .build();
    Integration integration = client.listIntegrations().get(0);
    SyncJob job =
        new SyncJob(
            RUN,
            integration.id(),
            List.of(type),
            SyncJob.Mode.FULL,
            "probe",
            false,
            System.currentTimeMillis());
    ShardKey key = new ShardKey(RUN, integration.id(), type, 0, 1);
    WriteChanges.WriteRowsFn writer = new WriteChanges.WriteRowsFn(jdbc, SyncDefaults.BATCH_SIZE);
    writer.setup();
    DataSource ds = PooledDataSources.get(jdbc);
    if (kase.equals("cold")) {
      onRows(
          ds,
          "DELETE FROM roster_entities WHERE entity_type = ? AND integration_id = ?",
          type,
          integration.id());
    }
    // The base: JVM, Beam's coders, the Edlink client, the connection pool, before any record.
    long base = live.liveNow();

    // One group of real records, as the fetch builds them.
    System.out.println("PHASE fetch");
    RemoteShard fetched = fetchGroup(client, integration, new TypeTask(job, type), groupSize);
    long jsonBytes = 0;
    for (int i = 0; i < fetched.size(); i++) {
      jsonBytes += Math.max(fetched.jsonLength(i), 0);
    }
    int n = fetched.size();
    // One encoded copy of each side per thread: W threads join W different groups.
    byte[][] storedEncoded = new byte[threads][];
    byte[][] remoteEncoded = new byte[threads][];
    storedEncoded[0] = encode(StoredShard.Coder.of(), storedSide(fetched, kase));
    remoteEncoded[0] =
        encode(RemoteShard.Coder.of(), fetched.withFetch(new FetchSummary(n, 1, 0, 0, 0)));
    for (int t = 1; t < threads; t++) {
      storedEncoded[t] = storedEncoded[0].clone();
      remoteEncoded[t] = remoteEncoded[0].clone();
    }
    int remoteMb = (int) LiveHeap.mb(remoteEncoded[0].length);
    fetched = null;

    // Each thread reads both sides of its group from the shuffle, decodes, classifies and writes
    // them; the main thread measures between the phases, while every thread holds its group.
    long start = System.currentTimeMillis();
    java.util.concurrent.Phaser phases = new java.util.concurrent.Phaser(threads + 1);
    RemoteShard[] remotes = new RemoteShard[threads];
    StoredShard[] storeds = new StoredShard[threads];
    ClassifyChanges.Diff[] diffs = new ClassifyChanges.Diff[threads];
    List<BatchWritten> receipts = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int me = t;
      done.add(
          pool.submit(
              () -> {
                remotes[me] = decode(RemoteShard.Coder.of(), remoteEncoded[me]);
                storeds[me] = decode(StoredShard.Coder.of(), storedEncoded[me]);
                phases.arriveAndAwaitAdvance(); // decoded; the main thread measures
                phases.arriveAndAwaitAdvance();
                remoteEncoded[me] = null;
                storedEncoded[me] = null;
                phases.arriveAndAwaitAdvance(); // the encoded bytes dropped
                phases.arriveAndAwaitAdvance();
                diffs[me] =
                    ClassifyChanges.classify(
                        key,
                        remotes[me],
                        storeds[me],
                        new ClassifyChanges.WriteLimits(
                            SyncDefaults.ROWS_PER_WRITE, SyncDefaults.BYTES_PER_WRITE));
                phases.arriveAndAwaitAdvance(); // classified
                phases.arriveAndAwaitAdvance();
                // The batches are written one after another, each in its own transaction.
                for (List<RowBatch> kind : List.of(diffs[me].creates(), diffs[me].updates())) {
                  for (RowBatch batch : kind) {
                    receipts.add(writer.write(batch));
                  }
                }
                return null;
              }));
    }
    System.out.println("PHASE decode");
    phases.arriveAndAwaitAdvance();
    long decodePeak = live.liveNow() - base;
    phases.arriveAndAwaitAdvance();
    phases.arriveAndAwaitAdvance();
    long group = live.liveNow() - base;
    System.out.println("PHASE classify");
    phases.arriveAndAwaitAdvance();
    phases.arriveAndAwaitAdvance();
    long classified = live.liveNow() - base;
    System.out.println("PHASE write");
    live.restart();
    phases.arriveAndDeregister();
    for (java.util.concurrent.Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    ClassifyChanges.Diff diff = diffs[0];
    RemoteShard remote = remotes[0];
    StoredShard stored = storeds[0];
    long writePeak = Math.max(live.maxAfterAny(), live.liveNow()) - base;
    long written = 0;
    for (BatchWritten r : receipts) {
      if (r.error() != null) {
        throw new IllegalStateException("a batch failed: " + r.error());
      }
      written += r.written();
    }
    long expected = kase.equals("nochange") ? 0 : (long) n * threads;
    if (written != expected || diff.shard().unchanged() != n - expected / threads) {
      throw new IllegalStateException(
          "wrote "
              + written
              + " rows, "
              + diff.shard().unchanged()
              + " unchanged; expected "
              + expected
              + " written");
    }
    long storedRows =
        onRows(
            ds,
            "SELECT count(*) FROM roster_entities WHERE entity_type = ? AND integration_id = ?",
            type,
            integration.id());
    if (storedRows < n) {
      throw new IllegalStateException(
          "the table holds "
              + storedRows
              + " of the group's "
              + n
              + " rows (a nochange case needs a cold or update case before it)");
    }
    long json = jsonBytes / Math.max(1, n);
    System.out.printf(
        "RESULT case=%s type=%s threads=%d records=%d json-avg-B=%d remote-encoded-MB=%d base-MB=%d"
            + " decode-peak-MB=%d group-MB=%d classified-MB=%d batches=%d write-peak-MB=%d"
            + " rows-written=%d predicted-join-MB=%d seconds=%.1f%n",
        kase,
        type.path(),
        threads,
        n,
        json,
        remoteMb,
        LiveHeap.mb(base),
        LiveHeap.mb(decodePeak),
        LiveHeap.mb(group),
        LiveHeap.mb(classified),
        receipts.size(),
        LiveHeap.mb(writePeak),
        written,
        // The formula's join term, W × (G × (0.7 × JSON + 300 B) + 5 MB) (the JSON compressed).
        LiveHeap.mb(threads * (n * (json * 7 / 10 + 300) + (5L << 20))),
        (System.currentTimeMillis() - start) / 1000.0);
    // Keep the groups reachable until every figure above is taken.
    if (remote.size() + stored.size() + remotes.length + storeds.length + diffs.length < 0) {
      throw new AssertionError();
    }
  }

  /** Pages the type until {@code size} records are held (fewer if the type has fewer). */
  private static RemoteShard fetchGroup(
      EdlinkClient client, Integration integration, TypeTask task, int size) throws Exception {
    RemoteShard group = new RemoteShard(task.job(), null, size);
    String cursor = null;
    do {
      // A budget of one byte: one page per call.
      FetchEntities.PageBatch page =
          FetchEntities.PageBatch.fetch(
              client, integration.accessToken(), task, cursor, 1, Long.MAX_VALUE);
      RemoteShard records = page.records();
      for (int i = 0; i < records.size() && group.size() < size; i++) {
        group.add(records.msb(i), records.lsb(i), records.hash(i), records.json(i));
      }
      cursor = page.stats().resumeFrom();
    } while (cursor != null && group.size() < size);
    // Sorted by id and deflated, as the fetch hands a shard on.
    return FetchEntities.FetchEntitiesFn.distribute(group, task.job(), null, 1)[0];
  }

  /** The stored (id, hash) side the case calls for, as the database would return it. */
  private static StoredShard storedSide(RemoteShard remote, String kase) {
    int n = kase.equals("cold") ? 0 : remote.size();
    long[] msb = new long[n];
    long[] lsb = new long[n];
    byte[][] hashes = new byte[n][];
    for (int i = 0; i < n; i++) {
      msb[i] = remote.msb(i);
      lsb[i] = remote.lsb(i);
      hashes[i] = remote.hash(i).clone();
      if (kase.equals("update")) {
        hashes[i][0] ^= 1;
      }
    }
    return new StoredShard(n, msb, lsb, hashes);
  }

  /**
   * Runs a statement on the probe's (type, integration) rows: a count's value, or the rows changed.
   */
  private static long onRows(DataSource ds, String sql, EntityType type, String integration)
      throws Exception {
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, type.path());
      ps.setObject(2, UUID.fromString(integration));
      if (!ps.execute()) {
        return ps.getUpdateCount();
      }
      try (ResultSet rs = ps.getResultSet()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /**
   * The encoded value in an array of exactly its size (counted first), so that encoding the group
   * needs no more memory than the encoded group: the probe's preparation must not be what runs out.
   */
  private static <T> byte[] encode(Coder<T> coder, T value) throws Exception {
    long[] size = {0};
    coder.encode(
        value,
        new OutputStream() {
          @Override
          public void write(int b) {
            size[0]++;
          }

          @Override
          public void write(byte[] b, int off, int len) {
            size[0] += len;
          }
        });
    ExactBytes out = new ExactBytes((int) size[0]);
    coder.encode(value, out);
    return out.bytes();
  }

  /** A byte stream whose buffer is handed out without a copy when it is exactly full. */
  private static final class ExactBytes extends ByteArrayOutputStream {
    ExactBytes(int size) {
      super(size);
    }

    byte[] bytes() {
      return count == buf.length ? buf : toByteArray();
    }
  }

  private static <T> T decode(Coder<T> coder, byte[] bytes) throws Exception {
    return coder.decode(new ByteArrayInputStream(bytes));
  }

  /** Starts the simulator and PostgreSQL, then one probe JVM per (heap, case); prints a table. */
  private static void compareUnderHeaps(Map<String, String> flags) throws Exception {
    try (EmbeddedDatabase db = EmbeddedDatabase.start();
        StandaloneSimulator sim =
            ProbeProcess.simulator(flags.getOrDefault("size", "large"), SECRET)) {
      Schema.migrate(db.config());
      System.out.println(
          "threads joining at once: " + flags.getOrDefault("threads", "1") + " (W in the formula)");
      String row = "%-9s %-6s %-8s %-8s %-7s %-8s %-8s %-10s %-9s %-11s %-9s %-9s %s%n";
      System.out.printf(
          row,
          "case",
          "-Xmx",
          "outcome",
          "records",
          "JSON B",
          "base MB",
          "decode MB",
          "group MB",
          "classify MB",
          "write peak MB",
          "written",
          "formula MB",
          "s");
      for (String heap : flags.getOrDefault("heaps", "128m,192m,256m,384m,512m").split(",")) {
        for (String kase : flags.getOrDefault("cases", "cold,update,nochange").split(",")) {
          Map<String, String> r =
              ProbeProcess.run(
                  ProbeProcess.command(
                      JoinMemoryProbe.class,
                      heap,
                      List.of(
                          "--base-url=" + sim.baseUrl(),
                          "--secret=" + SECRET,
                          "--jdbc-url=" + db.jdbcUrl(),
                          "--case=" + kase),
                      flags,
                      List.of("type", "group", "threads")));
          if (!"ok".equals(r.get("outcome"))) {
            System.out.printf("%-9s %-6s %s%n", kase, heap, r.get("outcome"));
            if (r.get("outcome").startsWith("failed")) {
              System.out.println(r.get("output"));
            }
            continue;
          }
          System.out.printf(
              row,
              kase,
              heap,
              "ok",
              r.get("records"),
              r.get("json-avg-B"),
              r.get("base-MB"),
              r.get("decode-peak-MB"),
              r.get("group-MB"),
              r.get("classified-MB"),
              r.get("write-peak-MB"),
              r.get("rows-written"),
              r.get("predicted-join-MB"),
              r.get("seconds"));
        }
      }
    }
  }
}
