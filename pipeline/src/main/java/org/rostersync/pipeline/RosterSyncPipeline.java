package org.rostersync.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.rostersync.edlink.EntityType;
import org.rostersync.transforms.AskedAhead;
import org.rostersync.transforms.ExpandJobs;
import org.rostersync.transforms.Ids;
import org.rostersync.transforms.JobRequest;
import org.rostersync.transforms.RunResult;
import org.rostersync.transforms.SpreadEvenly;
import org.rostersync.transforms.SyncJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flex Template entry point: {@code main} → {@link #run}. With {@code --integrationIds} or
 * {@code --allIntegrations} it is a batch job; with {@code --jobsSubscription} a streaming one.
 * {@code main} never waits for a Dataflow job (a Flex Template launcher must return); the
 * DirectRunner blocks until done by itself.
 */
public final class RosterSyncPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(RosterSyncPipeline.class);

  private RosterSyncPipeline() {}

  public static void main(String[] args) {
    SyncOptions options = parse(args);
    if (DirectRunner.class.equals(options.getRunner())) {
      // Rewritten beside the schema check and the graph; loaded paced in run().
      DirectDriverPacing.prepare();
    }
    try {
      PipelineResult result = run(options);
      if (DirectRunner.class.equals(options.getRunner()) && isBatch(options)) {
        // The run is done (the DirectRunner blocks); on a cron VM no one else collects counters.
        LOG.info(JobCounters.line(JobCounters.of(result)));
      }
    } finally {
      if (DirectRunner.class.equals(options.getRunner())) {
        // The run is over (a streaming one never gets here): no Edlink call can follow.
        HttpClientThreads.interruptSelectors();
      }
    }
  }

  /** The options of a command line, with the fast DirectRunner defaults of a real run. */
  static SyncOptions parse(String[] args) {
    SyncOptions options = LocalOptionsRegistry.parse(args, () -> parseOptions(args));
    if (DirectRunner.class.equals(options.getRunner())) {
      // The DirectRunner's immutability and encodability checks copy and re-encode every element:
      // they find bugs in tests (which build their pipelines without main and keep them on) and
      // slow a real run (a medium cold sync: 37.4 s with them, 22.5 s without). A flag given on the
      // command line still wins.
      DirectOptions direct = options.as(DirectOptions.class);
      if (!given(args, "enforceImmutability")) {
        direct.setEnforceImmutability(false);
      }
      if (!given(args, "enforceEncodability")) {
        direct.setEnforceEncodability(false);
      }
      if (!given(args, "targetParallelism")) {
        direct.setTargetParallelism(directRunnerThreads());
      }
    }
    return options;
  }

  /**
   * The DirectRunner's worker threads for a real run. Beam's default, max(cores, 3), suits
   * CPU-bound work; these threads mostly wait on Edlink and PostgreSQL. 100 small districts, no
   * change, Edlink answering after 200 ms: 97.7 s with the jar before (3 threads), 31.0 s with 16
   * threads and the jobs spread (the plain program: 28.3 s). With Edlink on the same machine the
   * extra threads cost CPU on two cores (23 s → 37 s); docs/benchmark-process.md has both.
   */
  static int directRunnerThreads() {
    return Math.max(DIRECT_RUNNER_THREADS, Runtime.getRuntime().availableProcessors());
  }

  static final int DIRECT_RUNNER_THREADS = 16;

  /**
   * Bundles the fleet's jobs are spread over before planning: enough for many threads to plan at
   * once, few enough that a fleet of hundreds does not become hundreds of bundles at every step.
   */
  static final int SPREAD_BUCKETS = 16;

  static SyncOptions parseOptions(String[] args) {
    PipelineOptionsFactory.register(SyncOptions.class);
    return PipelineOptionsFactory.fromArgs(args).withValidation().as(SyncOptions.class);
  }

  private static boolean given(String[] args, String option) {
    return Arrays.stream(args)
        .anyMatch(a -> a.equals("--" + option) || a.startsWith("--" + option + "="));
  }

  public static PipelineResult run(SyncOptions options) {
    if (options.getMigrate()) {
      org.rostersync.transforms.Schema.migrateIfBehind(SyncConfigs.jdbc(options));
    }
    askAhead(options);
    Pipeline pipeline = Pipeline.create(options);
    build(pipeline, options);
    if (DirectRunner.class.equals(options.getRunner())) {
      // Before the warm-up's thread loads classes: the pacing's transformer sees every class
      // loaded while it is in place. Without the agent (tests) this does nothing.
      DirectDriverPacing.pace();
      if (DirectDriverPacing.ordersWork()) {
        DirectWorkOrder.rankSteps(pipeline);
      }
      InvokerWarmUp.start(pipeline);
    }
    return pipeline.run();
  }

  /**
   * A batch run on the DirectRunner: starts asking Edlink for the listing and the first change-gate
   * answers, so they are there when the graph has been built and the runner set up (two round trips
   * off the way to the first fetch). Elsewhere it does nothing: on Dataflow this JVM is the
   * launcher. Call after the schema is migrated, before building the pipeline.
   */
  public static void askAhead(SyncOptions options) {
    if (DirectRunner.class.equals(options.getRunner()) && isBatch(options)) {
      AskedAhead.start(
          SyncConfigs.edlink(options),
          SyncConfigs.jdbc(options),
          batchRequests(options),
          SyncConfigs.parseDuration(options.getMaxSkipAge()).toMillis());
    }
  }

  /**
   * The jobs are named on the command line ({@code --integrationIds}, {@code --allIntegrations}).
   */
  private static boolean isBatch(SyncOptions options) {
    return options.getIntegrationIds() != null || options.getAllIntegrations();
  }

  /** Wires the job source to the sync; tests call this with their own pipeline. */
  public static PCollection<RunResult> build(Pipeline pipeline, SyncOptions options) {
    boolean batch = isBatch(options);
    boolean stream = options.getJobsSubscription() != null;
    if (batch == stream) {
      throw new IllegalArgumentException(
          "give exactly one job source: --integrationIds / --allIntegrations (batch) or --jobsSubscription (streaming)");
    }
    PCollection<SyncJob> jobs;
    if (stream) {
      options.setStreaming(true);
      jobs = PubsubJobSource.read(pipeline, options);
    } else {
      jobs =
          pipeline
              .apply(
                  "BatchJobRequests",
                  Create.of(batchRequests(options))
                      .withCoder(SerializableCoder.of(JobRequest.class)))
              .apply("ExpandJobs", ExpandJobs.using(SyncConfigs.edlink(options)))
              // ExpandJobs emits the whole fleet from one element, so one bundle: without this,
              // every integration's lease, lookup and change-gate call would run one after
              // another, each waiting out Edlink's latency.
              .apply("SpreadJobs", SpreadEvenly.<SyncJob>over(SPREAD_BUCKETS));
    }
    return jobs.apply("SyncIntegrations", SyncConfigs.syncTransform(options));
  }

  static List<JobRequest> batchRequests(SyncOptions options) {
    SyncJob.Mode mode = SyncConfigs.mode(options.getMode());
    List<String> types =
        Arrays.stream(EntityType.parseList(options.getEntityTypes()).toArray(EntityType[]::new))
            .map(EntityType::path)
            .toList();
    List<JobRequest> requests = new ArrayList<>();
    if (options.getAllIntegrations()) {
      // Every active integration once: ids named as well would be synced twice, at the same time.
      requests.add(
          JobRequest.forAll(mode)
              .withEntityTypes(types)
              .withApproveDeletes(options.getApproveDeletes()));
      return requests;
    }
    if (options.getIntegrationIds() != null) {
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (String id : options.getIntegrationIds().split(",")) {
        if (id.isBlank()) {
          continue;
        }
        String uuid =
            Ids.requireUuid(id.trim(), "--integrationIds entry").toLowerCase(java.util.Locale.ROOT);
        if (seen.add(uuid)) {
          requests.add(
              JobRequest.forIntegration(uuid, mode)
                  .withEntityTypes(types)
                  .withApproveDeletes(options.getApproveDeletes()));
        }
      }
    }
    if (requests.isEmpty()) {
      throw new IllegalArgumentException("--integrationIds names no integration");
    }
    return requests;
  }
}
