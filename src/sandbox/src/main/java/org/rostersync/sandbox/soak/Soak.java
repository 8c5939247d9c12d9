package org.rostersync.sandbox.soak;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.beam.sdk.PipelineResult;
import org.rostersync.edlink.EntityType;
import org.rostersync.pipeline.Migrations;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.sandbox.Flags;
import org.rostersync.sandbox.SourceComparison;
import org.rostersync.sandbox.SyncRunner;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.FaultKind;
import org.rostersync.sandbox.simulator.RosterType;
import org.rostersync.transforms.JdbcConfig;
import org.rostersync.transforms.PooledDataSources;
import org.rostersync.transforms.SecretRef;

/**
 * The soak (docs/soak.md): the real pipeline on the DirectRunner against the Edlink simulator and a
 * real PostgreSQL, over many integrations and rounds of roster churn, with transient Edlink faults,
 * a database restart under a running sync, a revoked token, a disabled integration, a mass delete
 * and fetches cut short for good. After each round it compares every integration with the source
 * and prints the figures; it exits 1 when a healthy integration differs from the source, an
 * unhealthy one did not fail safely, or a failed fetch deleted a row.
 */
public final class Soak {
  private static final String USAGE =
      String.join(
          "\n",
          "Usage: Soak [--integrations=50] [--rounds=4] [--seed=42] [--data-dir=target/soak] [--restart-round=0]",
          "            [--records-per-shard=N]",
          "            [--jdbc-url=jdbc:postgresql://... --jdbc-user=postgres (password: ROSTER_SYNC_JDBC_PASSWORD)]",
          "  --integrations   simulated integrations (at least 8): a few mid-size, a third small, the rest tiny",
          "  --rounds         rounds of churn and faults after the first full sync (at least 2)",
          "  --restart-round  the round during which PostgreSQL is restarted mid-write (embedded database only)",
          "  --records-per-shard  the pipeline's join group size (default 25,000): below the mid-size",
          "                   integrations' types, their stored hashes are read while they are paged",
          "  --jdbc-url       an external PostgreSQL (the soak's integration ids are cleared there first; no restart)");

  static final String HEALTHY =
      "An integration is healthy in a round unless the soak broke it on purpose in that"
          + " round (disabled, mass delete not yet approved, a page that fails on every retry) or a transient fault"
          + " injected into it outlasted every retry of one request (its run failed with \"after N attempts\")."
          + " A healthy integration must equal the source (0 missing, 0 extra, 0 stale) at the end of the round.";

  private static final Pattern RETRIES_EXHAUSTED =
      Pattern.compile("after \\d+ attempts|deadline of");
  private static final int SCENARIO_ROUND = 1;
  private static final int SMALL_PAGE = 100;

  private enum Role {
    HEALTHY,
    DISABLED,
    HELD,
    FETCH_CUT;

    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
  }

  private final EdlinkSimulator sim;
  private final SoakDatabase db;
  private final JdbcConfig jdbc;
  private final int rounds;
  private final int restartRound;

  /** The pipeline's {@code --recordsPerShard}, or 0 for its default. */
  private int recordsPerShard;

  private final Random rng;
  private final List<String> ids = new ArrayList<>();
  private final List<String> sizes = new ArrayList<>();
  private final String revoked;
  private final String massDeleted;
  private final String peopleCut;
  private final String enrollmentsCut;
  private final String disabled;

  // Totals over all rounds.
  private final Map<FaultKind, Long> faultsFired = new EnumMap<>(FaultKind.class);
  private long faultRules;
  private long edlinkRetries;
  private long dbRetries;
  private long runsFailed;
  private long runsRecovered;
  private final Set<String> awaitingRecovery = new HashSet<>();
  private final List<String> summary = new ArrayList<>();
  private boolean allRoundsOk = true;

  private Soak(EdlinkSimulator sim, SoakDatabase db, int rounds, int restartRound, long seed) {
    this.sim = sim;
    this.db = db;
    this.jdbc = db.config();
    this.rounds = rounds;
    this.restartRound = restartRound;
    this.rng = new Random(seed);
    sim.integrations()
        .forEach(
            i -> {
              ids.add(i.id());
              sizes.add(i.size().name());
            });
    List<String> small = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      if (sizes.get(i).equals("small")) {
        small.add(ids.get(i));
      }
    }
    revoked = small.get(0);
    massDeleted = small.get(1);
    peopleCut = small.get(2);
    enrollmentsCut = small.get(3);
    disabled = ids.get(ids.size() - 1);
  }

  public static void main(String[] args) throws Exception {
    // Exit explicitly: Beam and the embedded server leave non-daemon threads behind.
    System.exit(run(args));
  }

  private SyncOptions options() {
    SyncOptions o = SyncRunner.options(jdbc, sim.baseUrl(), sim.appSecret());
    if (recordsPerShard > 0) {
      o.setRecordsPerShard(recordsPerShard);
    }
    return o;
  }

  static int run(String[] args) throws Exception {
    Map<String, String> flags = Flags.parse(args, USAGE);
    if (flags.containsKey("help")) {
      System.out.println(USAGE);
      return 0;
    }
    int integrations = Integer.parseInt(flags.getOrDefault("integrations", "50"));
    int rounds = Integer.parseInt(flags.getOrDefault("rounds", "4"));
    long seed = Long.parseLong(flags.getOrDefault("seed", "42"));
    if (integrations < 8 || rounds < 2) {
      throw new IllegalArgumentException("need --integrations >= 8 and --rounds >= 2\n" + USAGE);
    }
    EdlinkSimulator.Builder b =
        EdlinkSimulator.builder().port(0).seed(seed).appSecret("soak-secret").shuffleKeys(true);
    mixedSizes(integrations).forEach(b::integration);
    try (EdlinkSimulator sim = b.start();
        SoakDatabase db = database(flags)) {
      Soak soak =
          new Soak(
              sim, db, rounds, Integer.parseInt(flags.getOrDefault("restart-round", "0")), seed);
      soak.recordsPerShard = Integer.parseInt(flags.getOrDefault("records-per-shard", "0"));
      Migrations.apply(db.config());
      if (!db.restartable()) {
        soak.clearStoredRows();
      }
      return soak.runAll() ? 0 : 1;
    } finally {
      PooledDataSources.closeAll();
    }
  }

  /** Mostly tiny and small districts, and one mid-size (2,000 to 5,000 people) in every sixteen. */
  static List<DatasetSize> mixedSizes(int n) {
    int mid = Math.max(1, n / 16);
    int small = Math.max(4, n / 3);
    List<DatasetSize> out = new ArrayList<>();
    for (int i = 0; i < mid; i++) {
      int people = mid == 1 ? 3_500 : 2_000 + i * 3_000 / (mid - 1);
      out.add(DatasetSize.of("mid-" + people, people, people / 12, people * 4));
    }
    for (int i = 0; i < small; i++) {
      out.add(DatasetSize.SMALL);
    }
    while (out.size() < n) {
      out.add(DatasetSize.TINY);
    }
    return out;
  }

  private static SoakDatabase database(Map<String, String> flags) throws Exception {
    if (flags.containsKey("jdbc-url")) {
      return SoakDatabase.external(
          JdbcConfig.of(
              flags.get("jdbc-url"),
              flags.getOrDefault("jdbc-user", "postgres"),
              SecretRef.env("ROSTER_SYNC_JDBC_PASSWORD")));
    }
    Path dir =
        Path.of(flags.getOrDefault("data-dir", "target/soak")).toAbsolutePath().resolve("pg");
    System.out.println("Starting embedded PostgreSQL in " + dir + " ...");
    return SoakDatabase.embedded(dir);
  }

  private boolean runAll() throws Exception {
    Map<String, Long> bySize = new LinkedHashMap<>();
    sizes.forEach(s -> bySize.merge(s, 1L, Long::sum));
    System.out.printf(
        Locale.ROOT,
        "Soak: %d integrations %s, %d rounds after the first sync; database %s%n",
        ids.size(),
        bySize,
        rounds,
        jdbc.url());
    System.out.println("Healthy: " + HEALTHY);
    for (int round = 0; round <= rounds; round++) {
      allRoundsOk &= runRound(round);
    }
    RowChanges.drop(jdbc);
    System.out.println("\nSummary (one line per round):");
    summary.forEach(System.out::println);
    System.out.println(allRoundsOk ? "SOAK PASSED" : "SOAK FAILED");
    return allRoundsOk;
  }

  // ---------------------------------------------------------------------------------------------------------------

  private boolean runRound(int round) throws Exception {
    boolean scenarioRound = round == SCENARIO_ROUND;
    boolean approveRound = round == SCENARIO_ROUND + 1;
    boolean lastRound = round == rounds;
    Map<String, Role> roles = new LinkedHashMap<>();
    ids.forEach(id -> roles.put(id, Role.HEALTHY));
    List<String> notes = new ArrayList<>();
    FaultPlan faults = new FaultPlan();

    RowChanges.snapshot(jdbc);
    if (round > 0) {
      notes.add(mutate(round, scenarioRound));
    }
    if (scenarioRound) {
      sim.revokeToken(revoked);
      sim.setStatus(disabled, "disabled");
      sim.deleteAll(massDeleted, RosterType.ENROLLMENTS);
      // A naive sync would take the records behind the cut for deletes.
      sim.delete(peopleCut, RosterType.PEOPLE, 5);
      sim.delete(enrollmentsCut, RosterType.ENROLLMENTS, 20);
      // A cut the pages from the end cannot page around: they fail too, so the forward direction
      // goes on alone to the page that fails for good (page 2: asked as soon as page 1 arrives).
      faults.addPermanentPageFault(peopleCut, "people", 2, FaultKind.SERVER_ERROR_500);
      faults.refusePagingFromTheEnd(peopleCut, "people");
      faults.addPermanentPageFault(enrollmentsCut, "enrollments", 2, FaultKind.DROP_MID_BODY);
      faults.refusePagingFromTheEnd(enrollmentsCut, "enrollments");
      roles.put(disabled, Role.DISABLED);
      roles.put(massDeleted, Role.HELD);
      roles.put(peopleCut, Role.FETCH_CUT);
      roles.put(enrollmentsCut, Role.FETCH_CUT);
      notes.add(
          String.format(
              Locale.ROOT,
              "revoked the token of %s, disabled %s, deleted all enrollments of %s,"
                  + " people page 2 of %d of %s fails with 500 and enrollments page 2 of %d of %s drops mid-body on every"
                  + " try, and both refuse paging from the end (page size %d)",
              shortId(revoked),
              shortId(disabled),
              shortId(massDeleted),
              pages(peopleCut, EntityType.PEOPLE),
              shortId(peopleCut),
              pages(enrollmentsCut, EntityType.ENROLLMENTS),
              shortId(enrollmentsCut),
              SMALL_PAGE));
    } else if (round > SCENARIO_ROUND && !lastRound) {
      roles.put(disabled, Role.DISABLED);
    }
    if (lastRound) {
      sim.setStatus(disabled, "active");
      notes.add("re-enabled " + shortId(disabled));
    }
    List<String> faulted = new ArrayList<>();
    for (String id : ids) {
      if (roles.get(id) == Role.HEALTHY && rng.nextInt(10) < 3) {
        faults.addTransientFaults(id, rng);
        faulted.add(id);
      }
    }
    faults.rules().forEach(sim.faults()::add);
    notes.add(
        String.format(
            Locale.ROOT,
            "%d fault rules on %d integrations",
            faults.rules().size(),
            faulted.size() + (scenarioRound ? 2 : 0)));

    SyncOptions options = options();
    options.setMode("auto");
    if (round == 0) {
      options.setAllIntegrations(true);
    } else {
      // Named ids: the disabled integration gets a job too, and tokens come from the worker's
      // cache, not a fresh
      // listing, so the revoked one is really stale.
      options.setIntegrationIds(String.join(",", ids));
    }
    if (scenarioRound) {
      options.setPageSize(SMALL_PAGE);
    }
    Timestamp since = databaseNow();
    System.out.printf(
        Locale.ROOT, "%n== Round %d of %d: %s%n", round, rounds, String.join("; ", notes));

    Map<String, Long> counters = new LinkedHashMap<>();
    List<SyncRunner.RunRow> runs = new ArrayList<>();
    List<String> pipelineErrors = new ArrayList<>();
    long start = System.currentTimeMillis();
    String restart = null;
    if (round == restartRound && db.restartable()) {
      restart = syncWithRestart(options, counters, runs, pipelineErrors);
    } else {
      sync(options, null, counters, runs, pipelineErrors);
    }
    if (approveRound) {
      SyncOptions approve = options();
      approve.setIntegrationIds(massDeleted);
      approve.setMode("full");
      approve.setApproveDeletes(true);
      sync(approve, null, counters, runs, pipelineErrors);
      System.out.println(
          "  approved the held deletes of " + shortId(massDeleted) + " in a second run");
    }
    long millis = System.currentTimeMillis() - start;
    if (!pipelineErrors.isEmpty()) {
      // What the pipeline recorded before it stopped.
      runs.clear();
      runs.addAll(SyncRunner.runsSince(options, since));
    }
    Map<FaultKind, Long> fired = faults.fired();
    sim.faults().clear();
    if (restart != null) {
      System.out.println("  database restart: " + restart);
    }
    pipelineErrors.forEach(e -> System.out.println("  PIPELINE FAILED: " + e));
    return evaluate(
        round,
        roles,
        faulted,
        counters,
        runs,
        fired,
        faults.rules().size(),
        millis,
        pipelineErrors.isEmpty());
  }

  /** A day of churn (1-3%) for most, a term rollover too for some, nothing for others. */
  private String mutate(int round, boolean scenarioRound) {
    int days = 0, rollovers = 0, unchanged = 0;
    long changes = 0;
    for (String id : ids) {
      boolean exempt =
          (id.equals(disabled) && round < rounds)
              || (scenarioRound
                  && (id.equals(massDeleted) || id.equals(peopleCut) || id.equals(enrollmentsCut)));
      int draw = rng.nextInt(100);
      if (exempt || draw < 15) {
        unchanged++;
        continue;
      }
      if (draw < 25) {
        changes += sim.termRollover(id).total();
        rollovers++;
      }
      changes += sim.applyDay(id, 0.01 + rng.nextInt(21) / 1000.0).total();
      days++;
    }
    return String.format(
        Locale.ROOT,
        "churn on %d (%d with a term rollover), %d unchanged, %,d records changed",
        days,
        rollovers,
        unchanged,
        changes);
  }

  private static void sync(
      SyncOptions options,
      Consumer<Map<String, Long>> progress,
      Map<String, Long> counters,
      List<SyncRunner.RunRow> runs,
      List<String> pipelineErrors) {
    try {
      SyncRunner.Outcome out = SyncRunner.run(options, progress);
      out.counters().forEach((k, v) -> counters.merge(k, v, Long::sum));
      if (out.state() != PipelineResult.State.DONE) {
        pipelineErrors.add("pipeline ended " + out.state());
      }
      runs.addAll(out.runs());
    } catch (RuntimeException | SQLException e) {
      pipelineErrors.add(String.valueOf(e));
    }
  }

  /**
   * Runs the sync while a second thread waits for the first rows to be written, then stops
   * PostgreSQL and starts it again on the same port and data directory. Returns what happened.
   */
  private String syncWithRestart(
      SyncOptions options,
      Map<String, Long> counters,
      List<SyncRunner.RunRow> runs,
      List<String> pipelineErrors)
      throws InterruptedException {
    CountDownLatch writing = new CountDownLatch(1);
    AtomicBoolean syncDone = new AtomicBoolean();
    AtomicLong writtenBefore = new AtomicLong();
    AtomicReference<String> report =
        new AtomicReference<>("no rows were written while the sync ran; no restart");
    long syncStart = System.currentTimeMillis();
    Thread restarter =
        new Thread(
            () -> {
              try {
                writing.await();
                long t0 = System.currentTimeMillis();
                boolean running = !syncDone.get();
                db.restart();
                report.set(
                    String.format(
                        Locale.ROOT,
                        "stopped and started PostgreSQL %.1f s into the sync, after %,d rows"
                            + " were written (pipeline still running: %s); down for %,d ms",
                        (t0 - syncStart) / 1000.0,
                        writtenBefore.get(),
                        running ? "yes" : "no",
                        System.currentTimeMillis() - t0));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (IOException | RuntimeException e) {
                report.set("restart failed: " + e);
              }
            },
            "soak-db-restart");
    restarter.start();
    sync(
        options,
        live -> {
          long written =
              live.getOrDefault("rows_created", 0L)
                  + live.getOrDefault("rows_updated", 0L)
                  + live.getOrDefault("rows_deleted", 0L);
          if (written > 0 && writtenBefore.compareAndSet(0, written)) {
            writing.countDown();
          }
        },
        counters,
        runs,
        pipelineErrors);
    syncDone.set(true);
    if (writing.getCount() > 0) {
      restarter.interrupt();
    }
    restarter.join();
    return report.get();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private boolean evaluate(
      int round,
      Map<String, Role> roles,
      List<String> faulted,
      Map<String, Long> counters,
      List<SyncRunner.RunRow> runs,
      Map<FaultKind, Long> fired,
      int rules,
      long millis,
      boolean pipelineOk)
      throws SQLException {
    Map<String, SyncRunner.RunRow> lastRun = new LinkedHashMap<>();
    long failed = 0, held = 0, recovered = 0;
    Map<String, Long> statuses = new LinkedHashMap<>();
    for (SyncRunner.RunRow r : runs) {
      lastRun.put(r.integrationId(), r);
      statuses.merge(r.status(), 1L, Long::sum);
      switch (r.status()) {
        case "failed", "partial" -> {
          failed++;
          awaitingRecovery.add(r.integrationId());
        }
        case "held" -> {
          held++;
          awaitingRecovery.add(r.integrationId());
        }
        // A skip after a failure is a recovery too: the gate found nothing new since the last good
        // sync.
        case "succeeded", "skipped" -> {
          if (awaitingRecovery.remove(r.integrationId())) {
            recovered++;
          }
        }
        default -> {}
      }
    }
    runsFailed += failed;
    runsRecovered += recovered;
    fired.forEach((k, v) -> faultsFired.merge(k, v, Long::sum));
    faultRules += rules;
    long roundEdlinkRetries = counters.getOrDefault("edlink_retries", 0L);
    long roundDbRetries = counters.getOrDefault("db_retries", 0L);
    edlinkRetries += roundEdlinkRetries;
    dbRetries += roundDbRetries;

    Map<String, RowChanges.Change> changes = RowChanges.since(jdbc);
    long records = 0, healthyCount = 0, excused = 0, deletesOnFailedFetches = 0;
    long[] healthyDiff = new long[3];
    long[] unhealthyDiff = new long[3];
    List<String> problems = new ArrayList<>();
    List<String> unhealthyNotes = new ArrayList<>();
    for (String id : ids) {
      Map<EntityType, SourceComparison.Diff> diffs = SourceComparison.compare(jdbc, id, sim);
      SourceComparison.Diff total = SourceComparison.total(diffs);
      records += total.source();
      SyncRunner.RunRow run = lastRun.get(id);
      Map<EntityType, String> typeStatus = typeStatuses(run);
      for (EntityType t : EntityType.values()) {
        if (!"ok".equals(typeStatus.get(t))) {
          deletesOnFailedFetches += change(changes, id, t).gone();
        }
      }
      Role role = roles.get(id);
      if (role == Role.HEALTHY) {
        if (total.equal()) {
          healthyCount++;
          add(healthyDiff, total);
          if (run != null && run.error() != null) {
            unhealthyNotes.add(
                shortId(id)
                    + " healthy and equal to the source, but its run "
                    + run.status()
                    + ": "
                    + run.error());
          }
        } else if (run != null
            && faulted.contains(id)
            && run.error() != null
            && RETRIES_EXHAUSTED.matcher(run.error()).find()) {
          excused++;
          unhealthyNotes.add(
              shortId(id)
                  + " not healthy this round: an injected fault outlasted every retry ("
                  + run.error()
                  + ")");
          add(unhealthyDiff, total);
        } else {
          healthyCount++;
          add(healthyDiff, total);
          problems.add(
              shortId(id)
                  + " differs from the source: "
                  + describe(diffs)
                  + "; run "
                  + (run == null
                      ? "missing"
                      : run.status() + (run.error() == null ? "" : " (" + run.error() + ")")));
        }
        continue;
      }
      add(unhealthyDiff, total);
      String expectation = checkUnhealthy(id, role, run, typeStatus, diffs, changes);
      if (expectation == null) {
        unhealthyNotes.add(
            String.format(
                Locale.ROOT,
                "%s %s: %s as expected (%s)",
                shortId(id),
                role.label(),
                run.status(),
                whatHappened(role, run, diffs)));
      } else {
        problems.add(shortId(id) + " " + role.label() + ": " + expectation);
      }
    }
    if (deletesOnFailedFetches > 0) {
      problems.add(
          deletesOnFailedFetches + " rows deleted for types whose fetch or write did not complete");
    }
    if (!pipelineOk) {
      problems.add("the pipeline did not finish cleanly");
    }
    long unhealthy = ids.size() - healthyCount;
    long roundFaults = fired.values().stream().mapToLong(Long::longValue).sum();

    System.out.printf(
        Locale.ROOT,
        "  pipeline                  %s in %.1f s; runs %s%n",
        pipelineOk ? "DONE" : "FAILED",
        millis / 1000.0,
        statuses);
    System.out.printf(
        Locale.ROOT,
        "  integrations              %d (healthy %d, unhealthy %d%s)%n",
        ids.size(),
        healthyCount,
        unhealthy,
        excused > 0 ? ", of which " + excused + " by a fault that outlasted retries" : "");
    System.out.printf(Locale.ROOT, "  records                   %,d in the source%n", records);
    System.out.printf(
        Locale.ROOT, "  rounds                    %d of %d done%n", round + 1, rounds + 1);
    System.out.printf(
        Locale.ROOT,
        "  faults injected           %,d this round %s from %d rules; %,d in total%n",
        roundFaults,
        fired,
        rules,
        faultsFired.values().stream().mapToLong(Long::longValue).sum());
    System.out.printf(
        Locale.ROOT,
        "  retries                   Edlink %,d, database %,d this round; %,d and %,d in"
            + " total%n",
        roundEdlinkRetries,
        roundDbRetries,
        edlinkRetries,
        dbRetries);
    System.out.printf(
        Locale.ROOT,
        "  runs failed / recovered   %d failed or partial, %d held, %d recovered this round;"
            + " %d failed and %d recovered in total, %d still waiting%n",
        failed,
        held,
        recovered,
        runsFailed,
        runsRecovered,
        awaitingRecovery.size());
    System.out.printf(
        Locale.ROOT,
        "  rows (healthy)            missing %,d  extra %,d  stale %,d%n",
        healthyDiff[0],
        healthyDiff[1],
        healthyDiff[2]);
    System.out.printf(
        Locale.ROOT,
        "  rows (unhealthy)          missing %,d  extra %,d  stale %,d%n",
        unhealthyDiff[0],
        unhealthyDiff[1],
        unhealthyDiff[2]);
    unhealthyNotes.forEach(n -> System.out.println("    " + n));
    System.out.printf(
        Locale.ROOT,
        "  deletes held              %,d%n",
        counters.getOrDefault("deletes_held", 0L));
    System.out.printf(Locale.ROOT, "  deletes on failed fetches %,d%n", deletesOnFailedFetches);
    if (counters.getOrDefault("types_read_ahead", 0L) > 0) {
      System.out.printf(
          Locale.ROOT,
          "  read ahead                %,d types; %,d groups withdrawn after a failed fetch%n",
          counters.get("types_read_ahead"),
          counters.getOrDefault("groups_withdrawn", 0L));
    }
    System.out.printf(
        Locale.ROOT,
        "  pages from the end        %,d of %,d%n",
        counters.getOrDefault("pages_fetched_from_end", 0L),
        counters.getOrDefault("pages_fetched", 0L));
    problems.forEach(p -> System.out.println("  PROBLEM: " + p));
    System.out.println("  result                    " + (problems.isEmpty() ? "OK" : "FAILED"));

    summary.add(
        String.format(
            Locale.ROOT,
            "  round %d: %s in %5.1f s, %,d records, healthy %d/%d, faults %,d,"
                + " retries %,d + %,d, runs failed %d, recovered %d, held deletes %,d, missing/extra/stale %d/%d/%d,"
                + " deletes on failed fetches %d -> %s",
            round,
            pipelineOk ? "DONE" : "FAILED",
            millis / 1000.0,
            records,
            healthyCount,
            ids.size(),
            roundFaults,
            roundEdlinkRetries,
            roundDbRetries,
            failed,
            recovered,
            counters.getOrDefault("deletes_held", 0L),
            healthyDiff[0],
            healthyDiff[1],
            healthyDiff[2],
            deletesOnFailedFetches,
            problems.isEmpty() ? "OK" : "FAILED"));
    return problems.isEmpty();
  }

  /** Null when the unhealthy integration failed the way it should, else what went wrong. */
  private static String checkUnhealthy(
      String id,
      Role role,
      SyncRunner.RunRow run,
      Map<EntityType, String> status,
      Map<EntityType, SourceComparison.Diff> diffs,
      Map<String, RowChanges.Change> changes) {
    if (run == null) {
      return "no run was recorded";
    }
    switch (role) {
      case DISABLED -> {
        if (!"failed".equals(run.status()) || run.error() == null) {
          return "expected a failed run with a reason, got " + run.status();
        }
        for (EntityType t : EntityType.values()) {
          if (!change(changes, id, t).none()) {
            return t.path() + " rows changed: " + change(changes, id, t);
          }
        }
        return null;
      }
      case HELD -> {
        if (!"held".equals(run.status()) || !"held".equals(status.get(EntityType.ENROLLMENTS))) {
          return "expected a held run, got " + run.status();
        }
        if (change(changes, id, EntityType.ENROLLMENTS).gone() > 0) {
          return "held enrollments were deleted";
        }
        return othersEqual(diffs, EntityType.ENROLLMENTS);
      }
      case FETCH_CUT -> {
        for (EntityType t : EntityType.values()) {
          if ("failed".equals(status.get(t))) {
            if (!change(changes, id, t).none()) {
              return t.path() + " failed but its rows changed: " + change(changes, id, t);
            }
            return othersEqual(diffs, t);
          }
        }
        return "expected one failed type, got " + status;
      }
      default -> throw new IllegalArgumentException(role.name());
    }
  }

  private static String othersEqual(
      Map<EntityType, SourceComparison.Diff> diffs, EntityType except) {
    for (Map.Entry<EntityType, SourceComparison.Diff> e : diffs.entrySet()) {
      if (e.getKey() != except && !e.getValue().equal()) {
        return e.getKey().path() + " differs from the source: " + e.getValue();
      }
    }
    return null;
  }

  private static String whatHappened(
      Role role, SyncRunner.RunRow run, Map<EntityType, SourceComparison.Diff> diffs) {
    return switch (role) {
      case DISABLED -> "no row changed; " + run.error();
      case HELD ->
          String.format(
              Locale.ROOT,
              "%,d enrollments kept, other types equal the source",
              diffs.get(EntityType.ENROLLMENTS).stored());
      case FETCH_CUT -> "failed type untouched, other types equal the source; " + run.error();
      default -> "";
    };
  }

  /**
   * Each type's status in the run's counts; a run that ended early (gate failure, skip) has none.
   */
  private static Map<EntityType, String> typeStatuses(SyncRunner.RunRow run) {
    Map<EntityType, String> out = new EnumMap<>(EntityType.class);
    if (run == null || run.countsJson() == null) {
      return out;
    }
    JsonObject counts = JsonParser.parseString(run.countsJson()).getAsJsonObject();
    for (EntityType t : EntityType.values()) {
      if (counts.has(t.path())) {
        out.put(t, counts.getAsJsonObject(t.path()).get("status").getAsString());
      }
    }
    return out;
  }

  private static RowChanges.Change change(
      Map<String, RowChanges.Change> changes, String id, EntityType t) {
    return changes.getOrDefault(id + "/" + t.path(), RowChanges.Change.NONE);
  }

  private static void add(long[] sums, SourceComparison.Diff d) {
    sums[0] += d.missing();
    sums[1] += d.extra();
    sums[2] += d.stale();
  }

  private static String describe(Map<EntityType, SourceComparison.Diff> diffs) {
    List<String> out = new ArrayList<>();
    diffs.forEach(
        (t, d) -> {
          if (!d.equal()) {
            out.add(
                String.format(
                    Locale.ROOT,
                    "%s missing %d extra %d stale %d",
                    t.path(),
                    d.missing(),
                    d.extra(),
                    d.stale()));
          }
        });
    return String.join(", ", out);
  }

  private int pages(String id, EntityType type) {
    return (int) ((sim.count(id, RosterType.fromPath(type.path())) + SMALL_PAGE - 1) / SMALL_PAGE);
  }

  private static String shortId(String id) {
    return id.substring(0, 8);
  }

  private Timestamp databaseNow() throws SQLException {
    try (Connection c =
            DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password().resolve());
        ResultSet rs = c.createStatement().executeQuery("SELECT now()")) {
      rs.next();
      return rs.getTimestamp(1);
    }
  }

  /** An external database may hold rows of an earlier soak with the same seed: start from none. */
  private void clearStoredRows() throws SQLException {
    try (Connection c =
        DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password().resolve())) {
      for (String table : List.of("roster_entities", "sync_state", "sync_runs", "sync_leases")) {
        try (PreparedStatement ps =
            c.prepareStatement("DELETE FROM " + table + " WHERE integration_id = ANY(?::uuid[])")) {
          ps.setArray(1, c.createArrayOf("text", ids.toArray()));
          ps.executeUpdate();
        }
      }
    }
  }
}
