package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.EventsProbe;

/** The change gate's decisions with Edlink and sync_state in memory. */
class ChangeGateTest {
  private static final long NOW = 1_800_000_000_000L;
  private static final long MAX_SKIP_AGE = Duration.ofHours(24).toMillis();
  private static final String STORED = "11111111-1111-4111-8111-111111111111";
  private static final String NEWEST = "22222222-2222-4222-8222-222222222222";
  private static final String INTEGRATION = UUID.randomUUID().toString();

  /** Edlink's answers, and the calls the gate made. */
  static final class FakeEvents implements ChangeGate.Events {
    final String newest;
    final EventsProbe.Kind after;
    final List<String> calls = new ArrayList<>();

    FakeEvents(String newest, EventsProbe.Kind after) {
      this.newest = newest;
      this.after = after;
    }

    @Override
    public Optional<String> newestEventId() {
      calls.add("newest");
      return Optional.ofNullable(newest);
    }

    @Override
    public EventsProbe eventsAfter(String eventId) {
      calls.add("after " + eventId);
      return switch (after) {
        case NONE -> new EventsProbe(EventsProbe.Kind.NONE, eventId, 0);
        case SOME -> new EventsProbe(EventsProbe.Kind.SOME, newest, 3);
        case EXPIRED -> new EventsProbe(EventsProbe.Kind.EXPIRED, null, 0);
      };
    }
  }

  private static Optional<ChangeGate.StoredState> stored(String eventId, long ageMillis) {
    return Optional.of(new ChangeGate.StoredState(eventId, new Timestamp(NOW - ageMillis)));
  }

  private static ChangeGate.Decision auto(Optional<ChangeGate.StoredState> state, FakeEvents events)
      throws Exception {
    return ChangeGate.decide(SyncJob.Mode.AUTO, state, events, NOW, MAX_SKIP_AGE);
  }

  @Test
  void fullModeIsAlwaysAFullSyncWithoutReadingTheState() throws Exception {
    FakeEvents events = new FakeEvents(NEWEST, EventsProbe.Kind.NONE);
    SyncJob job =
        new SyncJob(
            "run-1", INTEGRATION, List.of(EntityType.PEOPLE), SyncJob.Mode.FULL, null, false, NOW);
    ChangeGate.Decision d =
        ChangeGate.decide(
            job,
            id -> {
              throw new AssertionError("full mode must not read sync_state");
            },
            events,
            NOW,
            MAX_SKIP_AGE);
    assertThat(d.fullSync(), is(true));
    assertThat(d.reason(), equalTo("full sync requested"));
    assertThat(d.newestEventId(), equalTo(NEWEST));
    assertThat(events.calls, equalTo(List.of("newest")));
  }

  @Test
  void autoModeReadsTheStateOfItsIntegration() throws Exception {
    FakeEvents events = new FakeEvents(NEWEST, EventsProbe.Kind.NONE);
    SyncJob job =
        new SyncJob(
            "run-1", INTEGRATION, List.of(EntityType.PEOPLE), SyncJob.Mode.AUTO, null, false, NOW);
    List<String> read = new ArrayList<>();
    ChangeGate.Decision d =
        ChangeGate.decide(
            job,
            id -> {
              read.add(id);
              return stored(STORED, 1_000);
            },
            events,
            NOW,
            MAX_SKIP_AGE);
    assertThat(read, equalTo(List.of(INTEGRATION)));
    assertThat(d.fullSync(), is(false));
  }

  @Test
  void noStoredStateIsAFirstSync() throws Exception {
    FakeEvents events = new FakeEvents(NEWEST, EventsProbe.Kind.NONE);
    ChangeGate.Decision d = auto(Optional.empty(), events);
    assertThat(d.fullSync(), is(true));
    assertThat(d.reason(), equalTo("no stored event id (first sync)"));
    assertThat(d.newestEventId(), equalTo(NEWEST));
    assertThat(events.calls, equalTo(List.of("newest")));
  }

  @Test
  void aStateRowWithoutAnEventIdIsAFirstSync() throws Exception {
    ChangeGate.Decision d =
        auto(
            Optional.of(new ChangeGate.StoredState(null, new Timestamp(NOW))),
            new FakeEvents(NEWEST, EventsProbe.Kind.NONE));
    assertThat(d.fullSync(), is(true));
    assertThat(d.reason(), equalTo("no stored event id (first sync)"));
  }

  @Test
  void aFullSyncOlderThanMaxSkipAgeForcesAFullSyncEvenWithoutEvents() throws Exception {
    FakeEvents events = new FakeEvents(NEWEST, EventsProbe.Kind.NONE);
    ChangeGate.Decision d = auto(stored(STORED, MAX_SKIP_AGE + 1), events);
    assertThat(d.fullSync(), is(true));
    assertThat(d.reason(), equalTo("last full sync older than maxSkipAge"));
    assertThat("no events probe needed", events.calls, equalTo(List.of("newest")));
  }

  @Test
  void aFullSyncExactlyMaxSkipAgeOldMaySkip() throws Exception {
    ChangeGate.Decision d =
        auto(stored(STORED, MAX_SKIP_AGE), new FakeEvents(NEWEST, EventsProbe.Kind.NONE));
    assertThat(d.fullSync(), is(false));
  }

  @Test
  void noRecordedFullSyncTimeForcesAFullSync() throws Exception {
    ChangeGate.Decision d =
        auto(
            Optional.of(new ChangeGate.StoredState(STORED, null)),
            new FakeEvents(NEWEST, EventsProbe.Kind.NONE));
    assertThat(d.fullSync(), is(true));
    assertThat(d.reason(), equalTo("last full sync older than maxSkipAge"));
  }

  @Test
  void noEventsSentinelWithStillNoEventsSkips() throws Exception {
    FakeEvents events = new FakeEvents(null, EventsProbe.Kind.NONE);
    ChangeGate.Decision d = auto(stored(ChangeGate.NO_EVENTS, 1_000), events);
    assertThat(d.fullSync(), is(false));
    assertThat(d.reason(), equalTo("still no events since the last full sync"));
    assertThat(d.newestEventId(), nullValue());
    assertThat(
        "one Edlink call, never $after the sentinel", events.calls, equalTo(List.of("newest")));
  }

  @Test
  void noEventsSentinelWithNewEventsIsAFullSync() throws Exception {
    FakeEvents events = new FakeEvents(NEWEST, EventsProbe.Kind.NONE);
    ChangeGate.Decision d = auto(stored(ChangeGate.NO_EVENTS, 1_000), events);
    assertThat(d.fullSync(), is(true));
    assertThat(d.reason(), equalTo("new events after a quiet period"));
    assertThat(d.newestEventId(), equalTo(NEWEST));
  }

  @Test
  void noEventsAfterTheStoredIdSkipsWithOneCall() throws Exception {
    FakeEvents events = new FakeEvents(NEWEST, EventsProbe.Kind.NONE);
    ChangeGate.Decision d = auto(stored(STORED, 1_000), events);
    assertThat(d.fullSync(), is(false));
    assertThat(d.reason(), equalTo("no events after " + STORED));
    assertThat(events.calls, equalTo(List.of("after " + STORED)));
  }

  @Test
  void anExpiredStoredIdIsAFullSync() throws Exception {
    FakeEvents events = new FakeEvents(NEWEST, EventsProbe.Kind.EXPIRED);
    ChangeGate.Decision d = auto(stored(STORED, 1_000), events);
    assertThat(d.fullSync(), is(true));
    assertThat(d.reason(), containsString("expired"));
    assertThat(d.newestEventId(), equalTo(NEWEST));
    assertThat(events.calls, equalTo(List.of("after " + STORED, "newest")));
  }

  @Test
  void eventsAfterTheStoredIdAreAFullSync() throws Exception {
    FakeEvents events = new FakeEvents(NEWEST, EventsProbe.Kind.SOME);
    ChangeGate.Decision d = auto(stored(STORED, 1_000), events);
    assertThat(d.fullSync(), is(true));
    assertThat(d.reason(), equalTo("new events after " + STORED));
    assertThat(d.newestEventId(), equalTo(NEWEST));
  }

  @Test
  void aFullSyncRecordsTheNewestIdOrTheSentinelWhenEdlinkHasNone() throws Exception {
    FakeEvents none = new FakeEvents(null, EventsProbe.Kind.NONE);
    ChangeGate.Decision first = auto(Optional.empty(), none);
    assertThat(first.fullSync(), is(true));
    assertThat(first.newestEventId(), equalTo(ChangeGate.NO_EVENTS));
    assertThat(ChangeGate.NO_EVENTS, equalTo(PlanRuns.NO_EVENTS));

    ChangeGate.Decision full =
        ChangeGate.decide(SyncJob.Mode.FULL, Optional.empty(), none, NOW, MAX_SKIP_AGE);
    assertThat(full.newestEventId(), equalTo(ChangeGate.NO_EVENTS));
  }

  @Test
  void aSkipAsksEdlinkNothingMoreAndCarriesNoEventId() throws Exception {
    FakeEvents events = new FakeEvents(NEWEST, EventsProbe.Kind.NONE);
    ChangeGate.Decision d = auto(stored(STORED, MAX_SKIP_AGE / 2), events);
    assertThat(d.newestEventId(), nullValue());
    assertThat(events.calls.stream().filter("newest"::equals).toList(), empty());
  }
}
