package org.rostersync.edlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rostersync.hash.CanonicalHash;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.sandbox.simulator.FaultKind;
import org.rostersync.sandbox.simulator.FaultRule;
import org.rostersync.sandbox.simulator.RosterType;
import org.rostersync.sandbox.simulator.SimIntegration;
import org.rostersync.testing.TestSimulator;

/**
 * The client against the Edlink simulator: exactly-once paging under faults, error handling, Meta,
 * events.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdlinkClientTest {
  private EdlinkSimulator sim;
  private SimIntegration small;
  private SimIntegration tiny;
  private final List<String> retries = new CopyOnWriteArrayList<>();

  @BeforeAll
  void startSimulator() throws Exception {
    sim = TestSimulator.start(42L, "sim-app-secret", DatasetSize.SMALL, DatasetSize.TINY);
    small = sim.integrations().get(0);
    tiny = sim.integrations().get(1);
  }

  @AfterAll
  void stopSimulator() throws Exception {
    sim.close();
  }

  @AfterEach
  void clearFaults() {
    sim.faults().clear();
    retries.clear();
  }

  private EdlinkClient.Builder fastClient() {
    return EdlinkClient.builder()
        .baseUrl(sim.baseUrl())
        .appSecret(sim.appSecret())
        .initialBackoff(Duration.ofMillis(20))
        .maxBackoff(Duration.ofMillis(200))
        .readTimeout(Duration.ofSeconds(10))
        .deadline(Duration.ofSeconds(60))
        .retryListener((attempt, reason) -> retries.add(reason));
  }

  /** Records by id, failing on any duplicate delivery. */
  private static Map<String, JsonObject> fetchById(
      EdlinkClient client, String token, EntityType type) throws EdlinkException {
    Map<String, JsonObject> byId = new HashMap<>();
    client.fetchAll(
        token,
        type,
        page -> {
          for (JsonObject r : page) {
            JsonObject previous = byId.put(r.get("id").getAsString(), r);
            assertEquals(null, previous, "record delivered twice: " + r.get("id"));
          }
        });
    return byId;
  }

  private void assertSameAsTruth(
      Map<String, JsonObject> fetched, String integrationId, EntityType type) {
    List<JsonObject> truth = sim.records(integrationId, TestSimulator.type(type));
    assertEquals(truth.size(), fetched.size(), type + " count");
    for (JsonObject t : truth) {
      JsonObject got = fetched.get(t.get("id").getAsString());
      assertNotNull(got, "missing " + type + " " + t.get("id"));
      assertEquals(
          CanonicalHash.hex(CanonicalHash.sha256(t)),
          CanonicalHash.hex(CanonicalHash.sha256(got)),
          "content of " + type + " " + t.get("id"));
    }
  }

  @Test
  void aPausedFetchResumesFromItsCursorInAnotherClientWithoutLosingOrRepeatingARecord()
      throws Exception {
    Map<String, JsonObject> byId = new HashMap<>();
    String cursor = null;
    int calls = 0;
    do {
      // A fresh client per stretch, as a resumed work item on another worker would have.
      EdlinkClient client = fastClient().pageSize(50).build();
      int[] pages = {0};
      FetchStats stats =
          client.fetchPages(
              small.accessToken(),
              EntityType.PEOPLE,
              cursor,
              page -> {
                pages[0]++;
                for (JsonObject r : page) {
                  assertEquals(
                      null, byId.put(r.get("id").getAsString(), r), "delivered twice: " + r);
                }
              },
              () -> pages[0] >= 2);
      cursor = stats.resumeFrom();
      calls++;
    } while (cursor != null);
    assertTrue(calls > 2, "the fetch paused and resumed, in " + calls + " calls");
    assertSameAsTruth(byId, small.id(), EntityType.PEOPLE);
  }

  /** Waits up to five seconds for the simulator to have seen {@code count} requests. */
  private boolean requestsReach(String integrationId, String endpoint, long count)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (sim.requestCount(integrationId, endpoint) < count) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  @Test
  void theNextPageIsAskedForWhileTheHandlerWorksOnThisOne() throws Exception {
    EdlinkClient client = fastClient().pageSize(3).build();
    long before = sim.requestCount(tiny.id(), "people");
    List<Boolean> nextAskedDuringHandler = new ArrayList<>();
    Map<String, JsonObject> byId = new HashMap<>();
    FetchStats stats =
        client.fetchAll(
            tiny.accessToken(),
            EntityType.PEOPLE,
            page -> {
              for (JsonObject r : page) {
                assertNull(byId.put(r.get("id").getAsString(), r), "record delivered twice");
              }
              int handled = nextAskedDuringHandler.size() + 1;
              try {
                nextAskedDuringHandler.add(
                    requestsReach(tiny.id(), "people", before + handled + 1));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    // 10 people in pages of 3: four pages, the last without $next.
    assertEquals(4, stats.pages());
    assertEquals(List.of(true, true, true, false), nextAskedDuringHandler);
    assertEquals(before + 4, sim.requestCount(tiny.id(), "people"), "no page asked for twice");
    assertSameAsTruth(byId, tiny.id(), EntityType.PEOPLE);
  }

  @Test
  void aFetchThatCanPauseAsksForOnePageAtATime() throws Exception {
    EdlinkClient client = fastClient().pageSize(3).build();
    long before = sim.requestCount(tiny.id(), "people");
    List<Long> requestsDuringHandler = new ArrayList<>();
    FetchStats stats =
        client.fetchPages(
            tiny.accessToken(),
            EntityType.PEOPLE,
            null,
            page -> {
              try {
                // Long enough for a request asked for ahead to arrive.
                Thread.sleep(200);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              requestsDuringHandler.add(sim.requestCount(tiny.id(), "people") - before);
            },
            () -> false);
    assertEquals(4, stats.pages());
    assertEquals(List.of(1L, 2L, 3L, 4L), requestsDuringHandler);
  }

  @Test
  void aPageAskedForAheadThatFailsFailsTheFetchAfterThePagesBeforeIt() {
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(tiny.id())
                .endpoint("people")
                .kind(FaultKind.SERVER_ERROR_500)
                .onPage(3)
                .times(10)
                .build());
    List<Integer> handled = new ArrayList<>();
    EdlinkException e =
        assertThrows(
            EdlinkException.class,
            () ->
                fastClient()
                    .pageSize(3)
                    .maxAttempts(2)
                    .build()
                    .fetchAll(
                        tiny.accessToken(), EntityType.PEOPLE, page -> handled.add(page.size())));
    assertEquals(500, e.httpStatus());
    assertTrue(e.getMessage().contains("after 2 attempts"), e.getMessage());
    assertEquals(List.of(3, 3), handled, "the two pages before the failing one, each once");
  }

  @Test
  void aHandlerThatFailsEndsTheFetchWithItsErrorAndNothingMoreIsAskedFor() throws Exception {
    EdlinkClient client = fastClient().pageSize(3).build();
    long before = sim.requestCount(tiny.id(), "people");
    EdlinkException own =
        new EdlinkException("the handler's own failure", 0, List.of(), null, null);
    EdlinkException e =
        assertThrows(
            EdlinkException.class,
            () ->
                client.fetchAll(
                    tiny.accessToken(),
                    EntityType.PEOPLE,
                    page -> {
                      throw own;
                    }));
    assertEquals(own, e);
    // The dropped request may still arrive after the fetch returned.
    Thread.sleep(300);
    long asked = sim.requestCount(tiny.id(), "people") - before;
    assertTrue(asked <= 2, "the first page and at most the one asked for ahead: " + asked);
    Thread.sleep(300);
    assertEquals(asked, sim.requestCount(tiny.id(), "people") - before, "nothing after the end");
  }

  @Test
  void pagedFromBothEndsEveryRecordArrivesOnceWhateverThePageCount() throws Exception {
    int people = (int) sim.count(small.id(), RosterType.PEOPLE);
    for (int pageSize :
        new int[] {people, people - 1, (people + 1) / 2, (people + 2) / 3, (people + 6) / 7, 10}) {
      int pages = (people + pageSize - 1) / pageSize;
      long before = settledRequestCount(small.id(), "people");
      Map<String, JsonObject> byId = new HashMap<>();
      FetchStats stats = peopleFromBothEnds(pageSize, eachOnceInto(byId));
      String what = pages + " pages of " + pageSize + ": " + stats;
      assertSameAsTruth(byId, small.id(), EntityType.PEOPLE);
      assertEquals(people, stats.records(), what);
      assertTrue(stats.pages() <= pages + 1, "at most one page more than forward: " + what);
      if (pages == 1) {
        assertEquals(0, stats.pagesFromEnd(), what);
        assertEquals(before + 1, sim.requestCount(small.id(), "people"), "one page, one request");
      }
    }
  }

  /**
   * The simulator's request count once no request arrived for 300 ms: a page asked for ahead that
   * an earlier fetch dropped (the directions met) may reach the simulator after that fetch
   * returned.
   */
  private long settledRequestCount(String integration, String endpoint)
      throws InterruptedException {
    long count = sim.requestCount(integration, endpoint);
    for (int i = 0; i < 50; i++) {
      Thread.sleep(300);
      long now = sim.requestCount(integration, endpoint);
      if (now == count) {
        return now;
      }
      count = now;
    }
    return count;
  }

  @Test
  void aShortLastPageEndsTheBackwardDirectionBeforeItsFirstPageIsHandedOn() throws Exception {
    // Two pages, the second a little short, so it and the backward direction's first page arrive
    // together; that page overlaps both forward pages. Handed on after the forward direction's
    // last one, trimmed by that page alone, it would repeat records of the first (found by
    // PlainSyncTest, about one fetch in four).
    int enrollments = (int) sim.count(small.id(), RosterType.ENROLLMENTS);
    int pageSize = (enrollments + 1) / 2 + 20;
    EdlinkClient client = fastClient().pageSize(pageSize).fromBothEnds(true).build();
    for (int round = 0; round < 40; round++) {
      Map<String, JsonObject> byId = new HashMap<>();
      FetchStats stats =
          client.fetchAll(small.accessToken(), EntityType.ENROLLMENTS, eachOnceInto(byId));
      assertEquals(enrollments, stats.records(), "round " + round + ": " + stats);
      assertEquals(enrollments, byId.size());
    }
  }

  @Test
  void aTypeOfManyPagesIsPagedFromBothEndsInTurn() throws Exception {
    slowPeople();
    int people = (int) sim.count(small.id(), RosterType.PEOPLE);
    int pageSize = (people + 9) / 10;
    Map<String, JsonObject> byId = new HashMap<>();
    FetchStats stats = peopleFromBothEnds(pageSize, eachOnceInto(byId));
    assertSameAsTruth(byId, small.id(), EntityType.PEOPLE);
    // Forward only, the same ten pages take ten round trips in a row; from both ends, each
    // direction takes its half.
    int forward = stats.pages() - stats.pagesFromEnd();
    assertTrue(forward >= 3 && stats.pagesFromEnd() >= 3, stats.toString());
  }

  @Test
  void aHandlerThatFailsOnAPageFromTheEndFailsTheFetchAndIsCalledNoMore() throws Exception {
    slowPeople();
    List<JsonObject> truth = sim.records(small.id(), RosterType.PEOPLE);
    String lastId = truth.get(truth.size() - 1).get("id").getAsString();
    int pageSize = (truth.size() + 9) / 10;
    IllegalStateException own = new IllegalStateException("the handler's own failure");
    java.util.concurrent.atomic.AtomicBoolean returned =
        new java.util.concurrent.atomic.AtomicBoolean();
    List<String> callsAfterReturn = new CopyOnWriteArrayList<>();
    PageHandler handler =
        page -> {
          if (returned.get()) {
            callsAfterReturn.add(page.size() + " records");
          }
          if (page.stream().anyMatch(r -> r.get("id").getAsString().equals(lastId))) {
            throw own;
          }
        };
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> peopleFromBothEnds(pageSize, handler));
    returned.set(true);
    assertEquals(own, e);
    Thread.sleep(300);
    assertEquals(List.of(), callsAfterReturn);
  }

  @Test
  void aHandlerThatStopsOnAPageFromTheEndEndsTheFetchWithoutError() throws Exception {
    slowPeople();
    List<JsonObject> truth = sim.records(small.id(), RosterType.PEOPLE);
    String lastId = truth.get(truth.size() - 1).get("id").getAsString();
    int pageSize = (truth.size() + 9) / 10;
    List<Integer> handled = new CopyOnWriteArrayList<>();
    FetchStats stats =
        peopleFromBothEnds(
            pageSize,
            page -> {
              handled.add(page.size());
              if (page.stream().anyMatch(r -> r.get("id").getAsString().equals(lastId))) {
                throw new StopPaging();
              }
            });
    int atReturn = handled.size();
    assertTrue(stats.records() < truth.size(), stats.toString());
    Thread.sleep(300);
    assertEquals(atReturn, handled.size(), "no page handed on after the fetch returned");
  }

  /** The small integration's people, paged from both ends. */
  private FetchStats peopleFromBothEnds(int pageSize, PageHandler handler) throws EdlinkException {
    return fastClient()
        .pageSize(pageSize)
        .fromBothEnds(true)
        .build()
        .fetchAll(small.accessToken(), EntityType.PEOPLE, handler);
  }

  /** Puts each record into {@code byId}, failing on one handed on twice. */
  private static PageHandler eachOnceInto(Map<String, JsonObject> byId) {
    return page -> {
      for (JsonObject r : page) {
        assertNull(byId.put(r.get("id").getAsString(), r), "delivered twice");
      }
    };
  }

  /** Every people request of the small integration waits 60 ms, so directions take turns. */
  private void slowPeople() {
    TestSimulator.slow(sim, small.id(), "people", 60);
  }

  @Test
  void aResumeCursorOnAnotherOriginIsRefused() {
    EdlinkClient client = fastClient().build();
    EdlinkException e =
        assertThrows(
            EdlinkException.class,
            () ->
                client.fetchPages(
                    small.accessToken(),
                    EntityType.PEOPLE,
                    "https://elsewhere.example/api/v2/graph/people?$cursor=x",
                    page -> {},
                    () -> false));
    assertTrue(e.getMessage().contains("refusing $next on another origin"), e.getMessage());
  }

  @Test
  void everyEntityTypeMatchesTheTruth() throws Exception {
    EdlinkClient client = fastClient().pageSize(7).build();
    for (EntityType type : EntityType.values()) {
      assertSameAsTruth(fetchById(client, tiny.accessToken(), type), tiny.id(), type);
    }
    assertTrue(retries.isEmpty(), retries.toString());
  }

  @ParameterizedTest(name = "from both ends: {0}")
  @ValueSource(booleans = {false, true})
  void everyRecordExactlyOnceUnderFaults(boolean fromBothEnds) throws Exception {
    int people = (int) sim.count(small.id(), RosterType.PEOPLE);
    int pageSize = Math.max(1, (people + 4) / 5); // five pages
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(small.id())
                .endpoint("people")
                .kind(FaultKind.RATE_LIMIT)
                .retryAfterSeconds(1)
                .times(1)
                .build());
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(small.id())
                .endpoint("people")
                .kind(FaultKind.UNAVAILABLE_503)
                .times(1)
                .build());
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(small.id())
                .endpoint("people")
                .kind(FaultKind.DROP_MID_BODY)
                .onPage(2)
                .times(1)
                .build());
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(small.id())
                .endpoint("people")
                .kind(FaultKind.TRUNCATED_JSON)
                .onPage(3)
                .times(2)
                .build());
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(small.id())
                .endpoint("people")
                .kind(FaultKind.BAD_GATEWAY_502)
                .onPage(4)
                .times(1)
                .build());

    List<Integer> pageSizes = new ArrayList<>();
    Map<String, JsonObject> byId = new HashMap<>();
    FetchStats stats =
        fastClient()
            .pageSize(pageSize)
            .fromBothEnds(fromBothEnds)
            .build()
            .fetchAll(
                small.accessToken(),
                EntityType.PEOPLE,
                page -> {
                  pageSizes.add(page.size());
                  for (JsonObject r : page) {
                    assertEquals(null, byId.put(r.get("id").getAsString(), r), "delivered twice");
                  }
                });

    assertSameAsTruth(byId, small.id(), EntityType.PEOPLE);
    assertEquals(people, stats.records());
    assertTrue(
        pageSizes.size() >= 5 && pageSizes.stream().allMatch(n -> n <= pageSize),
        pageSizes.toString());
    assertTrue(retries.contains("429"), retries.toString());
    assertTrue(retries.contains("503"), retries.toString());
    if (!fromBothEnds) {
      // From both ends, the forward pages may meet the backward ones before the fourth.
      assertTrue(retries.contains("502"), retries.toString());
    }
    assertTrue(
        retries.stream().anyMatch(r -> r.equals("io") || r.equals("parse")), retries.toString());
    if (fromBothEnds) {
      // A page dropped where the two directions met may still be retried after the fetch returned.
      assertTrue(stats.retries() <= retries.size(), stats + " " + retries);
    } else {
      assertEquals(retries.size(), stats.retries());
    }
  }

  @Test
  void retryAfterIsHonoured() throws Exception {
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(tiny.id())
                .endpoint("schools")
                .kind(FaultKind.RATE_LIMIT)
                .retryAfterSeconds(1)
                .times(1)
                .build());
    long t0 = System.nanoTime();
    Map<String, JsonObject> schools =
        fetchById(fastClient().build(), tiny.accessToken(), EntityType.SCHOOLS);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertSameAsTruth(schools, tiny.id(), EntityType.SCHOOLS);
    assertTrue(ms >= 950, "waited only " + ms + " ms");
    assertEquals(List.of("429"), retries);
  }

  @Test
  void clientErrorsAreNotRetried() throws Exception {
    EdlinkClient client = fastClient().build();

    // The simulator counts only requests it can attribute, so bad credentials are checked via the
    // retry listener.
    assertClientError(
        assertThrows(
            EdlinkException.class,
            () ->
                client.fetchAll(
                    "bogusTokenThatEdlinkNeverIssued00", EntityType.PEOPLE, page -> {})));
    assertClientError(
        assertThrows(
            EdlinkException.class,
            () -> fastClient().appSecret("wrong-secret").build().listIntegrations()));

    String unknownId = UUID.randomUUID().toString();
    EdlinkException missing =
        assertThrows(EdlinkException.class, () -> client.getIntegration(unknownId));
    assertEquals(1, sim.requestCount(unknownId, "integrations"));
    assertClientError(missing);
    assertTrue(retries.isEmpty(), retries.toString());

    try (EdlinkSimulator own =
        EdlinkSimulator.builder().port(0).seed(3L).integration(DatasetSize.TINY).start()) {
      SimIntegration in = own.integrations().get(0);
      own.setStatus(in.id(), "disabled");
      EdlinkClient ownClient = fastClient().baseUrl(own.baseUrl()).build();
      EdlinkException disabled =
          assertThrows(
              EdlinkException.class,
              () -> ownClient.fetchAll(in.accessToken(), EntityType.PEOPLE, page -> {}));
      assertEquals(1, own.requestCount(in.id(), "people"));
      assertEquals("INVALID_INTEGRATION_STATE", disabled.code());
      assertClientError(disabled);
    }
    assertTrue(retries.isEmpty(), retries.toString());
  }

  private static void assertClientError(EdlinkException e) {
    assertTrue(List.of(400, 401, 403, 404).contains(e.httpStatus()), "status " + e.httpStatus());
    assertFalse(e.codes().isEmpty(), "no Edlink code in " + e.getMessage());
    assertNotNull(e.requestId(), "no $request in " + e.getMessage());
    assertTrue(e.getMessage().contains(e.code()), e.getMessage());
    assertTrue(e.getMessage().contains(e.requestId()), e.getMessage());
    assertTrue(e.getMessage().contains("/api/"), e.getMessage());
  }

  @Test
  void exhaustedAttemptsFailCleanly() {
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(tiny.id())
                .endpoint("people")
                .kind(FaultKind.SERVER_ERROR_500)
                .times(10)
                .build());
    long before = sim.requestCount(tiny.id(), "people");
    EdlinkException e =
        assertThrows(
            EdlinkException.class,
            () ->
                fastClient()
                    .maxAttempts(3)
                    .build()
                    .fetchAll(tiny.accessToken(), EntityType.PEOPLE, page -> {}));
    assertEquals(500, e.httpStatus());
    assertEquals(List.of("INTERNAL"), e.codes());
    assertNotNull(e.requestId());
    assertEquals(before + 3, sim.requestCount(tiny.id(), "people"));
    assertEquals(List.of("500", "500"), retries);
    assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
  }

  @Test
  void deadlineIsEnforced() {
    // A Retry-After longer than what is left of the deadline fails at once instead of sleeping past
    // it.
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(tiny.id())
                .endpoint("people")
                .kind(FaultKind.RATE_LIMIT)
                .retryAfterSeconds(1)
                .times(10)
                .build());
    long t0 = System.nanoTime();
    EdlinkException e =
        assertThrows(
            EdlinkException.class,
            () ->
                fastClient()
                    .deadline(Duration.ofMillis(500))
                    .build()
                    .fetchAll(tiny.accessToken(), EntityType.PEOPLE, page -> {}));
    assertTrue(e.getMessage().contains("deadline"), e.getMessage());
    assertTrue((System.nanoTime() - t0) / 1_000_000 < 900);
    sim.faults().clear();

    // A slow server is cut off at the deadline, not after the (longer) read timeout.
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(tiny.id())
                .endpoint("people")
                .kind(FaultKind.SLOW)
                .delayMillis(3000)
                .times(10)
                .build());
    t0 = System.nanoTime();
    e =
        assertThrows(
            EdlinkException.class,
            () ->
                fastClient()
                    .deadline(Duration.ofMillis(800))
                    .build()
                    .fetchAll(tiny.accessToken(), EntityType.PEOPLE, page -> {}));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 700 && ms < 2500, "took " + ms + " ms");
    assertEquals(0, e.httpStatus());
  }

  @Test
  void metaListsAndGetsIntegrationsWithTokens() throws Exception {
    EdlinkClient client = fastClient().build();
    List<Integration> listed = client.listIntegrations();
    assertEquals(sim.integrations().size(), listed.size());
    for (SimIntegration s : sim.integrations()) {
      Integration got = client.getIntegration(s.id());
      assertEquals(s.id(), got.id());
      assertEquals(s.accessToken(), got.accessToken());
      assertEquals(s.status(), got.status());
      assertTrue(listed.contains(got), got.toString());
      assertFalse(got.toString().contains(s.accessToken()));
    }
  }

  @Test
  void eventsProbeGoesNoneSomeExpired() throws Exception {
    try (EdlinkSimulator own = TestSimulator.start(7L, "sim-app-secret", DatasetSize.TINY)) {
      SimIntegration in = own.integrations().get(0);
      EdlinkClient client = EdlinkClient.builder().baseUrl(own.baseUrl()).build();

      Optional<String> newest = client.newestEventId(in.accessToken());
      assertTrue(newest.isPresent(), "a new integration starts with created events");
      assertEquals(
          new EventsProbe(EventsProbe.Kind.NONE, newest.get(), 0),
          client.eventsAfter(in.accessToken(), newest.get()));

      own.update(in.id(), RosterType.PEOPLE, 3);
      EventsProbe some = client.eventsAfter(in.accessToken(), newest.get());
      assertEquals(EventsProbe.Kind.SOME, some.kind());
      assertTrue(some.newEvents() >= 1, some.toString());
      assertNotEquals(newest.get(), some.newestEventId());
      assertEquals(client.newestEventId(in.accessToken()).orElseThrow(), some.newestEventId());

      own.advanceClock(Duration.ofDays(31));
      assertEquals(
          EventsProbe.Kind.EXPIRED, client.eventsAfter(in.accessToken(), newest.get()).kind());
      assertThrows(
          IllegalArgumentException.class, () -> client.eventsAfter(in.accessToken(), "1 OR 1=1"));
    }
  }

  @Test
  void secretsNeverReachLogsOrExceptions() throws Exception {
    PrintStream originalErr = System.err;
    PrintStream originalOut = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
    List<String> messages = new ArrayList<>();
    System.setErr(capture);
    System.setOut(capture);
    try {
      sim.faults()
          .add(
              FaultRule.builder()
                  .integration(tiny.id())
                  .endpoint("people")
                  .kind(FaultKind.SERVER_ERROR_500)
                  .times(1)
                  .build());
      sim.faults()
          .add(
              FaultRule.builder()
                  .integration(tiny.id())
                  .endpoint("people")
                  .kind(FaultKind.TRUNCATED_JSON)
                  .times(1)
                  .build());
      EdlinkClient client = fastClient().pageSize(3).build();
      fetchById(client, tiny.accessToken(), EntityType.PEOPLE);
      client.listIntegrations().forEach(i -> messages.add(i.toString()));
      sim.faults()
          .add(
              FaultRule.builder()
                  .integration(tiny.id())
                  .endpoint("people")
                  .kind(FaultKind.SERVER_ERROR_500)
                  .times(5)
                  .build());
      messages.add(
          describe(
              assertThrows(
                  EdlinkException.class,
                  () ->
                      fastClient()
                          .maxAttempts(2)
                          .build()
                          .fetchAll(tiny.accessToken(), EntityType.PEOPLE, page -> {}))));
      messages.add(
          describe(
              assertThrows(
                  EdlinkException.class,
                  () -> client.fetchAll(tiny.accessToken() + "x", EntityType.PEOPLE, page -> {}))));
      messages.add(
          describe(
              assertThrows(
                  EdlinkException.class,
                  () -> fastClient().appSecret(sim.appSecret() + "x").build().listIntegrations())));
    } finally {
      System.setErr(originalErr);
      System.setOut(originalOut);
    }
    String all = captured.toString(StandardCharsets.UTF_8) + String.join("\n", messages);
    assertTrue(all.contains("EdlinkClient"), "log capture did not work:\n" + all);
    for (SimIntegration s : sim.integrations()) {
      assertFalse(all.contains(s.accessToken()), "token leaked:\n" + all);
    }
    assertFalse(all.contains(sim.appSecret()), "app secret leaked:\n" + all);
  }

  private static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c).append('\n');
    }
    return sb.toString();
  }
}
