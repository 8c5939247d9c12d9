package org.rostersync.sandbox;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.rostersync.edlink.EntityType;
import org.rostersync.pipeline.Status;
import org.rostersync.pipeline.SyncOptions;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.SimIntegration;
import org.rostersync.transforms.JdbcConfig;
import org.rostersync.transforms.PooledDataSources;
import org.rostersync.transforms.SecretRef;

/**
 * README command one: a real sync on embedded defaults. Starts PostgreSQL and the Edlink simulator
 * with a demo dataset, runs a full sync on the DirectRunner, applies a day of roster changes, syncs
 * again through the change gate, prints what happened per integration and type, and checks the
 * database against the source.
 */
public final class LocalSync {
  private static final String USAGE =
      String.join(
          "\n",
          "Usage: LocalSync [--sizes=small,small,tiny] [--seed=42] [--churn=0.01] [--pg-port=0]",
          "                 [--data-dir=target/roster-sync-demo] [--keep-running]",
          "                 [--jdbc-url=jdbc:postgresql://... --jdbc-user=... (password: ROSTER_SYNC_JDBC_PASSWORD)]",
          "                 [--edlink-url=https://ed.link (app secret: EDLINK_APP_SECRET)]",
          "  --sizes         one simulated integration per entry: tiny | small | medium | large",
          "  --jdbc-url      sync into this PostgreSQL instead of an embedded one",
          "  --edlink-url    sync from this Edlink instead of the simulator (no changes are applied then)",
          "  --keep-running  keep PostgreSQL and the simulator up afterwards, for psql and curl");

  private LocalSync() {}

  public static void main(String[] args) throws Exception {
    // Exit explicitly: Beam and the embedded server leave non-daemon threads behind.
    System.exit(run(args));
  }

  static int run(String[] args) throws Exception {
    Map<String, String> flags = Flags.parse(args, USAGE);
    if (flags.containsKey("help")) {
      System.out.println(USAGE);
      return 0;
    }
    EmbeddedDatabase embedded = null;
    EdlinkSimulator sim = null;
    try {
      JdbcConfig jdbc;
      if (flags.containsKey("jdbc-url")) {
        jdbc =
            JdbcConfig.of(
                flags.get("jdbc-url"),
                flags.getOrDefault("jdbc-user", "postgres"),
                SecretRef.env("ROSTER_SYNC_JDBC_PASSWORD"));
      } else {
        Path dir =
            Path.of(flags.getOrDefault("data-dir", "target/roster-sync-demo")).toAbsolutePath();
        System.out.println("Starting embedded PostgreSQL in " + dir.resolve("pg") + " ...");
        embedded =
            EmbeddedDatabase.start(
                dir.resolve("pg"), Integer.parseInt(flags.getOrDefault("pg-port", "0")));
        jdbc = embedded.config();
      }
      String baseUrl;
      String secret;
      if (flags.containsKey("edlink-url")) {
        baseUrl = flags.get("edlink-url");
        secret = System.getenv("EDLINK_APP_SECRET");
        if (secret == null) {
          throw new IllegalArgumentException(
              "set EDLINK_APP_SECRET to the application secret for --edlink-url");
        }
      } else {
        EdlinkSimulator.Builder b =
            EdlinkSimulator.builder()
                .port(0)
                .seed(Long.parseLong(flags.getOrDefault("seed", "42")))
                .appSecret("local-demo-secret");
        for (String size : flags.getOrDefault("sizes", "small,small,tiny").split(",")) {
          b.integration(sizeOf(size.trim()));
        }
        sim = b.start();
        baseUrl = sim.baseUrl();
        secret = sim.appSecret();
        System.out.println(
            "Edlink simulator at "
                + baseUrl
                + " with "
                + sim.integrations().size()
                + " integrations");
      }
      System.out.println("Database: " + jdbc.url());

      SyncOptions options = SyncRunner.options(jdbc, baseUrl, secret);
      options.setAllIntegrations(true);
      options.setMode("auto");

      int expected = sim != null ? sim.integrations().size() : -1;
      report("Round 1: first sync (full)", syncWithProgress("sync 1", options, expected));

      if (sim != null) {
        double churn = Double.parseDouble(flags.getOrDefault("churn", "0.01"));
        List<SimIntegration> integrations = sim.integrations();
        System.out.printf(
            Locale.ROOT,
            "%nApplying a day of roster changes (%.1f%% churn) to %d of %d integrations;"
                + " the last one stays unchanged.%n",
            churn * 100,
            Math.max(1, integrations.size() - 1),
            integrations.size());
        for (int i = 0; i < Math.max(1, integrations.size() - 1); i++) {
          System.out.println(
              "  "
                  + integrations.get(i).id()
                  + ": "
                  + sim.applyDay(integrations.get(i).id(), churn));
        }
      }
      report(
          "Round 2: scheduled sync through the change gate",
          syncWithProgress("sync 2", options, expected));
      // What an operator sees on a deployment: the Status command of the bundled jar, on this
      // database.
      System.out.println("\nStatus (org.rostersync.pipeline.Status --jdbcUrl=...):");
      System.out.println(
          Status.text(Status.read(jdbc, java.time.Instant.now(), java.time.Duration.ofHours(48))));

      if (sim != null) {
        boolean allEqual = true;
        System.out.println("\nDatabase vs source (every id and canonical hash):");
        for (SimIntegration integration : sim.integrations()) {
          SourceComparison.Diff d =
              SourceComparison.total(SourceComparison.compare(jdbc, integration.id(), sim));
          allEqual &= d.equal();
          System.out.printf(
              Locale.ROOT,
              "  %s  source %,d  stored %,d  missing %d  extra %d  stale %d%n",
              integration.id(),
              d.source(),
              d.stored(),
              d.missing(),
              d.extra(),
              d.stale());
        }
        System.out.println(
            allEqual ? "  -> the database equals the source." : "  -> DIFFERENCES FOUND");
        if (!allEqual) {
          return 1;
        }
      }
      String psql = "psql '" + jdbc.url().replace("jdbc:", "") + "'";
      if (flags.containsKey("keep-running")) {
        System.out.println(
            "\nQuery it now: "
                + psql
                + "   e.g.  SELECT * FROM sync_runs;  SELECT first_name, email FROM people LIMIT 5;");
        System.out.println(
            "Keeping PostgreSQL"
                + (sim != null ? " and the simulator" : "")
                + " up; Ctrl-C to stop.");
        new CountDownLatch(1).await();
      } else if (embedded != null) {
        System.out.println(
            "\nThe data stays in "
                + flags.getOrDefault("data-dir", "target/roster-sync-demo")
                + "/pg; add --keep-running to keep PostgreSQL up and query it with psql (SELECT * FROM sync_runs;"
                + " SELECT first_name, email FROM people LIMIT 5;).");
      }
      return 0;
    } finally {
      PooledDataSources.closeAll();
      if (sim != null) {
        sim.close();
      }
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  static DatasetSize sizeOf(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "tiny" -> DatasetSize.TINY;
      case "small" -> DatasetSize.SMALL;
      case "medium" -> DatasetSize.MEDIUM;
      case "large" -> DatasetSize.LARGE;
      default ->
          throw new IllegalArgumentException(
              "unknown size '" + name + "': tiny, small, medium or large");
    };
  }

  /** Runs one sync with a progress bar over integrations finished and live record counts. */
  private static SyncRunner.Outcome syncWithProgress(
      String name, SyncOptions options, int integrations) throws java.sql.SQLException {
    try (ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName(name)
            .setInitialMax(integrations)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis(250)
            .setUnit(" runs", 1)
            .build()) {
      SyncRunner.Outcome outcome =
          SyncRunner.run(
              options,
              counters -> {
                long done = 0;
                for (String run :
                    List.of(
                        "runs_succeeded",
                        "runs_partial",
                        "runs_failed",
                        "runs_held",
                        "runs_skipped")) {
                  done += counters.getOrDefault(run, 0L);
                }
                bar.stepTo(done);
                bar.setExtraMessage(
                    String.format(
                        Locale.ROOT,
                        " fetched %,d  created %,d  updated %,d  deleted %,d",
                        counters.getOrDefault("records_fetched", 0L),
                        counters.getOrDefault("rows_created", 0L),
                        counters.getOrDefault("rows_updated", 0L),
                        counters.getOrDefault("rows_deleted", 0L)));
              });
      bar.stepTo(outcome.runs().size());
      return outcome;
    }
  }

  static void report(String title, SyncRunner.Outcome outcome) {
    System.out.printf(
        Locale.ROOT,
        "%n%s: pipeline %s in %.1f s%n",
        title,
        outcome.state(),
        outcome.millis() / 1000.0);
    System.out.printf(
        Locale.ROOT,
        "  %-36s %-11s %-9s %9s %9s %9s %9s %9s %8s %10s%n",
        "integration",
        "type",
        "status",
        "fetched",
        "created",
        "updated",
        "deleted",
        "unchanged",
        "fetch s",
        "records/s");
    for (SyncRunner.RunRow run : outcome.runs()) {
      if (run.countsJson() == null || run.countsJson().equals("{}")) {
        System.out.printf(
            Locale.ROOT,
            "  %-36s %-11s %-9s %s%n",
            run.integrationId(),
            "-",
            run.status(),
            run.gateReason() == null ? "" : run.gateReason());
        continue;
      }
      JsonObject counts = JsonParser.parseString(run.countsJson()).getAsJsonObject();
      for (EntityType type : EntityType.values()) {
        if (!counts.has(type.path())) {
          continue;
        }
        JsonObject t = counts.getAsJsonObject(type.path());
        long fetched = t.has("fetched") ? t.get("fetched").getAsLong() : 0;
        double seconds = t.has("fetch_ms") ? t.get("fetch_ms").getAsLong() / 1000.0 : 0;
        System.out.printf(
            Locale.ROOT,
            "  %-36s %-11s %-9s %,9d %,9d %,9d %,9d %,9d %8.1f %,10.0f%n",
            run.integrationId(),
            type.path(),
            t.get("status").getAsString(),
            fetched,
            t.get("created").getAsLong(),
            t.get("updated").getAsLong(),
            t.get("deleted").getAsLong(),
            t.get("unchanged").getAsLong(),
            seconds,
            seconds > 0 ? fetched / seconds : 0);
      }
      long total = 0;
      for (String key : counts.keySet()) {
        JsonObject t = counts.getAsJsonObject(key);
        total += t.has("fetched") ? t.get("fetched").getAsLong() : 0;
      }
      System.out.printf(
          Locale.ROOT,
          "  %-36s %-11s %-9s %,9d records in %.1f s end to end (%,.0f records/s); %s%n",
          run.integrationId(),
          "all",
          run.status(),
          total,
          run.millis() / 1000.0,
          run.millis() > 0 ? total * 1000.0 / run.millis() : 0,
          run.gateReason());
      if (run.error() != null) {
        System.out.println("    error: " + run.error());
      }
    }
  }
}
