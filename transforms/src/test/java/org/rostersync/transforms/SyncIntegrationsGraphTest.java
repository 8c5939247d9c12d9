package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PValue;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;

/** Properties of the pipeline graph that a runner's fusion would otherwise break. */
class SyncIntegrationsGraphTest {
  /** The sync's graph on a job, its transform named "Sync"; nothing runs. */
  private static Pipeline graph(SyncIntegrations sync) {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    SyncJob job =
        new SyncJob(
            "r",
            "dd62026c-1180-40ca-a614-ae537f766cb4",
            List.of(EntityType.PEOPLE),
            SyncJob.Mode.FULL,
            null,
            false,
            0);
    p.apply(Create.of(job))
        .apply(
            "Sync",
            sync.withEdlink(EdlinkConfig.of("http://127.0.0.1:9", SecretRef.plain("s")))
                .withDatabase(
                    JdbcConfig.of("jdbc:postgresql://127.0.0.1:9/x", "u", SecretRef.plain("p"))));
    return p;
  }

  @Test
  void theStoredHashReadIsNotFusedWithTheFetch() {
    Pipeline p = graph(SyncIntegrations.create());
    Map<PValue, String> producers = new HashMap<>();
    String[] readInput = new String[1];
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public CompositeBehavior enterCompositeTransform(TransformHierarchy.Node node) {
            record(node);
            return CompositeBehavior.ENTER_TRANSFORM;
          }

          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            record(node);
          }

          private void record(TransformHierarchy.Node node) {
            if (node.isRootNode()) {
              return;
            }
            node.getOutputs().values().forEach(v -> producers.putIfAbsent(v, node.getFullName()));
            if (node.getFullName().equals("Sync/ReadStoredHashes")) {
              readInput[0] = producers.get(node.getInputs().values().iterator().next());
            }
          }
        });
    assertThat(readInput[0], notNullValue());
    // A Reshuffle is a stage boundary on every runner: a failed read is retried without paging
    // Edlink again.
    assertThat(readInput[0], containsString("BreakFusionBeforeRead"));
  }

  private static List<String> stepNames(SyncIntegrations sync) {
    Pipeline p = graph(sync);
    List<String> names = new java.util.ArrayList<>();
    p.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            names.add(node.getFullName());
          }
        });
    return names;
  }

  @Test
  void aFetchThatNeverSpillsHasNoSpillSteps() {
    List<String> spilling = stepNames(SyncIntegrations.create());
    List<String> never =
        stepNames(SyncIntegrations.create().withBytesPerFetchElement(Long.MAX_VALUE));
    assertThat(
        spilling.stream().anyMatch(n -> n.contains("FetchRemainingPages")),
        org.hamcrest.Matchers.is(true));
    assertThat(
        spilling.stream().anyMatch(n -> n.contains("AssembleSpilledShards")),
        org.hamcrest.Matchers.is(true));
    // Paged whole, large types are read ahead: the plan step, and its reads joined with the
    // fetch's signals. Where types spill (Dataflow) the graph has neither.
    assertThat(
        never.stream().filter(n -> n.startsWith("Sync/FetchEntities/")).toList(),
        org.hamcrest.Matchers.containsInAnyOrder(
            "Sync/FetchEntities/PlanReadAhead",
            "Sync/FetchEntities/FetchTypes",
            "Sync/FetchEntities/PackRemoteShards/ParMultiDo(PackRemoteShard)",
            "Sync/FetchEntities/ReadAheadOrFetched"));
    assertThat(
        spilling.stream().anyMatch(n -> n.contains("ReadAhead")), org.hamcrest.Matchers.is(false));
    // There, too, a type with nothing stored gives the join its empty stored side; the graph of
    // Dataflow, whose step names --update matches, keeps only the read.
    assertThat(never.contains("Sync/StoredReadOrKnownEmpty"), org.hamcrest.Matchers.is(true));
    assertThat(
        spilling.stream().anyMatch(n -> n.contains("KnownEmpty")), org.hamcrest.Matchers.is(false));
  }
}
