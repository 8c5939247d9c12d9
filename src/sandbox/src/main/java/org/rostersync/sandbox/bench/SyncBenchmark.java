package org.rostersync.sandbox.bench;

import static org.rostersync.sandbox.bench.Measurement.CHURN;
import static org.rostersync.sandbox.bench.Measurement.COLD;
import static org.rostersync.sandbox.bench.Measurement.GATE;
import static org.rostersync.sandbox.bench.Measurement.NO_CHANGE;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EntityType;
import org.rostersync.pipeline.Migrations;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.sandbox.EmbeddedDatabase;
import org.rostersync.sandbox.Flags;
import org.rostersync.sandbox.SourceComparison;
import org.rostersync.sandbox.SyncRunner;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.RosterType;
import org.rostersync.sandbox.simulator.SimIntegration;
import org.rostersync.transforms.EdlinkConfig;
import org.rostersync.transforms.PooledDataSources;
import org.rostersync.transforms.SecretRef;

/**
 * The benchmark (docs/benchmark.md), in one process: one Edlink simulator (one integration per
 * dataset size) and one embedded PostgreSQL. Per dataset it measures the baselines (a) fetch-only,
 * (b) COPY write-only, (c) the in-memory diff (cold, no-change, 1% churn) and (d) the naive per-row
 * sync (medium only), and the pipeline on the DirectRunner (cold, no-change, 1% churn, gate skip);
 * it checks the database against the source after every sync that writes, and writes results.md,
 * results.csv and chart.svg.
 */
public final class SyncBenchmark {
  private static final String USAGE =
      String.join(
          "\n",
          "Usage: SyncBenchmark [--sizes=small,medium,large] [--out=target/bench] [--skip-naive] [--parallelism=N]",
          "                     [--seed=42] [--churn=0.01] [--records-per-shard=N] [--batch-size=N] [--pool-size=N]",
          "  --parallelism        DirectRunner targetParallelism, and the threads of baselines (a), (b) and (c)",
          "                       (default: the DirectRunner's own default)",
          "  --skip-naive         skip baseline (d), one statement and transaction per record (medium only)",
          "  --records-per-shard, --batch-size, --pool-size   pipeline options, to measure these levers");

  private final Map<String, String> flags;
  private final EdlinkSimulator sim;
  private final BenchDb db;
  private final EdlinkClient client;
  private final int parallelism;
  private final List<Measurement> results = new ArrayList<>();

  private SyncBenchmark(
      Map<String, String> flags, EdlinkSimulator sim, BenchDb db, int parallelism) {
    this.flags = flags;
    this.sim = sim;
    this.db = db;
    this.client =
        EdlinkConfig.of(sim.baseUrl(), SecretRef.plain(sim.appSecret())).newClient((a, r) -> {});
    this.parallelism = parallelism;
  }

  public static void main(String[] args) throws Exception {
    // Exit explicitly: Beam and the embedded server leave non-daemon threads behind.
    System.exit(run(args));
  }

  static int run(String[] args) throws Exception {
    // exec:exec hands the benchmark flags over as one argument.
    Map<String, String> flags = Flags.parse(args, USAGE);
    if (flags.containsKey("help")) {
      System.out.println(USAGE);
      return 0;
    }
    List<DatasetSize> sizes = new ArrayList<>();
    for (String s : flags.getOrDefault("sizes", "small,medium,large").split(",")) {
      sizes.add(DatasetSize.named(s.trim()));
    }
    int parallelism =
        flags.containsKey("parallelism")
            ? Integer.parseInt(flags.get("parallelism"))
            : org.apache.beam.sdk.options.PipelineOptionsFactory.as(DirectOptions.class)
                .getTargetParallelism();
    Path out = Path.of(flags.getOrDefault("out", "target/bench")).toAbsolutePath();
    EdlinkSimulator.Builder b =
        EdlinkSimulator.builder()
            .port(0)
            .seed(Long.parseLong(flags.getOrDefault("seed", "42")))
            .appSecret("bench-app-secret");
    // The first integration is a tiny one for warming up class loading and the JIT, unmeasured.
    b.integration(DatasetSize.TINY);
    sizes.forEach(b::integration);
    try (EmbeddedDatabase pg = EmbeddedDatabase.start();
        EdlinkSimulator sim = b.start()) {
      Migrations.apply(pg.config());
      SyncBenchmark bench = new SyncBenchmark(flags, sim, new BenchDb(pg.config()), parallelism);
      System.out.println(bench.context());
      bench.warmUp(sim.integrations().get(0));
      for (int i = 0; i < sizes.size(); i++) {
        bench.dataset(sizes.get(i), sim.integrations().get(i + 1), out.resolve("work"));
        bench.report().write(out);
      }
      Report report = bench.report();
      System.out.println("\n" + report.text());
      System.out.println("Written: " + out.resolve("results.md") + ", results.csv, chart.svg");
      return 0;
    } finally {
      PooledDataSources.closeAll();
    }
  }

  private Report report() {
    return new Report(results, context());
  }

  private String context() {
    return String.format(
        Locale.ROOT,
        "Machine: %d cores, %,d MB RAM, %s %s, max heap %,d MB. DirectRunner"
            + " targetParallelism=%d (baselines (a)-(c) use as many threads), enforceImmutability/Encodability off."
            + " Peak RSS and heap are of the whole JVM, which also runs the Edlink simulator (equal for every row).",
        Runtime.getRuntime().availableProcessors(),
        totalMemoryMb(),
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        Runtime.getRuntime().maxMemory() / (1024 * 1024),
        parallelism);
  }

  private static long totalMemoryMb() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize()
        / (1024 * 1024);
  }

  /**
   * Runs every system once on a tiny integration, so no measurement pays for loading Beam or cold
   * JIT.
   */
  private void warmUp(SimIntegration tiny) throws Exception {
    db.reset();
    FetchOnly.run(client, tiny.accessToken(), parallelism);
    SyncRunner.run(options(tiny.id(), "full"), null);
    SyncRunner.run(options(tiny.id(), "full"), null);
    db.reset();
    InMemoryDiffSync c = new InMemoryDiffSync(client, db, parallelism, 1000);
    c.sync(tiny.id(), tiny.accessToken());
    c.sync(tiny.id(), tiny.accessToken());
  }

  private void dataset(DatasetSize size, SimIntegration integration, Path work) throws Exception {
    String id = integration.id();
    String token = integration.accessToken();
    long records = 0;
    for (EntityType t : EntityType.values()) {
      records += sim.count(id, RosterType.fromPath(t.path()));
    }
    String name = size.name();
    long n = records;
    System.out.printf(Locale.ROOT, "%n== %s: %,d records (integration %s)%n", name, records, id);

    db.reset();
    add(
        measure(
            () -> FetchOnly.run(client, token, parallelism),
            (secs, mem, fetched) ->
                new Measurement(
                    name,
                    n,
                    Measurement.FETCH,
                    Measurement.FETCH_ONLY,
                    secs,
                    fetched,
                    mem,
                    0,
                    -1,
                    -1,
                    "")));

    Path copyDir = work.resolve(name);
    var files = CopyWrite.prepare(client, token, id, copyDir);
    add(
        measure(
            () -> CopyWrite.copy(db, files, parallelism),
            (secs, mem, rows) ->
                new Measurement(
                    name,
                    n,
                    Measurement.WRITE,
                    Measurement.COPY_ONLY,
                    secs,
                    rows,
                    mem,
                    rows,
                    -1,
                    -1,
                    "")));
    deleteTree(copyDir);

    db.reset();
    add(pipeline(name, n, id, COLD, "full", -1));
    amendNote(verify(id));
    db.vacuum();
    add(pipeline(name, n, id, NO_CHANGE, "full", -1));
    long changed = churn(id);
    add(pipeline(name, n, id, CHURN, "full", changed));
    amendNote(verify(id));
    add(gate(name, n, id));

    InMemoryDiffSync c =
        new InMemoryDiffSync(
            client, db, parallelism, Integer.parseInt(flags.getOrDefault("batch-size", "1000")));
    db.reset();
    add(inMemory(c, name, n, id, token, COLD, -1));
    amendNote(verify(id));
    db.vacuum();
    add(inMemory(c, name, n, id, token, NO_CHANGE, -1));
    changed = churn(id);
    add(inMemory(c, name, n, id, token, CHURN, changed));
    amendNote(verify(id));

    if (size == DatasetSize.MEDIUM && !flags.containsKey("skip-naive")) {
      db.reset();
      add(
          measure(
              () -> NaivePerRowSync.run(client, db, id, token),
              (secs, mem, rows) ->
                  new Measurement(
                      name, n, COLD, Measurement.NAIVE, secs, n, mem, rows, -1, -1, "1 thread")));
      amendNote(verify(id));
    }
  }

  private Measurement pipeline(
      String dataset, long records, String id, String scenario, String mode, long expected)
      throws Exception {
    SyncOptions o = options(id, mode);
    long xid = db.nextXid();
    Measurement m =
        measure(
            () -> SyncRunner.run(o, null),
            (secs, mem, outcome) -> {
              if (outcome.state() != PipelineResult.State.DONE) {
                throw new IllegalStateException(
                    "pipeline " + scenario + " ended " + outcome.state());
              }
              long written =
                  outcome.counter("rows_created")
                      + outcome.counter("rows_updated")
                      + outcome.counter("rows_deleted");
              return new Measurement(
                  dataset,
                  records,
                  scenario,
                  Measurement.PIPELINE,
                  secs,
                  outcome.counter("records_fetched"),
                  mem,
                  written,
                  expected,
                  -1,
                  String.format(
                      Locale.ROOT,
                      "created %d, updated %d, deleted %d; %s",
                      outcome.counter("rows_created"),
                      outcome.counter("rows_updated"),
                      outcome.counter("rows_deleted"),
                      fetchTimes(outcome)));
            });
    return withNote(m, "row versions written " + db.rowVersionsSince(id, xid));
  }

  /**
   * The slowest type's fetch time and the sum over types, from the run's counts: how much of the
   * run is fetch.
   */
  private static String fetchTimes(SyncRunner.Outcome outcome) {
    long max = 0, sum = 0;
    String slowest = "";
    for (SyncRunner.RunRow run : outcome.runs()) {
      JsonObject counts = JsonParser.parseString(run.countsJson()).getAsJsonObject();
      for (String type : counts.keySet()) {
        JsonObject t = counts.getAsJsonObject(type);
        long ms = t.has("fetch_ms") ? t.get("fetch_ms").getAsLong() : 0;
        sum += ms;
        if (ms > max) {
          max = ms;
          slowest = type;
        }
      }
    }
    return String.format(
        Locale.ROOT, "fetch %s %.1f s, all types %.1f s", slowest, max / 1000.0, sum / 1000.0);
  }

  /**
   * A scheduled tick with no new events: counts the Edlink requests and the roster rows it writes.
   */
  private Measurement gate(String dataset, long records, String id) throws Exception {
    SyncOptions o = options(id, "auto");
    long calls = sim.requestCount();
    long xid = db.nextXid();
    long live = db.liveRows(id);
    Measurement m =
        measure(
            () -> SyncRunner.run(o, null),
            (secs, mem, outcome) -> {
              String status = outcome.runs().isEmpty() ? "none" : outcome.runs().get(0).status();
              return new Measurement(
                  dataset,
                  records,
                  GATE,
                  Measurement.PIPELINE,
                  secs,
                  0,
                  mem,
                  0,
                  -1,
                  0,
                  "run " + status);
            });
    long requests = sim.requestCount() - calls;
    long events = sim.requestCount(id, "events");
    long writes = db.rowVersionsSince(id, xid) + Math.abs(db.liveRows(id) - live);
    return new Measurement(
        m.dataset(),
        m.datasetRecords(),
        m.scenario(),
        m.system(),
        m.seconds(),
        0,
        m.memory(),
        writes,
        -1,
        requests,
        m.note()
            + ", "
            + requests
            + " Edlink request(s) ("
            + events
            + " events calls so far), "
            + writes
            + " roster rows written");
  }

  private Measurement inMemory(
      InMemoryDiffSync c,
      String dataset,
      long records,
      String id,
      String token,
      String scenario,
      long expected)
      throws Exception {
    return measure(
        () -> c.sync(id, token),
        (secs, mem, r) ->
            new Measurement(
                dataset,
                records,
                scenario,
                Measurement.IN_MEMORY,
                secs,
                r.fetched(),
                mem,
                r.written(),
                expected,
                -1,
                String.format(
                    Locale.ROOT,
                    "created %d, updated %d, deleted %d",
                    r.created(),
                    r.updated(),
                    r.deleted())));
  }

  private SyncOptions options(String integrationId, String mode) {
    SyncOptions o = SyncRunner.options(db.config(), sim.baseUrl(), sim.appSecret());
    o.setIntegrationIds(integrationId);
    o.setMode(mode);
    o.setMigrate(false);
    if (flags.containsKey("records-per-shard")) {
      o.setRecordsPerShard(Integer.parseInt(flags.get("records-per-shard")));
    }
    if (flags.containsKey("batch-size")) {
      o.setBatchSize(Integer.parseInt(flags.get("batch-size")));
    }
    if (flags.containsKey("pool-size")) {
      o.setDbPoolSize(Integer.parseInt(flags.get("pool-size")));
    }
    DirectOptions direct = o.as(DirectOptions.class);
    direct.setTargetParallelism(parallelism);
    // Checks for tests, not for production: they copy and re-encode every element (they stay on in
    // tests).
    direct.setEnforceImmutability(false);
    direct.setEnforceEncodability(false);
    return o;
  }

  /**
   * A day of roster changes; returns the rows a sync must now write (missing + extra + stale vs the
   * database).
   */
  private long churn(String id) throws Exception {
    double churn = Double.parseDouble(flags.getOrDefault("churn", "0.01"));
    System.out.println("  applyDay(" + churn + "): " + sim.applyDay(id, churn));
    SourceComparison.Diff d =
        SourceComparison.total(SourceComparison.compare(db.config(), id, sim));
    return d.missing() + d.extra() + d.stale();
  }

  /**
   * Compares the database with the source; a difference stops the benchmark, since its figures
   * would lie.
   */
  private String verify(String id) throws Exception {
    SourceComparison.Diff d =
        SourceComparison.total(SourceComparison.compare(db.config(), id, sim));
    if (!d.equal()) {
      throw new IllegalStateException("database differs from the source: " + d);
    }
    return "verified = source (" + d.stored() + " rows)";
  }

  /** Adds a note to the last measurement. */
  private void amendNote(String note) {
    results.add(withNote(results.remove(results.size() - 1), note));
    System.out.println("    " + note);
  }

  private static Measurement withNote(Measurement m, String note) {
    return new Measurement(
        m.dataset(),
        m.datasetRecords(),
        m.scenario(),
        m.system(),
        m.seconds(),
        m.processed(),
        m.memory(),
        m.rowsWritten(),
        m.expectedRows(),
        m.edlinkCalls(),
        m.note().isEmpty() ? note : m.note() + "; " + note);
  }

  private void add(Measurement m) {
    results.add(m);
    System.out.printf(
        Locale.ROOT,
        "  %-17s %-20s %8.2f s %,10.0f rec/s  RSS %,6d->%,6d MB  heap %,6d MB  rows %,9d  %s%n",
        m.scenario(),
        m.system(),
        m.seconds(),
        m.recordsPerSecond(),
        m.memory().startRssMb(),
        m.memory().peakRssMb(),
        m.memory().peakHeapMb(),
        m.rowsWritten(),
        m.note());
  }

  interface Finish<T> {
    Measurement apply(double seconds, Measurement.Memory memory, T value) throws Exception;
  }

  /** Times {@code body} between a memory reset and a peak reading. */
  private static <T> Measurement measure(Callable<T> body, Finish<T> finish) throws Exception {
    MemoryProbe.reset();
    long startRss = MemoryProbe.rssMb();
    long start = System.nanoTime();
    T value = body.call();
    double seconds = (System.nanoTime() - start) / 1e9;
    return finish.apply(
        seconds,
        new Measurement.Memory(startRss, MemoryProbe.peakRssMb(), MemoryProbe.peakHeapMb()),
        value);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
