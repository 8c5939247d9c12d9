package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.FetchStats;
import org.rostersync.edlink.StopPaging;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.RosterType;

/**
 * A record that fails its type stops the paging: Edlink is asked for at most the one page the
 * client had asked for ahead (dropped unread), not for the rest of the type.
 */
class FetchStopsAtBadRecordTest {
  private static final int PAGE_SIZE = 3;

  @RegisterExtension
  static final SimulatorPerClass SIM =
      new SimulatorPerClass(11L, "stop-paging-secret", DatasetSize.TINY);

  @Test
  void aHandlerThatStopsEndsTheFetchAfterThatPageAndThePageAskedForAhead() throws Exception {
    long people = SIM.get().count(SIM.integration().id(), RosterType.PEOPLE);
    assertThat("the test needs several pages", people, greaterThan(2L * PAGE_SIZE));
    EdlinkClient client =
        EdlinkClient.builder()
            .baseUrl(SIM.get().baseUrl())
            .appSecret(SIM.get().appSecret())
            .pageSize(PAGE_SIZE)
            .build();
    long before = SIM.get().requestCount(SIM.integration().id(), "people");
    List<Integer> pages = new ArrayList<>();
    FetchStats stats =
        client.fetchAll(
            SIM.integration().accessToken(),
            EntityType.PEOPLE,
            page -> {
              pages.add(page.size());
              if (pages.size() == 2) {
                throw new StopPaging();
              }
            });
    assertThat(pages.size(), is(2));
    assertThat(stats.pages(), is(2));
    // The page asked for ahead is dropped, but its request may still reach the server after the
    // fetch returned: count once it had the time to arrive, then again to see that nothing follows.
    Thread.sleep(300);
    long asked = SIM.get().requestCount(SIM.integration().id(), "people") - before;
    assertThat(
        "the two pages handed on, and at most the third asked for ahead", asked <= 3, is(true));
    Thread.sleep(300);
    assertThat(
        "nothing asked for after the fetch ended",
        SIM.get().requestCount(SIM.integration().id(), "people") - before,
        is(asked));
    assertThat(
        "the type has more pages than were asked for",
        SIM.get().count(SIM.integration().id(), RosterType.PEOPLE),
        greaterThan(3L * PAGE_SIZE));
  }

  @Test
  void aRecordWithoutAUuidFailsTheTypeAfterOnePage() throws Exception {
    SIM.get().corruptId(SIM.integration().id(), RosterType.ENROLLMENTS, 0, "not-a-uuid");
    long enrollments = SIM.get().count(SIM.integration().id(), RosterType.ENROLLMENTS);
    assertThat("the test needs several pages", enrollments, greaterThan(2L * PAGE_SIZE));
    long before = SIM.get().requestCount(SIM.integration().id(), "enrollments");

    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    Pipeline p = Pipeline.create(options);
    SyncJob job =
        new SyncJob(
            UUID.randomUUID().toString(),
            SIM.integration().id(),
            List.of(EntityType.ENROLLMENTS),
            SyncJob.Mode.FULL,
            "req",
            false,
            1_000L);
    PCollectionTuple out =
        p.apply(Create.of(new TypeTask(job, EntityType.ENROLLMENTS)).withCoder(TypeTask.Coder.of()))
            .apply(
                FetchEntities.from(
                    EdlinkConfig.of(SIM.get().baseUrl(), SecretRef.plain(SIM.get().appSecret()))
                        .withPageSize(PAGE_SIZE)));
    PAssert.that(out.get(FetchEntities.REMOTE)).empty();
    PAssert.that(out.get(FetchEntities.COMPLETE)).empty();
    PAssert.that(out.get(FetchEntities.FAILED))
        .satisfies(
            events -> {
              List<KV<String, RunEvent>> all = new ArrayList<>();
              events.forEach(all::add);
              assertThat(all.size(), is(1));
              TypeOutcome outcome = all.get(0).getValue().typeOutcome();
              assertThat(outcome.status(), is(TypeOutcome.Status.FAILED));
              assertThat(outcome.error(), containsString("is not a UUID"));
              return null;
            });
    p.run().waitUntilFinish();
    Thread.sleep(300);
    long asked = SIM.get().requestCount(SIM.integration().id(), "enrollments") - before;
    assertThat(
        "the failing page and at most the one asked for ahead, not all: " + asked,
        asked >= 1 && asked <= 2,
        is(true));
    assertThat(
        "the type has more pages than were asked for", enrollments, greaterThan(3L * PAGE_SIZE));
  }
}
