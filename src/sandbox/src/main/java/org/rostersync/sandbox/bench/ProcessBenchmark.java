package org.rostersync.sandbox.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.Integration;
import org.rostersync.pipeline.Migrations;
import org.rostersync.sandbox.EmbeddedDatabase;
import org.rostersync.sandbox.Flags;
import org.rostersync.sandbox.SourceComparison;
import org.rostersync.transforms.EdlinkConfig;
import org.rostersync.transforms.JdbcConfig;
import org.rostersync.transforms.SecretRef;

/**
 * The whole-process benchmark, measured the way a user meets the product: whole processes. Per
 * fleet it starts the Edlink simulator standalone in its own JVM, and runs the pipeline's bundled
 * jar on the DirectRunner ({@code --allIntegrations --mode=full}) and {@link PlainSync}, each as
 * its own JVM from spawn to exit, against one embedded PostgreSQL holding two databases with the
 * same content (one per program), timing wall clock and polling the peak resident set ({@code
 * VmHWM} in {@code /proc/<pid>/status}). Scenarios: cold (empty tables), no-change resync, 1% churn
 * (the simulator's admin API, applied once, then both programs). After every run the program's
 * database is compared with the source. Prints one table and writes process-results.{md,csv} and
 * process-chart.svg. Timing never fails the command; a program failing or leaving the database
 * unequal to the source does (exit 1).
 */
public final class ProcessBenchmark {
  static final String COLD = "cold";
  static final String NO_CHANGE = "nochange";
  static final String CHURN = "churn";
  private static final List<String> SCENARIOS = List.of(COLD, NO_CHANGE, CHURN);

  /** Fleet name: the simulator's --fleet spec. */
  static final Map<String, String> FLEETS = new LinkedHashMap<>();

  static {
    FLEETS.put("20small", "small:20");
    FLEETS.put("100small", "small:100");
    FLEETS.put("medium", "medium:1");
    FLEETS.put("large", "large:1");
    FLEETS.put("mixed50", "largeish:1,medium:3,small:16,tiny:30");
  }

  private static final String SECRET = "bench-app-secret";
  private static final String JAR = "pipeline/target/roster-sync-pipeline-bundled.jar";

  /** The cron VM's collector: templates/run-direct.sh. */
  static final String GC = "-XX:+UseSerialGC -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40";

  private static final String USAGE =
      String.join(
          "\n",
          "Usage: ProcessBenchmark [--fleets=20small,100small,medium,large,mixed50] [--scenarios=cold,nochange,churn]",
          "       [--jar="
              + JAR
              + "] [--out=docs/bench-results] [--heap=-Xmx6g] [--young=-Xmn256m]",
          "       [--gc='" + GC + "'] (--gc=-XX:+UseParallelGC : the collector before)",
          "       [--jit=-XX:TieredStopAtLevel=1] (--jit= : both compilers) [--churn=0.01] [--seed=42]",
          "       [--latency-ms=0] (the simulator holds back every Edlink answer this long, as a remote Edlink would)",
          "       [--timeout-minutes=30] [--pipeline-args='--flag=v ...'] [--plain-args='--batch=5000 ...']",
          "       [--pipeline-jvm-args='-XX:StartFlightRecording=...'] (JVM flags of the pipeline only, e.g. a profiler)",
          "       [--jvm-args='-XX:TieredStopAtLevel=1 ...'] (more JVM flags of both programs)",
          "       [--malloc-arenas=2] (glibc's MALLOC_ARENA_MAX for both programs, as templates/run-direct.sh sets it;",
          "        --malloc-arenas= : glibc's own)",
          "       [--cds=true] (both programs map a class-data archive that a warm-up run wrote, as templates/run-direct.sh",
          "        does on the cron VM; --cds=false: neither does)",
          "  Needs the bundled jar: mvn -B -q -pl pipeline -am package -DskipTests",
          "  Fleets: " + FLEETS);
  private static final Set<Long> CHILD_GROUPS = ConcurrentHashMap.newKeySet();

  private final Map<String, String> flags;
  private final Path root;
  private final Path jar;
  private final Path work;
  private final String java;
  private final String classpath;

  /** The plain program's classpath: {@link #classpath} with its directories in one jar (CDS). */
  private final String plainClasspath;

  /** Where both programs' class-data archives are kept; null with --cds=false. */
  private final Path cds;

  private final List<String> jvm;
  private final BenchDb pipelineDb;
  private final BenchDb plainDb;
  private final List<ProcessReport.Row> rows = new ArrayList<>();
  private boolean failed;

  /**
   * Written once at the start: the machine, the load average then, the commit and the start time.
   */
  private String context;

  private ProcessBenchmark(
      Map<String, String> flags, Path root, Path jar, BenchDb pipelineDb, BenchDb plainDb) {
    this.flags = flags;
    this.root = root;
    this.jar = jar;
    this.work = root.resolve("src/sandbox/target/bench-process");
    this.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    this.classpath = System.getProperty("java.class.path");
    // The same JVM settings for both programs: the cron VM's command (docs/operations.md), whose
    // collector keeps the heap near the live data, whose young-generation cap keeps the collector
    // from growing the heap for garbage, and whose fast-compiler-only flag spares short syncs the
    // optimizing compiler's CPU.
    List<String> jvm = new ArrayList<>();
    jvm.add(flags.getOrDefault("heap", "-Xmx6g"));
    jvm.addAll(words(flags.getOrDefault("gc", GC)));
    addUnlessEmpty(jvm, flags.getOrDefault("young", "-Xmn256m"));
    addUnlessEmpty(jvm, flags.getOrDefault("jit", "-XX:TieredStopAtLevel=1"));
    jvm.addAll(extra("jvm-args"));
    this.jvm = List.copyOf(jvm);
    this.cds = Boolean.parseBoolean(flags.getOrDefault("cds", "true")) ? work.resolve("cds") : null;
    this.plainClasspath = cds == null ? classpath : ClasspathJar.of(classpath, work);
    this.pipelineDb = pipelineDb;
    this.plainDb = plainDb;
  }

  public static void main(String[] args) throws Exception {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> CHILD_GROUPS.forEach(g -> StandaloneSimulator.killGroup(g, "KILL"))));
    int code;
    try {
      code = run(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      code = 2;
    }
    System.exit(code);
  }

  static int run(String[] args) throws Exception {
    Map<String, String> flags = Flags.parse(args, USAGE);
    if (flags.containsKey("help")) {
      System.out.println(USAGE);
      return 0;
    }
    List<String> fleets =
        list(flags.getOrDefault("fleets", String.join(",", FLEETS.keySet())), FLEETS.keySet());
    List<String> scenarios =
        list(flags.getOrDefault("scenarios", String.join(",", SCENARIOS)), SCENARIOS);
    Path root = repoRoot();
    Path jar = root.resolve(flags.getOrDefault("jar", JAR));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(
          "no pipeline jar at "
              + jar
              + "; build it first: mvn -B -q -pl pipeline -am package -DskipTests");
    }
    warnIfStale(root, jar);
    Path out = root.resolve(flags.getOrDefault("out", "docs/bench-results"));
    try (EmbeddedDatabase pg = EmbeddedDatabase.start()) {
      BenchDb pipelineDb = database(pg, "bench_pipeline");
      BenchDb plainDb = database(pg, "bench_plain");
      ProcessBenchmark bench = new ProcessBenchmark(flags, root, jar, pipelineDb, plainDb);
      Files.createDirectories(bench.work);
      bench.context = bench.context();
      System.out.println(bench.context);
      if (bench.cds != null) {
        bench.writeClassArchives(database(pg, "bench_warmup"));
      }
      for (String fleet : fleets) {
        bench.fleet(fleet, scenarios);
        bench.report().write(out);
      }
      ProcessReport report = bench.report();
      System.out.println("\n" + report.text());
      System.out.println(
          "Written: "
              + out.resolve("process-results.md")
              + ", process-results.csv,"
              + " process-chart.svg; logs in "
              + bench.work);
      return bench.failed ? 1 : 0;
    }
  }

  private static List<String> list(String value, java.util.Collection<String> known) {
    List<String> out = new ArrayList<>();
    for (String s : value.split(",")) {
      String v = s.trim();
      if (!known.contains(v)) {
        throw new IllegalArgumentException(
            "unknown '" + v + "', expected one of " + known + "\n" + USAGE);
      }
      out.add(v);
    }
    return out;
  }

  /** The repository root: the working directory or a parent of it holding pipeline/pom.xml. */
  private static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("pipeline/pom.xml"))
          && Files.isDirectory(p.resolve("src"))) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "run from inside the repository (no pipeline/pom.xml above the cwd)");
  }

  private static void warnIfStale(Path root, Path jar) throws IOException {
    long built = Files.getLastModifiedTime(jar).toMillis();
    for (String module : List.of("pipeline/src/main", "transforms/src/main")) {
      try (Stream<Path> files = Files.walk(root.resolve(module))) {
        if (files.anyMatch(f -> f.toFile().lastModified() > built)) {
          System.out.println(
              "WARNING: "
                  + module
                  + " changed after "
                  + jar.getFileName()
                  + " was built; rebuild it: mvn -B -q -pl pipeline -am package -DskipTests");
          return;
        }
      }
    }
  }

  /** A database of its own in the shared server, migrated. */
  private static BenchDb database(EmbeddedDatabase pg, String name) throws Exception {
    try (Connection c = new BenchDb(pg.config()).connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    JdbcConfig jdbc =
        JdbcConfig.of(
            "jdbc:postgresql://localhost:" + pg.port() + "/" + name,
            "postgres",
            SecretRef.plain("postgres"));
    Migrations.apply(jdbc);
    return new BenchDb(jdbc);
  }

  private String context() {
    return String.format(
        Locale.ROOT,
        "Machine: %d cores (%s), %,d MB RAM, %s %s; load average at start %s."
            + " Both programs: %s, %s, their own JVM each; the simulator in a third JVM, answering after %d ms"
            + " (--latency-ms); one embedded PostgreSQL (%s). %s"
            + " Pipeline: %s by templates/run-direct.sh on the DirectRunner, --allIntegrations --mode=full --enforceImmutability=false"
            + " --enforceEncodability=false. Plain: PlainSync (nine types concurrently, $first=10000, 5,000-row"
            + " upserts, one transaction per integration). Commit %s, started %s.",
        Runtime.getRuntime().availableProcessors(),
        cpuModel(),
        memTotalMb(),
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        loadAverage(),
        String.join(" ", jvm),
        arenas().isEmpty() ? "glibc's malloc arenas" : "MALLOC_ARENA_MAX=" + arenas(),
        latencyMillis(),
        "two databases, same content",
        cds == null
            ? "No class-data archives (--cds=false)."
            : "Each program maps a class-data archive written by a warm-up run before the first row"
                + " (templates/run-direct.sh on the cron VM).",
        root.relativize(jar),
        commit(),
        Instant.now());
  }

  private ProcessReport report() {
    return new ProcessReport(rows, context);
  }

  // ---------------------------------------------------------------------------------------------------------------

  private void fleet(String fleet, List<String> scenarios) throws Exception {
    System.out.printf(Locale.ROOT, "%n== %s (%s)%n", fleet, FLEETS.get(fleet));
    try (StandaloneSimulator sim = startSimulator(fleet)) {
      EdlinkClient client =
          EdlinkConfig.of(sim.baseUrl(), SecretRef.plain(SECRET)).newClient((a, r) -> {});
      pipelineDb.reset();
      plainDb.reset();
      // Fetching the truth also warms the simulator's JIT, so neither program pays for a cold
      // server.
      SourceSnapshot source = SourceSnapshot.fetch(client);
      System.out.printf(
          Locale.ROOT,
          "   %d integrations, %,d records%n",
          source.integrations(),
          source.records());
      boolean synced = false;
      for (String scenario : SCENARIOS) {
        if (!scenarios.contains(scenario)) {
          continue;
        }
        if (scenario.equals(COLD)) {
          pipelineDb.reset();
          plainDb.reset();
        } else if (!synced) {
          // No cold run before: bring both databases to the source, unmeasured.
          prime(sim.baseUrl(), pipelineDb);
          prime(sim.baseUrl(), plainDb);
        }
        if (scenario.equals(CHURN)) {
          churn(client, sim.baseUrl(), Double.parseDouble(flags.getOrDefault("churn", "0.01")));
          source = SourceSnapshot.fetch(client);
        }
        rows.add(scenario(fleet, scenario, sim.baseUrl(), source));
        synced = true;
      }
    }
  }

  /**
   * A log's name, numbered by the row measured next, so a fleet measured more than once keeps every
   * row's logs (a simulator's takes its fleet's first row).
   */
  private String logName(String... parts) {
    return String.format(Locale.ROOT, "%02d-%s", rows.size() + 1, String.join("-", parts));
  }

  private ProcessReport.Row scenario(
      String fleet, String scenario, String baseUrl, SourceSnapshot source) throws Exception {
    pipelineDb.vacuum();
    plainDb.vacuum();
    SourceComparison.Diff a = source.compare(pipelineDb);
    SourceComparison.Diff b = source.compare(plainDb);
    if (a.missing() != b.missing() || a.extra() != b.extra() || a.stale() != b.stale()) {
      throw new IllegalStateException("the two databases do not start equal: " + a + " vs " + b);
    }
    long upserts = a.missing() + a.stale();
    // Alternate which program goes first, so neither always meets the warmer machine.
    boolean pipelineFirst = rows.size() % 2 == 0;
    String load = loadAverage();
    ProcessReport.Run p = null, q = null;
    for (int k = 0; k < 2; k++) {
      if (k == 1) {
        // Settle what the first program left behind (autovacuum of the rows it wrote, its WAL not
        // yet checkpointed), so the second does not pay for it and both meet the same server.
        (pipelineFirst ? pipelineDb : plainDb).vacuum();
      }
      if ((k == 0) == pipelineFirst) {
        p =
            measure(
                pipelineCommand(baseUrl),
                pipelineEnv(),
                pipelineDb,
                source,
                logName(fleet, scenario, "pipeline"));
      } else {
        q =
            measure(
                plainCommand(baseUrl),
                plainEnv(),
                plainDb,
                source,
                logName(fleet, scenario, "plain"));
      }
    }
    ProcessReport.Row row =
        new ProcessReport.Row(
            fleet,
            scenario,
            source.integrations(),
            source.records(),
            upserts,
            a.extra(),
            p,
            q,
            pipelineFirst ? "pipeline" : "plain",
            load);
    failed |= !p.ok() || !q.ok();
    System.out.printf(
        Locale.ROOT,
        "   %-8s %,9d records, %,d upserts + %,d deletes due: pipeline %6.1f s %,6d MB"
            + " (%,d upserts) | plain %6.1f s %,6d MB (%,d upserts) | wall %.2f×, RSS %.2f× | %s%n",
        scenario,
        source.records(),
        upserts,
        a.extra(),
        p.seconds(),
        p.peakRssMb(),
        p.rowsWritten(),
        q.seconds(),
        q.peakRssMb(),
        q.rowsWritten(),
        row.wallRatio(),
        row.rssRatio(),
        ProcessReport.verdict(row));
    return row;
  }

  private List<String> pipelineCommand(String baseUrl) {
    return pipelineCommand(baseUrl, pipelineDb);
  }

  /** The cron VM's script, which picks the JVM flags and the class-data archive from its env. */
  private List<String> pipelineCommand(String baseUrl, BenchDb db) {
    List<String> cmd =
        new ArrayList<>(List.of("bash", root.resolve("templates/run-direct.sh").toString()));
    cmd.addAll(
        List.of(
            "--allIntegrations=true",
            "--mode=full",
            "--enforceImmutability=false",
            "--enforceEncodability=false",
            "--jdbcUrl=" + db.config().url(),
            "--jdbcUser=postgres",
            "--jdbcPassword=postgres",
            "--edlinkBaseUrl=" + baseUrl,
            "--edlinkAppSecret=" + SECRET));
    cmd.addAll(extra("pipeline-args"));
    return cmd;
  }

  private Map<String, String> pipelineEnv() {
    List<String> flags = new ArrayList<>(jvm);
    flags.addAll(extra("pipeline-jvm-args"));
    return Map.of(
        "ROSTER_SYNC_JAR",
        jar.toString(),
        "ROSTER_SYNC_JVM_FLAGS",
        String.join(" ", flags),
        "ROSTER_SYNC_CDS_DIR",
        cds == null ? "" : cds.toString(),
        "MALLOC_ARENA_MAX",
        arenas(),
        "PATH",
        Path.of(java).getParent() + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
  }

  /**
   * The plain program's environment: its secrets, and glibc's malloc arenas capped as
   * templates/run-direct.sh caps them for the pipeline (the same settings for both).
   */
  private Map<String, String> plainEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("EDLINK_APP_SECRET", SECRET);
    env.put("JDBC_PASSWORD", "postgres");
    if (!arenas().isEmpty()) {
      env.put("MALLOC_ARENA_MAX", arenas());
    }
    return env;
  }

  /**
   * glibc's malloc arenas for both programs, as the cron VM's command sets them; empty: glibc's.
   */
  private String arenas() {
    return flags.getOrDefault("malloc-arenas", "2");
  }

  private List<String> plainCommand(String baseUrl) {
    return plainCommand(baseUrl, plainDb);
  }

  private List<String> plainCommand(String baseUrl, BenchDb db) {
    return plainCommand(
        baseUrl, db, cds == null ? List.of() : List.of("-XX:SharedArchiveFile=" + plainArchive()));
  }

  private List<String> plainCommand(String baseUrl, BenchDb db, List<String> cdsFlags) {
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(cdsFlags);
    cmd.addAll(jvm);
    cmd.addAll(
        List.of(
            "-cp",
            plainClasspath,
            PlainSync.class.getName(),
            "--edlinkBaseUrl=" + baseUrl,
            "--jdbcUrl=" + db.config().url()));
    cmd.addAll(extra("plain-args"));
    return cmd;
  }

  /** A cron-command flag the command line may turn off with an empty value. */
  private static void addUnlessEmpty(List<String> jvm, String flag) {
    if (!flag.isBlank()) {
      jvm.add(flag.trim());
    }
  }

  private List<String> extra(String flag) {
    return words(flags.getOrDefault(flag, ""));
  }

  /** Space-separated flags; none for a blank value. */
  private static List<String> words(String value) {
    String v = value.trim();
    return v.isEmpty() ? List.of() : List.of(v.split("\\s+"));
  }

  private Path plainArchive() {
    return cds.resolve("plain.jsa");
  }

  /**
   * One unmeasured run of each program against a small fleet, which writes its class-data archive
   * (the pipeline's through templates/run-direct.sh, as on the cron VM's first run); every measured
   * run then maps it. Both programs get the same treatment.
   */
  private void writeClassArchives(BenchDb db) throws Exception {
    Files.createDirectories(cds);
    try (Stream<Path> old = Files.list(cds)) {
      for (Path p : old.toList()) {
        Files.delete(p);
      }
    }
    System.out.println("\n== warm-up: each program writes its class-data archive (unmeasured)");
    try (StandaloneSimulator sim =
        StandaloneSimulator.start(
            java,
            classpath,
            work.resolve("warmup-simulator.log"),
            List.of("-Xmx1g", "-XX:+UseParallelGC"),
            List.of("--port=0", "--seed=7", "--secret=" + SECRET, "--fleet=small:1"))) {
      ProcessReport.Run p =
          spawn(
              pipelineCommand(sim.baseUrl(), db),
              pipelineEnv(),
              work.resolve("warmup-pipeline.log"));
      ProcessReport.Run q =
          spawn(
              plainCommand(
                  sim.baseUrl(), db, List.of("-XX:ArchiveClassesAtExit=" + plainArchive())),
              plainEnv(),
              work.resolve("warmup-plain.log"));
      long archives;
      try (Stream<Path> files = Files.list(cds)) {
        archives = files.filter(f -> f.toString().endsWith(".jsa")).count();
      }
      if (p.exitCode() != 0 || q.exitCode() != 0 || archives != 2) {
        throw new IllegalStateException(
            "the warm-up runs did not write both class-data archives (exit codes "
                + p.exitCode()
                + ", "
                + q.exitCode()
                + "; "
                + archives
                + " archives in "
                + cds
                + "); see "
                + p.log()
                + " and "
                + q.log()
                + ", or measure without them: --cds=false");
      }
      System.out.printf(Locale.ROOT, "   done in %.1f s and %.1f s%n", p.seconds(), q.seconds());
    }
  }

  private void prime(String baseUrl, BenchDb db) throws Exception {
    ProcessReport.Run r = spawn(plainCommand(baseUrl, db), plainEnv(), work.resolve("prime.log"));
    if (r.exitCode() != 0) {
      throw new IllegalStateException("priming the database failed; see " + r.log());
    }
  }

  /** Runs one program and checks its database against the source afterwards. */
  private ProcessReport.Run measure(
      List<String> cmd, Map<String, String> env, BenchDb db, SourceSnapshot source, String name)
      throws Exception {
    long xid = db.nextXid();
    ProcessReport.Run r = spawn(cmd, env, work.resolve(name + ".log"));
    long written = db.rowVersionsSince(xid);
    SourceComparison.Diff d = source.compare(db);
    if (!d.equal()) {
      System.out.println(
          "   " + name + ": database differs from the source: " + d + "; log " + r.log());
    }
    if (r.exitCode() != 0) {
      System.out.println("   " + name + ": exit code " + r.exitCode() + "; log " + r.log());
    }
    return new ProcessReport.Run(
        r.seconds(), r.peakRssMb(), r.exitCode(), written, d.equal(), r.log());
  }

  /**
   * Spawns a process in a session of its own (so it can be killed as a group), polls its peak RSS
   * until it exits, and times it from spawn to exit.
   */
  private ProcessReport.Run spawn(List<String> cmd, Map<String, String> env, Path log)
      throws Exception {
    List<String> full = new ArrayList<>();
    full.add("setsid");
    full.addAll(cmd);
    ProcessBuilder pb =
        new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    long timeout =
        TimeUnit.MINUTES.toNanos(Long.parseLong(flags.getOrDefault("timeout-minutes", "30")));
    long start = System.nanoTime();
    Process p = pb.start();
    CHILD_GROUPS.add(p.pid());
    long peakKb = 0;
    try {
      while (!p.waitFor(25, TimeUnit.MILLISECONDS)) {
        peakKb = Math.max(peakKb, statusKb(p.pid(), "VmHWM:"));
        if (System.nanoTime() - start > timeout) {
          StandaloneSimulator.killGroup(p.pid(), "KILL");
          p.waitFor();
          System.out.println("   timed out: " + log);
          break;
        }
      }
    } finally {
      CHILD_GROUPS.remove(p.pid());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new ProcessReport.Run(
        seconds, peakKb / 1024, p.exitValue(), 0, true, root.relativize(log).toString());
  }

  /** A field of /proc/PID/status in kB; 0 once the process is gone. */
  private static long statusKb(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // exited between the poll and the read
    }
    return 0;
  }

  // ---------------------------------------------------------------------------------------------------------------

  private StandaloneSimulator startSimulator(String fleet) throws Exception {
    return StandaloneSimulator.start(
        java,
        classpath,
        work.resolve(logName(fleet, "simulator") + ".log"),
        List.of("-Xmx3g", "-XX:+UseParallelGC"),
        List.of(
            "--port=0",
            "--seed=" + flags.getOrDefault("seed", "42"),
            "--secret=" + SECRET,
            "--latency-ms=" + latencyMillis(),
            "--fleet=" + FLEETS.get(fleet)));
  }

  private long latencyMillis() {
    long ms = Long.parseLong(flags.getOrDefault("latency-ms", "0"));
    if (ms < 0) {
      throw new IllegalArgumentException("--latency-ms must not be negative: " + ms);
    }
    return ms;
  }

  /** The same day of churn for every active integration, through the simulator's admin API. */
  private static void churn(EdlinkClient client, String baseUrl, double churn) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (Integration i : client.listIntegrations()) {
      if (!i.isActive()) {
        continue;
      }
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(baseUrl + "/__sim/integrations/" + i.id() + "/day?churn=" + churn))
                  .header("Authorization", "Bearer " + SECRET)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("churn failed: HTTP " + r.statusCode() + " " + r.body());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  private static long memTotalMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return -1;
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private String commit() {
    try {
      Process p =
          new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "--short", "HEAD")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 ? out : "?";
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }
}
