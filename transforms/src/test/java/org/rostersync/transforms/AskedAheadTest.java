package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EdlinkException;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.EventsProbe;
import org.rostersync.edlink.Integration;
import org.rostersync.sandbox.simulator.DatasetSize;
import org.rostersync.sandbox.simulator.EdlinkSimulator;
import org.rostersync.testing.TestSimulator;

/**
 * The listing and the change gate's questions asked while the runner sets up: each answer is used
 * once and for the same question only; anything not answered ahead, failed or stale is asked by the
 * step itself.
 */
class AskedAheadTest {
  private static final long DAY = 24 * 3600_000L;
  private static EdlinkSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    sim =
        TestSimulator.start(
            17L, "ahead-secret", DatasetSize.TINY, DatasetSize.TINY, DatasetSize.TINY);
  }

  @AfterEach
  void forget() {
    CountedEvents.release.countDown(); // a failed test must not leave the asking threads held
    CountedEvents.release = new CountDownLatch(0);
    CountedEvents.failing = false;
    AskedAhead.clear();
    IntegrationTokens.clear();
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static EdlinkConfig edlink() {
    return EdlinkConfig.of(sim.baseUrl(), SecretRef.plain(sim.appSecret()));
  }

  private static EdlinkClient client() {
    return EdlinkClient.builder().baseUrl(sim.baseUrl()).appSecret(sim.appSecret()).build();
  }

  private static String token(String integrationId) {
    return sim.integration(integrationId).accessToken();
  }

  private static long eventCalls() {
    long n = 0;
    for (var i : sim.integrations()) {
      n += sim.requestCount(i.id(), "events");
    }
    return n;
  }

  /** Asks ahead and waits until every question was answered. */
  private static void askAhead(
      ChangeGate.StateStore store, ChangeGate.Events.Source events, JobRequest... requests)
      throws Exception {
    AskedAhead.start(edlink(), store, events, List.of(requests), DAY).get(30, TimeUnit.SECONDS);
  }

  /** The gate's questions as PlanRuns asks them, with Edlink behind. */
  private static ChangeGate.Events gate(String integrationId) {
    return AskedAhead.gate(
        sim.baseUrl(), integrationId, ChangeGate.Events.of(client(), token(integrationId)));
  }

  /** sync_state holding {@code storedId} for the integration, from a full sync just now. */
  private static MemoryState stored(String integrationId, String storedId) {
    MemoryState state = new MemoryState();
    state.rows.put(
        integrationId,
        new ChangeGate.StoredState(storedId, new Timestamp(System.currentTimeMillis())));
    return state;
  }

  /** sync_state in memory. */
  static final class MemoryState implements ChangeGate.StateStore {
    final Map<String, ChangeGate.StoredState> rows = new ConcurrentHashMap<>();

    @Override
    public Optional<ChangeGate.StoredState> read(String integrationId) {
      return Optional.ofNullable(rows.get(integrationId));
    }
  }

  @Test
  void theListingAndTheNewestEventIdsAreAskedOnceAndTakenOnce() throws Exception {
    long eventsBefore = eventCalls();
    askAhead(new MemoryState(), ChangeGate.Events::of, JobRequest.forAll(SyncJob.Mode.FULL));
    long listings = sim.requestCount(null, "integrations");
    long events = eventCalls();
    int fleet = sim.integrations().size();
    assertThat("one newest-event call per integration", events - eventsBefore, is((long) fleet));

    List<Integration> listed = AskedAhead.listing(sim.baseUrl()).orElseThrow();
    assertThat(listed.size(), is(fleet));
    assertThat("taken once", AskedAhead.listing(sim.baseUrl()).isPresent(), is(false));

    EdlinkClient client = client();
    for (var i : sim.integrations()) {
      ChangeGate.Events asked = ChangeGate.Events.of(client, token(i.id()));
      ChangeGate.Events gate = AskedAhead.gate(sim.baseUrl(), i.id(), asked);
      assertThat(gate.newestEventId(), equalTo(Optional.ofNullable(sim.newestEventId(i.id()))));
    }
    assertThat("nothing asked again", sim.requestCount(null, "integrations"), is(listings));
    assertThat("nothing asked again", eventCalls(), is(events));

    String first = sim.integrations().get(0).id();
    ChangeGate.Events again =
        AskedAhead.gate(sim.baseUrl(), first, ChangeGate.Events.of(client, token(first)));
    again.newestEventId();
    assertThat("a second plan of the same integration asks itself", eventCalls(), is(events + 1));
  }

  @Test
  void anEventAfterTheAnswerIsNotHiddenTheRunStoresTheOlderId() throws Exception {
    String id = sim.integrations().get(1).id();
    askAhead(
        new MemoryState(), ChangeGate.Events::of, JobRequest.forIntegration(id, SyncJob.Mode.FULL));
    String askedAhead = sim.newestEventId(id);
    sim.update(id, TestSimulator.type(EntityType.PEOPLE), 2);
    String now = sim.newestEventId(id);
    assertThat("the update made a newer event", now.equals(askedAhead), is(false));

    ChangeGate.Decision d =
        ChangeGate.decide(
            SyncJob.Mode.FULL, Optional.empty(), gate(id), System.currentTimeMillis(), DAY);
    assertThat(
        "the id asked before the fetch is stored, so the next run sees the update",
        d.newestEventId(),
        equalTo(askedAhead));
    EventsProbe next = client().eventsAfter(token(id), d.newestEventId());
    assertThat(next.kind(), is(EventsProbe.Kind.SOME));
  }

  @Test
  void eventsAfterAnotherStoredIdAreAskedAgain() throws Exception {
    String id = sim.integrations().get(2).id();
    askAhead(
        stored(id, sim.newestEventId(id)),
        ChangeGate.Events::of,
        JobRequest.forIntegration(id, SyncJob.Mode.AUTO));
    long events = eventCalls();

    // Under its lease the run reads another stored id (a run elsewhere stored it meanwhile).
    sim.update(id, TestSimulator.type(EntityType.PEOPLE), 1);
    String storedSince = sim.newestEventId(id);
    ChangeGate.Decision d =
        ChangeGate.decide(
            SyncJob.Mode.AUTO,
            stored(id, storedSince).read(id),
            gate(id),
            System.currentTimeMillis(),
            DAY);
    assertThat("asked about the id the run read", eventCalls(), is(events + 1));
    assertThat(d.fullSync(), is(false));
    assertThat(d.reason(), equalTo("no events after " + storedSince));
  }

  @Test
  void theSameStoredIdIsAnsweredFromAhead() throws Exception {
    String id = sim.integrations().get(0).id();
    String storedId = sim.newestEventId(id);
    MemoryState state = stored(id, storedId);
    askAhead(state, ChangeGate.Events::of, JobRequest.forIntegration(id, SyncJob.Mode.AUTO));
    long events = eventCalls();
    ChangeGate.Decision d =
        ChangeGate.decide(
            SyncJob.Mode.AUTO, state.read(id), gate(id), System.currentTimeMillis(), DAY);
    assertThat(d.reason(), equalTo("no events after " + storedId));
    assertThat("answered from ahead", eventCalls(), is(events));
  }

  /** Counts the questions asked through it; fails them while {@code failing}. */
  static final class CountedEvents implements ChangeGate.Events.Source {
    static final AtomicInteger OPENED = new AtomicInteger();
    static final List<String> TOKENS = new java.util.concurrent.CopyOnWriteArrayList<>();
    static volatile CountDownLatch release = new CountDownLatch(0);
    static volatile boolean failing;

    @Override
    public ChangeGate.Events open(EdlinkClient client, String accessToken) {
      OPENED.incrementAndGet();
      TOKENS.add(accessToken);
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ChangeGate.Events real = ChangeGate.Events.of(client, accessToken);
      return new ChangeGate.Events() {
        @Override
        public Optional<String> newestEventId() throws EdlinkException {
          if (failing) {
            throw new EdlinkException("refused in the test", 503, List.of(), null, null);
          }
          return real.newestEventId();
        }

        @Override
        public EventsProbe eventsAfter(String eventId) throws EdlinkException {
          return real.eventsAfter(eventId);
        }
      };
    }
  }

  @Test
  void aFailedAnswerIsAskedByTheRun() throws Exception {
    String id = sim.integrations().get(0).id();
    CountedEvents.failing = true;
    try {
      askAhead(
          new MemoryState(), new CountedEvents(), JobRequest.forIntegration(id, SyncJob.Mode.FULL));
    } finally {
      CountedEvents.failing = false;
    }
    long events = eventCalls();
    ChangeGate.Events gate = gate(id);
    assertThat(gate.newestEventId(), equalTo(Optional.ofNullable(sim.newestEventId(id))));
    assertThat("the run asked itself", eventCalls(), is(events + 1));
  }

  @Test
  void anIntegrationPlannedBeforeItsQuestionIsAskedIsNeverAskedAhead() throws Exception {
    // One more integration than questions in flight: with every thread held, the last waits.
    List<String> ids = new ArrayList<>();
    for (var i : sim.integrations()) {
      ids.add(i.id());
    }
    while (ids.size() <= AskedAhead.IN_FLIGHT) {
      ids.add(sim.addIntegration(DatasetSize.TINY).id());
    }
    List<JobRequest> requests = new ArrayList<>();
    ids.forEach(id -> requests.add(JobRequest.forIntegration(id, SyncJob.Mode.FULL)));
    CountedEvents.OPENED.set(0);
    CountedEvents.TOKENS.clear();
    CountDownLatch release = new CountDownLatch(1);
    CountedEvents.release = release;
    var asked = AskedAhead.start(edlink(), new MemoryState(), new CountedEvents(), requests, DAY);
    long deadline = System.currentTimeMillis() + 30_000;
    while (CountedEvents.OPENED.get() < AskedAhead.IN_FLIGHT
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(CountedEvents.OPENED.get(), is(AskedAhead.IN_FLIGHT));
    String last = ids.get(ids.size() - 1);
    ChangeGate.Events gate = gate(last);
    assertThat(gate.newestEventId(), equalTo(Optional.ofNullable(sim.newestEventId(last))));
    release.countDown();
    CountedEvents.release = new CountDownLatch(0);
    asked.get(30, TimeUnit.SECONDS);
    assertThat("the held questions were asked", CountedEvents.OPENED.get(), is(ids.size() - 1));
    assertThat(
        "the one the run took first was not",
        CountedEvents.TOKENS.contains(token(last)),
        is(false));
  }

  @Test
  void withNothingAskedAheadTheStepsAskThemselves() throws Exception {
    assertThat(AskedAhead.listing(sim.baseUrl()).isPresent(), is(false));
    String id = sim.integrations().get(0).id();
    ChangeGate.Events asked = ChangeGate.Events.of(client(), token(id));
    assertThat(AskedAhead.gate(sim.baseUrl(), id, asked), is(asked));
  }

  @Test
  void anAnswerOlderThanAMinuteIsAskedAgain() throws Exception {
    String id = sim.integrations().get(1).id();
    askAhead(new MemoryState(), ChangeGate.Events::of, JobRequest.forAll(SyncJob.Mode.FULL));
    long later = System.currentTimeMillis() + AskedAhead.FRESH_MILLIS;
    assertThat(AskedAhead.listing(sim.baseUrl(), later).isPresent(), is(false));
    ChangeGate.Events asked = ChangeGate.Events.of(client(), token(id));
    assertThat(AskedAhead.gate(sim.baseUrl(), id, asked, later), is(asked));
  }
}
