package org.rostersync.transforms;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.rostersync.edlink.EdlinkClient;
import org.rostersync.edlink.EdlinkException;
import org.rostersync.edlink.EventsProbe;
import org.rostersync.edlink.Integration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first Edlink answers of a batch run, asked for while the DirectRunner builds and sets up the
 * pipeline (about a second on two cores): the listing of integrations (or the lookup of the ones
 * named) and the change gate's questions for the first {@link #MAX_INTEGRATIONS}. {@link
 * ExpandJobs} and {@link PlanRuns} take each answer once instead of waiting out Edlink's latency on
 * the way to the first fetch, and ask themselves any question not answered ahead, answered with an
 * error, or asked more than {@link #FRESH_MILLIS} ago.
 *
 * <p>Safe because every answer is asked for before the run takes its lease and fetches: a newest
 * event id asked earlier is older, so the next run sees more events, never fewer; "no events after
 * the stored id" is used only for the stored id the run itself reads under its lease. Only in the
 * JVM that asked: on Dataflow {@code main} runs on the launcher and nothing is asked ahead.
 */
public final class AskedAhead {
  private static final Logger LOG = LoggerFactory.getLogger(AskedAhead.class);

  /** An answer older than this is asked again (a skip decided on it would be that much older). */
  static final long FRESH_MILLIS = 60_000L;

  /**
   * Integrations whose gate questions are asked ahead: the runner's first eight rounds of planning
   * (16 at once); a fleet larger than that asks the rest itself, as it plans them.
   */
  static final int MAX_INTEGRATIONS = 128;

  /** Questions in flight at once, as many as the runner's planning threads ask. */
  static final int IN_FLIGHT = 16;

  private static final Map<String, Session> SESSIONS = new ConcurrentHashMap<>();

  private AskedAhead() {}

  /** One batch run's answers, for one Edlink base URL. */
  private static final class Session {
    final CompletableFuture<Answer<List<Integration>>> listing = new CompletableFuture<>();
    final AtomicBoolean listingTaken = new AtomicBoolean();
    final Map<String, GateAnswers> gates = new ConcurrentHashMap<>();
  }

  private record Answer<T>(T value, long askedAt) {}

  private static boolean fresh(long askedAt, long nowMillis) {
    return nowMillis - askedAt < FRESH_MILLIS;
  }

  private static final int QUEUED = 0;
  private static final int ASKING = 1;
  private static final int TAKEN_BEFORE_ASKED = 2;

  /**
   * The gate's answers for one integration, recorded as the gate asks them ahead; each question's
   * answer is asked once.
   */
  static final class GateAnswers implements ChangeGate.Events {
    private final AtomicInteger state = new AtomicInteger(QUEUED);
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile ChangeGate.Events asked;
    private volatile long askedAt;
    private volatile Optional<String> newest;
    private final Map<String, EventsProbe> after = new ConcurrentHashMap<>();

    @Override
    public Optional<String> newestEventId() throws EdlinkException {
      if (newest == null) {
        newest = asked.newestEventId();
      }
      return newest;
    }

    @Override
    public EventsProbe eventsAfter(String eventId) throws EdlinkException {
      EventsProbe probe = after.get(eventId);
      if (probe == null) {
        probe = asked.eventsAfter(eventId);
        after.put(eventId, probe);
      }
      return probe;
    }
  }

  /**
   * Starts asking, on threads of its own, what {@code requests} will ask first, and returns at
   * once. The future completes when every question was answered or failed; a failure is left to the
   * steps, which ask again.
   */
  public static CompletableFuture<Void> start(
      EdlinkConfig edlink, JdbcConfig jdbc, List<JobRequest> requests, long maxSkipAgeMillis) {
    return start(
        edlink,
        new ChangeGate.JdbcStateStore(jdbc),
        ChangeGate.Events::of,
        requests,
        maxSkipAgeMillis);
  }

  /** With {@code sync_state} and Edlink's events given (tests). */
  static CompletableFuture<Void> start(
      EdlinkConfig edlink,
      ChangeGate.StateStore store,
      ChangeGate.Events.Source events,
      List<JobRequest> requests,
      long maxSkipAgeMillis) {
    Session session = new Session();
    Optional<JobRequest> all = requests.stream().filter(JobRequest::all).findFirst();
    Map<String, SyncJob.Mode> named = new LinkedHashMap<>();
    if (all.isEmpty()) {
      session.listing.complete(null);
      for (JobRequest r : requests) {
        if (named.size() < MAX_INTEGRATIONS) {
          named.put(r.integrationId(), r.mode());
          session.gates.put(r.integrationId(), new GateAnswers());
        }
      }
    }
    SESSIONS.put(edlink.baseUrl(), session);
    CompletableFuture<Void> asked = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                ask(session, edlink, store, events, all, named, maxSkipAgeMillis).join();
              } catch (RuntimeException e) {
                LOG.info("asking ahead stopped: {}", describe(e));
              } finally {
                asked.complete(null);
              }
            },
            "roster-sync-asked-ahead");
    thread.setDaemon(true);
    thread.start();
    return asked;
  }

  /** Asks; the future completes when the last question was answered. */
  private static CompletableFuture<Void> ask(
      Session session,
      EdlinkConfig edlink,
      ChangeGate.StateStore store,
      ChangeGate.Events.Source events,
      Optional<JobRequest> all,
      Map<String, SyncJob.Mode> named,
      long maxSkipAgeMillis) {
    EdlinkClient client;
    try {
      client = edlink.newClient((attempt, reason) -> {});
    } catch (RuntimeException e) {
      session.listing.completeExceptionally(e);
      LOG.info("nothing asked ahead: {}", describe(e));
      return DONE;
    }
    Map<String, SyncJob.Mode> planned = named;
    if (all.isPresent()) {
      planned = new LinkedHashMap<>();
      try {
        long askedAt = System.currentTimeMillis();
        List<Integration> integrations = client.listIntegrations();
        IntegrationTokens.remember(edlink.baseUrl(), integrations);
        // The runner plans the first of every bucket first: the first integrations listed.
        for (Integration i : integrations) {
          if (i.isActive() && Ids.isUuid(i.id()) && planned.size() < MAX_INTEGRATIONS) {
            planned.put(i.id(), all.get().mode());
            session.gates.put(i.id(), new GateAnswers());
          }
        }
        session.listing.complete(new Answer<>(integrations, askedAt));
      } catch (EdlinkException | RuntimeException e) {
        session.listing.completeExceptionally(e);
        LOG.info("integrations not listed ahead (the run lists them itself): {}", describe(e));
        return DONE;
      }
    }
    if (planned.isEmpty()) {
      return DONE;
    }
    try {
      store.setup();
    } catch (RuntimeException e) {
      LOG.info("no gate question asked ahead: {}", describe(e));
      return DONE;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(IN_FLIGHT, planned.size()),
            r -> {
              Thread t = new Thread(r, "roster-sync-asked-ahead-gate");
              t.setDaemon(true);
              return t;
            });
    List<CompletableFuture<Void>> asking = new ArrayList<>();
    planned.forEach(
        (id, mode) -> {
          GateAnswers answers = session.gates.get(id);
          asking.add(
              CompletableFuture.runAsync(
                  () ->
                      askGate(
                          answers,
                          id,
                          mode,
                          edlink.baseUrl(),
                          client,
                          store,
                          events,
                          maxSkipAgeMillis),
                  pool));
        });
    pool.shutdown();
    return CompletableFuture.allOf(asking.toArray(CompletableFuture[]::new));
  }

  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  /** Runs the gate's decision ahead, recording Edlink's answers; the decision is thrown away. */
  private static void askGate(
      GateAnswers answers,
      String integrationId,
      SyncJob.Mode mode,
      String baseUrl,
      EdlinkClient client,
      ChangeGate.StateStore store,
      ChangeGate.Events.Source events,
      long maxSkipAgeMillis) {
    if (!answers.state.compareAndSet(QUEUED, ASKING)) {
      return; // the run planned it first and asked itself
    }
    try {
      answers.askedAt = System.currentTimeMillis();
      Integration integration = IntegrationTokens.get(client, baseUrl, integrationId);
      answers.asked = events.open(client, integration.accessToken());
      ChangeGate.decide(
          mode, integrationId, store, answers, System.currentTimeMillis(), maxSkipAgeMillis);
      answers.done.complete(null);
    } catch (EdlinkException | SQLException | RuntimeException e) {
      answers.done.completeExceptionally(e);
    }
  }

  private static String describe(Exception e) {
    return e instanceof EdlinkException ee ? ee.describe() : e.getClass().getSimpleName();
  }

  /**
   * The listing asked ahead for {@code baseUrl}, once: empty when none was asked, it failed or is
   * stale, or it was taken before.
   */
  static Optional<List<Integration>> listing(String baseUrl) {
    return listing(baseUrl, System.currentTimeMillis());
  }

  static Optional<List<Integration>> listing(String baseUrl, long nowMillis) {
    Session session = SESSIONS.get(baseUrl);
    if (session == null || !session.listingTaken.compareAndSet(false, true)) {
      return Optional.empty();
    }
    Answer<List<Integration>> answer = await(session.listing);
    return answer != null && fresh(answer.askedAt(), nowMillis)
        ? Optional.of(answer.value())
        : Optional.empty();
  }

  /**
   * The gate's questions for {@code integrationId}, answered from what was asked ahead where the
   * same question was asked and is fresh, else by {@code asked}. Taken once: a second call (a
   * retried plan) asks Edlink itself.
   */
  static ChangeGate.Events gate(String baseUrl, String integrationId, ChangeGate.Events asked) {
    return gate(baseUrl, integrationId, asked, System.currentTimeMillis());
  }

  static ChangeGate.Events gate(
      String baseUrl, String integrationId, ChangeGate.Events asked, long nowMillis) {
    Session session = SESSIONS.get(baseUrl);
    GateAnswers answers = session == null ? null : session.gates.remove(integrationId);
    if (answers == null || answers.state.compareAndSet(QUEUED, TAKEN_BEFORE_ASKED)) {
      return asked;
    }
    try {
      answers.done.get(); // being asked: one round trip away at most, as if asked now
    } catch (ExecutionException e) {
      return asked;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return asked;
    }
    if (!fresh(answers.askedAt, nowMillis)) {
      return asked;
    }
    return new ChangeGate.Events() {
      @Override
      public Optional<String> newestEventId() throws EdlinkException {
        Optional<String> newest = answers.newest;
        return newest != null ? newest : asked.newestEventId();
      }

      @Override
      public EventsProbe eventsAfter(String eventId) throws EdlinkException {
        EventsProbe probe = answers.after.get(eventId);
        return probe != null ? probe : asked.eventsAfter(eventId);
      }
    };
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Forgets every session (tests). */
  static void clear() {
    SESSIONS.clear();
  }
}
