package org.rostersync.transforms;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.KV;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.Integration;
import org.rostersync.sandbox.Flags;
import org.rostersync.sandbox.bench.LiveHeap;
import org.rostersync.sandbox.bench.ProbeProcess;
import org.rostersync.sandbox.bench.StandaloneSimulator;

/**
 * What one fetch worker needs in memory to page a type, measured: pages one type of an Edlink (the
 * simulator standalone, in its own process) through the fetch's own code, as a worker runs it, and
 * reports the live heap after every garbage collection (the most of it: the worker's peak live set)
 * and the largest output of one element. {@code --mode=spill} is a spilled type's path (stretches
 * of {@code --budget} bytes, pieces by shard, each stretch's output encoded and released as the
 * runner commits it); {@code --mode=whole} holds the type whole and emits every shard from one
 * element, as the fetch did before types spilled. Run it under a small {@code -Xmx} to see which of
 * the two fits. Lives in the transforms package for the fetch's package-private pieces;
 * sandbox-only.
 */
public final class FetchMemoryProbe {
  private static final String USAGE =
      "Usage: FetchMemoryProbe [--size=large] [--heaps=192m,256m,384m,512m,768m,1g]"
          + " [--type=enrollments] [--budget=33554432] [--max-shards=512] [--page-size=10000]\n"
          + "  starts the simulator standalone and runs both modes under each heap, one JVM each;\n"
          + "  or one probe: --base-url=URL --secret=S [--mode=spill|whole] [...]";
  private static final String SECRET = "probe-app-secret";

  private FetchMemoryProbe() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = Flags.parse(args, USAGE);
    if (!flags.containsKey("base-url")) {
      compareUnderHeaps(flags);
      return;
    }
    LiveHeap live = LiveHeap.watch();
    EdlinkClient client =
        EdlinkClient.builder()
            .baseUrl(flags.get("base-url"))
            .appSecret(flags.get("secret"))
            .pageSize(Integer.parseInt(flags.getOrDefault("page-size", "10000")))
            .build();
    List<Integration> integrations = client.listIntegrations();
    Integration integration = integrations.get(0);
    // The probe's own base (JVM, client, classes) before any record: a full collection, then read.
    long baseBytes = live.liveNow();
    EntityType type = EntityType.fromPath(flags.getOrDefault("type", "enrollments"));
    boolean spill = !"whole".equals(flags.getOrDefault("mode", "spill"));
    long budget = spill ? Long.parseLong(flags.getOrDefault("budget", "33554432")) : Long.MAX_VALUE;
    int maxShards = Integer.parseInt(flags.getOrDefault("max-shards", "512"));
    SyncJob job =
        new SyncJob(
            "probe-run",
            integration.id(),
            List.of(type),
            SyncJob.Mode.FULL,
            "probe",
            false,
            System.currentTimeMillis());
    TypeTask task = new TypeTask(job, type);

    long records = 0;
    long largestElementBytes = 0;
    int elements = 0;
    long start = System.currentTimeMillis();
    String cursor = null;
    int[] pieces = new int[maxShards];
    do {
      FetchEntities.PageBatch batch =
          FetchEntities.PageBatch.fetch(
              client, integration.accessToken(), task, cursor, budget, Long.MAX_VALUE);
      records += batch.records().size();
      // A work item's output is committed together: it is held, encoded, until the element ends.
      List<byte[]> committed = new java.util.ArrayList<>();
      if (spill) {
        for (KV<ShardKey, SpilledPart> part :
            FetchEntities.piecesOf(task, batch.records(), pieces, Sharding.CURRENT)) {
          committed.add(encode(SpilledPart.Coder.of(), part.getValue()));
        }
      } else {
        int shards =
            Sharding.shardCountFor(
                batch.records().size(), SyncDefaults.RECORDS_PER_SHARD, SyncDefaults.MAX_SHARDS);
        for (RemoteShard s :
            FetchEntities.FetchEntitiesFn.distribute(batch.records(), job, null, shards)) {
          committed.add(
              encode(RemoteShard.Coder.of(), s.withFetch(new FetchSummary(0, 0, 0, 0, 0))));
        }
      }
      long out = 0;
      for (byte[] b : committed) {
        out += b.length;
      }
      largestElementBytes = Math.max(largestElementBytes, out);
      elements++;
      cursor = batch.stats().resumeFrom();
    } while (cursor != null);
    live.liveNow();
    System.out.printf(
        "RESULT mode=%s type=%s records=%d elements=%d largest-element-output-MB=%.1f"
            + " base-MB=%d live-after-full-GC-MB=%d after-any-GC-MB=%d seconds=%.1f%n",
        spill ? "spill" : "whole",
        type.path(),
        records,
        elements,
        largestElementBytes / 1048576.0,
        LiveHeap.mb(baseBytes),
        LiveHeap.mb(live.maxAfterFull()),
        LiveHeap.mb(live.maxAfterAny()),
        (System.currentTimeMillis() - start) / 1000.0);
  }

  /** Starts the simulator in its own JVM, then one probe JVM per (mode, heap); prints a table. */
  private static void compareUnderHeaps(Map<String, String> flags) throws Exception {
    try (StandaloneSimulator sim =
        ProbeProcess.simulator(flags.getOrDefault("size", "large"), SECRET)) {
      System.out.printf(
          "%-6s %-6s %-9s %-10s %-20s %-9s %-22s %s%n",
          "mode",
          "-Xmx",
          "outcome",
          "records",
          "largest element MB",
          "base MB",
          "live after full GC MB",
          "s");
      for (String heap : flags.getOrDefault("heaps", "192m,256m,384m,512m,768m,1g").split(",")) {
        for (String mode : List.of("spill", "whole")) {
          Map<String, String> r =
              ProbeProcess.run(
                  ProbeProcess.command(
                      FetchMemoryProbe.class,
                      heap,
                      List.of(
                          "--base-url=" + sim.baseUrl(), "--secret=" + SECRET, "--mode=" + mode),
                      flags,
                      List.of("type", "budget", "max-shards", "page-size")));
          if (!"ok".equals(r.get("outcome"))) {
            System.out.printf("%-6s %-6s %-9s%n", mode, heap, r.get("outcome"));
            continue;
          }
          System.out.printf(
              "%-6s %-6s %-9s %-10s %-20s %-9s %-22s %s%n",
              mode,
              heap,
              "ok",
              r.get("records"),
              r.get("largest-element-output-MB"),
              r.get("base-MB"),
              r.get("live-after-full-GC-MB"),
              r.get("seconds"));
        }
      }
    }
  }

  private static <T> byte[] encode(org.apache.beam.sdk.coders.Coder<T> coder, T value)
      throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    coder.encode(value, out);
    return out.toByteArray();
  }
}
