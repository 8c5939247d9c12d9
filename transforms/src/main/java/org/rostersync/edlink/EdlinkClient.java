package org.rostersync.edlink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A resilient client for the Edlink Graph v2 and Meta v1 APIs. Knows nothing of Beam. Thread-safe;
 * one instance per worker is enough.
 *
 * <p>Every GET is retried on 429 (waiting at least {@code Retry-After}), 500/502/503/504, I/O
 * errors (resets, timeouts, bodies cut short) and bodies that fail to parse, with exponential
 * backoff and full jitter, at most {@code maxAttempts} times and never past the per-call {@code
 * deadline}. Other statuses (400/401/403/404...) fail at once with an {@link EdlinkException}. A
 * page is handed on only after it parsed completely, so a retried page can never deliver a record
 * twice. Tokens and the app secret never appear in logs or exception messages.
 */
public final class EdlinkClient implements AutoCloseable {
  public static final String DEFAULT_BASE_URL = "https://ed.link";
  public static final int MAX_PAGE_SIZE = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(EdlinkClient.class);
  private static final TypeAdapter<JsonElement> JSON = new Gson().getAdapter(JsonElement.class);
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  /**
   * Events fetched by {@link #eventsAfter}; enough to count a typical hour exactly without a second
   * call.
   */
  private static final int EVENTS_PROBE_PAGE = 100;

  private final String baseUrl;
  private final URI baseUri;
  private final String appSecret;
  private final int pageSize;
  private final boolean fromBothEnds;
  private final PageBudget pageBudget;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration deadline;
  private final Duration readTimeout;
  private final RetryListener retryListener;
  private final HttpClient http;

  private EdlinkClient(Builder b) {
    this.baseUrl =
        b.baseUrl.endsWith("/") ? b.baseUrl.substring(0, b.baseUrl.length() - 1) : b.baseUrl;
    this.baseUri = URI.create(baseUrl);
    this.appSecret = b.appSecret;
    this.pageSize = b.pageSize;
    this.fromBothEnds = b.fromBothEnds;
    this.pageBudget = b.pageBudget;
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.deadline = b.deadline;
    this.readTimeout = b.readTimeout;
    this.retryListener = b.retryListener;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(b.connectTimeout)
            // A redirect could carry the bearer token elsewhere; Edlink does not redirect API
            // calls.
            .followRedirects(HttpClient.Redirect.NEVER)
            // One request per connection stream keeps drop/timeout semantics simple and
            // predictable.
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Meta v1: every integration of the application (all pages), with tokens. Needs the app secret.
   */
  public List<Integration> listIntegrations() throws EdlinkException {
    Call call = new Call(requireAppSecret());
    List<Integration> out = new ArrayList<>();
    URI next = URI.create(baseUrl + "/api/v1/integrations");
    while (next != null) {
      Envelope<List<JsonObject>> page = get(next, call, EdlinkClient::readObjects);
      for (JsonObject item : page.data()) {
        out.add(toIntegration(item));
      }
      next = nextPage(page, next);
    }
    return out;
  }

  /** Meta v1: one integration by id, with its token. Needs the app secret. */
  public Integration getIntegration(String integrationId) throws EdlinkException {
    requireUuid(integrationId, "integrationId");
    Call call = new Call(requireAppSecret());
    Envelope<JsonElement> env =
        get(URI.create(baseUrl + "/api/v1/integrations/" + integrationId), call, JSON::read);
    if (!env.data().isJsonObject()) {
      throw new EdlinkException(
          "GET /api/v1/integrations/" + integrationId + ": $data is not an object",
          200,
          List.of(),
          env.requestId(),
          null);
    }
    return toIntegration(env.data().getAsJsonObject());
  }

  /**
   * Pages {@code /api/v2/graph/<type>} with {@code $first=pageSize}, following {@code $next} until
   * it is absent, null or empty, and hands each complete page to {@code handler} exactly once, in
   * order. Empty pages are counted but not handed on. The deadline covers all pages, including the
   * time spent in {@code handler}. The next page is asked for while {@code handler} works on the
   * current one (a cursor-paged API otherwise adds the handler's time to every round trip), so at
   * most two pages are held at once. A handler that throws {@link StopPaging} ends the fetch: the
   * page already asked for is dropped, and no further page is requested.
   *
   * <p>With {@link Builder#fromBothEnds}, a type of more than one page is also paged backward from
   * its end ({@code $last}, {@code $before}) while it is paged forward, until the two meet: half
   * the round trips in a row. Pages then reach the handler in no set order, one at a time, and a
   * record in both directions' pages is handed on once.
   */
  public FetchStats fetchAll(String accessToken, EntityType type, PageHandler handler)
      throws EdlinkException {
    return page(accessToken, type, null, handler, null);
  }

  /**
   * Like {@link #fetchAll}, but starts at {@code resumeFrom} (a {@link FetchStats#resumeFrom()} of
   * an earlier call; null for the first page) and pauses after any page for which {@code pause}
   * answers true: the result then says where to resume. A paused fetch can go on in another process
   * (the cursor is a URL of the configured origin, checked again on resume; it holds no token).
   * Pages are asked for one at a time, after the handler: a page asked for ahead would be thrown
   * away at every pause.
   */
  public FetchStats fetchPages(
      String accessToken,
      EntityType type,
      String resumeFrom,
      PageHandler handler,
      java.util.function.BooleanSupplier pause)
      throws EdlinkException {
    Objects.requireNonNull(pause, "pause");
    return page(accessToken, type, resumeFrom, handler, pause);
  }

  /** With a null {@code pause}: never pauses, and asks for each next page ahead of the handler. */
  private FetchStats page(
      String accessToken,
      EntityType type,
      String resumeFrom,
      PageHandler handler,
      java.util.function.BooleanSupplier pause)
      throws EdlinkException {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(handler, "handler");
    Call call = new Call(requireToken(accessToken));
    boolean bothEnds = fromBothEnds && pause == null && resumeFrom == null;
    URI next =
        resumeFrom == null
            ? graph(type.path(), "$first=" + pageSize)
            : checkedNext(resumeFrom, "resuming " + type.path(), null);
    long records = 0;
    int pages = 0;
    FromTheEnd fromEnd = null;
    Envelope<Page> page = getPage(next, call);
    try {
      while (true) {
        pages++;
        URI following;
        EdlinkException badNext = null;
        try {
          following = nextPage(page, next);
        } catch (EdlinkException e) {
          // This page is good; the fetch fails after handing it on, as without a page ahead.
          following = null;
          badNext = e;
        }
        if (bothEnds && fromEnd == null && following != null) {
          fromEnd = new FromTheEnd(type, call, handler);
          fromEnd.start();
        }
        Future<Envelope<Page>> ahead =
            pause == null && following != null ? askAhead(following, call) : null;
        boolean goOn = true;
        try {
          if (fromEnd != null || !page.data().isEmpty()) {
            if (fromEnd != null) {
              goOn = fromEnd.forward(page.data(), following == null);
            } else {
              records += page.data().size();
              handler.onPage(page.data());
            }
          }
        } catch (StopPaging stop) {
          drop(ahead);
          break;
        } catch (EdlinkException | RuntimeException | Error e) {
          drop(ahead);
          throw e;
        } finally {
          page.data().release();
        }
        if (badNext != null) {
          drop(ahead);
          throw badNext;
        }
        if (!goOn || following == null) {
          drop(ahead);
          break;
        }
        if (pause != null && pause.getAsBoolean()) {
          return call.stats(records, pages, following.toString(), 0);
        }
        page = null; // handled: not kept while the next one comes
        if (fromEnd != null && !fromEnd.awaiting(ahead)) {
          break; // the pages from the end met the forward ones meanwhile
        }
        try {
          page = ahead != null ? await(ahead, following) : getPage(following, call);
        } catch (EdlinkException | CancellationException e) {
          if (fromEnd != null && fromEnd.isDone()) {
            // Dropped when the directions met: every record was handed on without this page.
            break;
          }
          throw e;
        }
        next = following;
      }
    } finally {
      if (fromEnd != null) {
        fromEnd.stop();
      }
    }
    if (fromEnd == null) {
      return call.stats(records, pages, null, 0);
    }
    fromEnd.rethrow();
    // Pages from either end that arrived after the two met are not counted: they were dropped.
    return call.stats(fromEnd.records, fromEnd.forwardPages + fromEnd.pages, null, fromEnd.pages);
  }

  /**
   * The backward half of a type paged from both ends: from the last page ({@code $last}) down
   * ({@code $before} the oldest record of the page before), while the caller pages forward. A
   * page's oldest record comes first, so the page before it is asked for as soon as that record is
   * read, while the rest of the page arrives (a forward page's cursor comes only at its end); the
   * request is dropped and the right one asked if the page turns out short or its attempt failed
   * after reading another first record. So a backward page costs its round trip or its transfer,
   * whichever is longer, not both.
   *
   * <p>Each page is handed on under one lock, less the records of the other direction's latest
   * page, and the directions have met once a page held any of those. Both directions' pages hold
   * {@code pageSize} records, so where they overlap lies inside the other's latest page: no record
   * is handed on twice and none is skipped, whichever page arrives first. The backward direction
   * stops, and the forward one goes on alone to the end or to the backward pages, when a GET fails
   * for good, a page repeats one of its own (the API ignored {@code $before}) or the start of the
   * list comes before the directions met (possible only if the list changed meanwhile: the forward
   * pages may then hand on records again, which a caller settles as duplicates; none is dropped). A
   * record added after both directions passed its place is missed, as a forward paging misses one
   * added behind its cursor; the next sync takes it.
   */
  private final class FromTheEnd implements Runnable {
    private final Object lock = new Object();
    private final EntityType type;
    private final Call call;
    private final PageHandler handler;
    private Page.IdSet forwardIds = Page.IdSet.EMPTY;
    private Page.IdSet backwardIds = Page.IdSet.EMPTY;
    private boolean done;
    private Future<Envelope<Page>> forwardAhead;
    private Throwable failure;
    long records;
    int forwardPages;
    int pages;
    private Future<?> task;

    FromTheEnd(EntityType type, Call call, PageHandler handler) {
      this.type = type;
      this.call = call;
      this.handler = handler;
    }

    void start() {
      task = PageAhead.THREADS.submit(this);
    }

    /**
     * Hands on a forward page; false once the directions met (or the handler failed meanwhile). The
     * last page ends the backward direction under the same lock: a short last page breaks the
     * overlap's bound, so a backward page handed after it could repeat earlier forward pages.
     */
    boolean forward(Page page, boolean last) throws EdlinkException, StopPaging {
      synchronized (lock) {
        if (done) {
          return false;
        }
        forwardPages++;
        done = last;
        if (page.isEmpty()) {
          return !done;
        }
        Page rest = page.without(backwardIds);
        try {
          handOn(rest);
        } catch (StopPaging | EdlinkException | RuntimeException | Error e) {
          done = true;
          throw e;
        }
        forwardIds = page.idSet();
        done = done || rest.size() < page.size();
        return !done;
      }
    }

    @Override
    public void run() {
      Backward page = null;
      Backward before = null;
      try {
        page = askBackward(graph(type.path(), "$last=" + pageSize));
        while (true) {
          // The page before this one is asked for once this one's first record is read (its id is
          // that page's $before), so its round trip overlaps this page's transfer and hand-on.
          String first = page.firstId();
          before =
              first == null || !UUID.matcher(first).matches() ? null : askBackward(before(first));
          Envelope<Page> arrived = await(page.page(), page.uri());
          page = null;
          Page records = arrived.data();
          String oldest = records.size() == pageSize ? records.id(0) : null;
          URI following = oldest == null || !UUID.matcher(oldest).matches() ? null : before(oldest);
          if (before != null && !before.uri().equals(following)) {
            // A short page (the start of the list), or an attempt that failed after reading
            // another first record.
            drop(before);
            before = null;
          }
          if (before == null && following != null) {
            before = askBackward(following);
          }
          if (!handOnFromTheEnd(records)) {
            return;
          }
          // Not kept while the page before it comes.
          arrived = null;
          records = null;
          if (following == null) {
            return;
          }
          page = before;
          before = null;
        }
      } catch (EdlinkException | RuntimeException e) {
        if (!isDone()) {
          LOG.warn(
              "Paging {} from its end stopped ({}); paging forward goes on alone",
              type.path(),
              e.getMessage());
        }
      } finally {
        drop(page);
        drop(before);
      }
    }

    /**
     * Hands on a page from the end, less what the forward direction handed on, and gives back its
     * share of the page budget; false once this direction is done. A method of its own, so that
     * nothing of the page stays referenced from the loop while the page before it comes.
     */
    private boolean handOnFromTheEnd(Page records) {
      try {
        synchronized (lock) {
          if (done || records.anyIn(backwardIds)) {
            return false;
          }
          Page rest = records.without(forwardIds);
          try {
            handOn(rest);
          } catch (StopPaging stop) {
            endFromTheEnd();
            return false;
          } catch (EdlinkException | RuntimeException | Error e) {
            failure = e;
            endFromTheEnd();
            return false;
          }
          pages++;
          backwardIds = records.idSet();
          if (rest.size() < records.size()) {
            endFromTheEnd();
            return false;
          }
          return true;
        }
      } finally {
        records.release();
      }
    }

    /**
     * Ends the fetch from this direction (met, stopped or failed), dropping the forward page the
     * caller waits for: it is not needed, and a GET that fails for good would otherwise fail a type
     * whose every record was handed on. Called under the lock.
     */
    private void endFromTheEnd() {
      done = true;
      if (forwardAhead != null) {
        // Only interrupted: a page that arrived already is the caller's to release.
        forwardAhead.cancel(true);
        forwardAhead = null;
      }
    }

    /**
     * The forward page the caller is about to wait for; false (and the page dropped) if the fetch
     * is done already.
     */
    boolean awaiting(Future<Envelope<Page>> ahead) {
      synchronized (lock) {
        if (done) {
          EdlinkClient.drop(ahead);
          return false;
        }
        forwardAhead = ahead;
        return true;
      }
    }

    private URI before(String id) {
      return graph(type.path(), "$last=" + pageSize + "&$before=" + id);
    }

    /** Starts the GET of a backward page, which tells its first record's id as soon as read. */
    private Backward askBackward(URI uri) {
      CompletableFuture<String> first = new CompletableFuture<>();
      Future<Envelope<Page>> page =
          PageAhead.THREADS.submit(
              () -> {
                try {
                  return releasedIfDropped(getPage(uri, call, first::complete));
                } finally {
                  first.complete(null);
                }
              });
      return new Backward(uri, page, first);
    }

    private static void drop(Backward b) {
      if (b != null) {
        EdlinkClient.drop(b.page());
      }
    }

    private void handOn(Page rest) throws EdlinkException, StopPaging {
      if (!rest.isEmpty()) {
        records += rest.size();
        handler.onPage(rest);
      }
    }

    boolean isDone() {
      synchronized (lock) {
        return done;
      }
    }

    /** Ends the backward direction: after this, it hands on nothing. */
    void stop() {
      synchronized (lock) {
        done = true;
      }
      task.cancel(true);
    }

    /** What the handler threw on a backward page, as if thrown on a forward one. */
    void rethrow() throws EdlinkException {
      synchronized (lock) {
        if (failure instanceof EdlinkException e) {
          throw e;
        }
        if (failure instanceof RuntimeException e) {
          throw e;
        }
        if (failure instanceof Error e) {
          throw e;
        }
      }
    }
  }

  /**
   * A backward page asked for, and its first record's id: known before the page has arrived, or
   * null once its GET ended without one.
   */
  private record Backward(URI uri, Future<Envelope<Page>> page, CompletableFuture<String> first) {
    String firstId() throws EdlinkException {
      try {
        return first.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EdlinkException(
            "GET " + uri.getRawPath() + ": interrupted", 0, List.of(), null, e);
      }
    }
  }

  /** Starts the GET of the next page on a page-ahead thread (retries and deadline as any GET). */
  private Future<Envelope<Page>> askAhead(URI uri, Call call) {
    return PageAhead.THREADS.submit(() -> releasedIfDropped(getPage(uri, call)));
  }

  /** The page asked for ahead, or the error its GET ended with. */
  private static Envelope<Page> await(Future<Envelope<Page>> ahead, URI uri)
      throws EdlinkException {
    try {
      return ahead.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof EdlinkException edlink) {
        throw edlink;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      ahead.cancel(true);
      Thread.currentThread().interrupt();
      throw new EdlinkException("GET " + uri.getRawPath() + ": interrupted", 0, List.of(), null, e);
    }
  }

  /**
   * A page asked for ahead that will not be used: its GET is interrupted, its result ignored, and
   * what it holds of the page budget given back (by the page's collection if it arrives later).
   */
  private static void drop(Future<Envelope<Page>> ahead) {
    if (ahead != null && !ahead.cancel(true) && ahead.isDone()) {
      try {
        ahead.get().data().release();
      } catch (ExecutionException | CancellationException e) {
        // No page: nothing held.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A page read on a page-ahead thread after it was dropped gives its share back at once. */
  private static Envelope<Page> releasedIfDropped(Envelope<Page> page) {
    if (Thread.currentThread().isInterrupted()) {
      page.data().release();
    }
    return page;
  }

  /** The newest event id ({@code /events?$last=1}), or empty when the integration has no events. */
  public Optional<String> newestEventId(String accessToken) throws EdlinkException {
    return newestEventId(new Call(requireToken(accessToken)));
  }

  private Optional<String> newestEventId(Call call) throws EdlinkException {
    Envelope<List<JsonObject>> env =
        get(graph("events", "$last=1"), call, EdlinkClient::readObjects);
    if (env.data().isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(string(env.data().get(env.data().size() - 1), "id"));
  }

  /**
   * Whether any event follows {@code eventId}; EXPIRED when Edlink no longer knows it (400 {@code
   * INVALID_CURSOR} or {@code NOT_FOUND}, or 404). For SOME, {@code newEvents} is exact up to 100
   * and a lower bound (100) beyond, and {@code newestEventId} is the newest event at the time of
   * the call. For NONE it is {@code eventId} itself; for EXPIRED it is null.
   */
  public EventsProbe eventsAfter(String accessToken, String eventId) throws EdlinkException {
    requireUuid(eventId, "eventId");
    Call call = new Call(requireToken(accessToken));
    Envelope<List<JsonObject>> page;
    try {
      page =
          get(
              graph("events", "$after=" + eventId + "&$first=" + EVENTS_PROBE_PAGE),
              call,
              EdlinkClient::readObjects);
    } catch (EdlinkException e) {
      if (isUnknownEvent(e)) {
        LOG.info(
            "event {} is no longer known to Edlink (HTTP {} {}, $request={}); a full sync is needed",
            eventId,
            e.httpStatus(),
            e.codes(),
            e.requestId());
        return new EventsProbe(EventsProbe.Kind.EXPIRED, null, 0);
      }
      throw e;
    }
    List<JsonObject> events = page.data();
    if (events.isEmpty()) {
      return new EventsProbe(EventsProbe.Kind.NONE, eventId, 0);
    }
    if (isBlank(page.next())) {
      return new EventsProbe(
          EventsProbe.Kind.SOME, string(events.get(events.size() - 1), "id"), events.size());
    }
    String newest = newestEventId(call).orElse(string(events.get(events.size() - 1), "id"));
    return new EventsProbe(EventsProbe.Kind.SOME, newest, events.size());
  }

  private static boolean isUnknownEvent(EdlinkException e) {
    return e.httpStatus() == 404
        || (e.httpStatus() == 400
            && (e.codes().contains("INVALID_CURSOR") || e.codes().contains("NOT_FOUND")));
  }

  /**
   * Nothing to release: the JDK 17 HttpClient has no close and frees its threads when unreachable.
   */
  @Override
  public void close() {}

  // ---------------------------------------------------------------------------------------------------------------
  // One GET with retries.

  /**
   * Per logical call: the credential, the deadline, and the retries and waits for the page budget
   * so far.
   */
  private final class Call {
    final String credential;
    final long deadlineNanos = System.nanoTime() + deadline.toNanos();
    final AtomicInteger retries = new AtomicInteger();
    final AtomicLong budgetWaitNanos = new AtomicLong();
    final AtomicInteger pagesOverBudget = new AtomicInteger();

    Call(String credential) {
      this.credential = credential;
    }

    long remainingNanos() {
      return deadlineNanos - System.nanoTime();
    }

    /** Counts what a page's share of the budget cost it. */
    void waited(PageBudget.Held taken) {
      if (taken.waitedNanos() > 0) {
        budgetWaitNanos.addAndGet(taken.waitedNanos());
      }
      if (taken.overdrawn()) {
        pagesOverBudget.incrementAndGet();
      }
    }

    FetchStats stats(long records, int pages, String resumeFrom, int pagesFromEnd) {
      return new FetchStats(
          records,
          pages,
          retries.get(),
          resumeFrom,
          pagesFromEnd,
          TimeUnit.NANOSECONDS.toMillis(budgetWaitNanos.get()),
          pagesOverBudget.get());
    }
  }

  /** Reads the value of {@code $data}. */
  @FunctionalInterface
  private interface DataReader<T> {
    T read(JsonReader reader) throws IOException;
  }

  /** Reads a whole response body into its envelope. */
  @FunctionalInterface
  private interface BodyReader<T> {
    Envelope<T> read(InputStream body) throws IOException;
  }

  record Envelope<T>(T data, String next, String requestId, List<JsonObject> warnings) {}

  /** Why an attempt failed in a way worth retrying. */
  private record Failure(
      String reason, int status, ErrorBody error, Duration retryAfter, Throwable cause) {
    String describe() {
      String what = status > 0 ? "HTTP " + status : reason;
      return error == null
          ? what + (cause == null ? "" : " (" + briefly(cause) + ")")
          : what + " " + error.describe();
    }

    /**
     * Gson messages run to several lines with a troubleshooting link; the first line says enough.
     */
    private static String briefly(Throwable t) {
      String m = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
      return t.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m);
    }
  }

  private <T> Envelope<T> get(URI uri, Call call, DataReader<T> dataReader) throws EdlinkException {
    return getEnvelope(uri, call, in -> readEnvelope(in, dataReader));
  }

  /**
   * A page of records, read whole as it arrives (a malformed page is retried like a cut
   * connection), each record kept as its canonical JSON ({@link Page}).
   */
  private Envelope<Page> getPage(URI uri, Call call) throws EdlinkException {
    return getPage(uri, call, null);
  }

  /**
   * {@link #getPage(URI, Call)}, giving {@code firstId} (if not null) the first record's id as soon
   * as an attempt read it; an attempt that fails later may have given it too.
   */
  private Envelope<Page> getPage(URI uri, Call call, Consumer<String> firstId)
      throws EdlinkException {
    boolean[] jacksonRefused = {false};
    return getEnvelope(
        uri,
        call,
        in -> {
          // Taken once the response has arrived: the round trip holds nothing of the budget.
          PageBudget.Held taken = pageBudget.take(pageSize);
          call.waited(taken);
          Envelope<Page> env;
          try {
            if (jacksonRefused[0]) {
              env = readPageGenerally(in);
            } else {
              try {
                env = readPageByJackson(in, firstId);
              } catch (JsonProcessingException | IllegalStateException e) {
                jacksonRefused[0] = true;
                throw e;
              }
            }
          } catch (IOException | RuntimeException | Error e) {
            taken.run();
            throw e;
          }
          env.data().hold(taken);
          return env;
        });
  }

  /**
   * A page read by Jackson ({@link PageParser}). An attempt it refuses fails as a malformed page
   * does, and that page's next attempts are read by Gson, which takes or refuses it as before: the
   * same attempts as with Gson alone, but for a page only Jackson refuses (ill-formed UTF-8 or a
   * NUL byte, or a control character in a member the client skips), which costs one attempt more.
   * {@code firstId}, if not null, is given the first record's id as soon as it is read.
   */
  private static Envelope<Page> readPageByJackson(InputStream in, Consumer<String> firstId)
      throws IOException {
    PageParser.Body body = PageParser.read(in, firstId);
    return new Envelope<>(body.page(), body.next(), body.requestId(), body.warnings());
  }

  /** A page's body read by the general reader (Gson), as it streams. */
  static Envelope<Page> readPageGenerally(InputStream in) throws IOException {
    return readEnvelope(in, Page::read);
  }

  /** One GET with its retries and deadline; {@code bodyReader} reads a 2xx body. */
  private <T> Envelope<T> getEnvelope(URI uri, Call call, BodyReader<T> bodyReader)
      throws EdlinkException {
    String path =
        uri.getRawPath(); // never the query: it may hold cursors, and is noise in messages
    for (int attempt = 1; ; attempt++) {
      long remaining = call.remainingNanos();
      if (remaining <= 0) {
        throw new EdlinkException(
            "GET " + path + ": deadline of " + deadline + " exceeded", 0, List.of(), null, null);
      }
      Failure failure;
      try {
        HttpResponse<InputStream> response =
            http.send(request(uri, call, remaining), HttpResponse.BodyHandlers.ofInputStream());
        Attempt<T> result = handle(response, path, call, bodyReader);
        if (result.envelope() != null) {
          return result.envelope();
        }
        failure = result.failure();
      } catch (HttpTimeoutException e) {
        failure = new Failure("timeout", 0, null, null, e);
      } catch (IOException e) {
        failure = new Failure("io", 0, null, null, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EdlinkException("GET " + path + ": interrupted", 0, List.of(), null, e);
      }
      waitBeforeRetry(path, call, attempt, failure);
    }
  }

  /** Either the parsed envelope or the retryable failure of one attempt. */
  private record Attempt<T>(Envelope<T> envelope, Failure failure) {
    static <T> Attempt<T> failed(
        String reason, int status, ErrorBody error, Duration retryAfter, Throwable cause) {
      return new Attempt<>(null, new Failure(reason, status, error, retryAfter, cause));
    }
  }

  private HttpRequest request(URI uri, Call call, long remainingNanos) {
    return HttpRequest.newBuilder(uri)
        .GET()
        .timeout(min(readTimeout, Duration.ofNanos(remainingNanos)))
        .header("Authorization", "Bearer " + call.credential)
        .header("Accept", "application/json")
        .build();
  }

  /** Reads one response: the envelope, a retryable failure, or (thrown) a final error. */
  private <T> Attempt<T> handle(
      HttpResponse<InputStream> response, String path, Call call, BodyReader<T> bodyReader)
      throws EdlinkException {
    int status = response.statusCode();
    try (GuardedStream body =
        new GuardedStream(response.body(), readTimeout.toNanos(), call.deadlineNanos)) {
      if (status >= 200 && status < 300) {
        try {
          Envelope<T> env = bodyReader.read(body);
          logWarnings(path, env.warnings(), env.requestId(), call);
          return new Attempt<>(env, null);
        } catch (MalformedJsonException
            | EOFException
            | JsonParseException
            | JsonProcessingException
            | IllegalStateException
            | NumberFormatException e) {
          // A cut connection may look like truncated JSON, and vice versa; both are worth a retry.
          return Attempt.failed(body.timedOut ? "timeout" : "parse", 0, null, null, e);
        } catch (IOException e) {
          return Attempt.failed(body.timedOut ? "timeout" : "io", 0, null, null, e);
        }
      }
      ErrorBody error = ErrorBody.read(body, call.credential);
      if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504) {
        Duration retryAfter =
            response
                .headers()
                .firstValue("Retry-After")
                .map(EdlinkClient::parseRetryAfter)
                .orElse(null);
        return Attempt.failed(String.valueOf(status), status, error, retryAfter, null);
      }
      throw new EdlinkException(
          "GET " + path + " failed: HTTP " + status + " " + error.describe(),
          status,
          error.codes(),
          error.requestId(),
          null);
    }
  }

  private void waitBeforeRetry(String path, Call call, int attempt, Failure failure)
      throws EdlinkException {
    int status = failure.status();
    List<String> codes = failure.error() == null ? List.of() : failure.error().codes();
    String requestId = failure.error() == null ? null : failure.error().requestId();
    if (attempt >= maxAttempts) {
      throw new EdlinkException(
          "GET " + path + " failed after " + attempt + " attempts: " + failure.describe(),
          status,
          codes,
          requestId,
          failure.cause());
    }
    long waitNanos = backoffNanos(attempt, failure.retryAfter());
    if (waitNanos >= call.remainingNanos()) {
      throw new EdlinkException(
          "GET "
              + path
              + ": deadline of "
              + deadline
              + " would pass before retry "
              + attempt
              + " ("
              + failure.describe()
              + ")",
          status,
          codes,
          requestId,
          failure.cause());
    }
    call.retries.incrementAndGet();
    LOG.warn(
        "GET {} attempt {}/{} failed: {}; retrying in {} ms",
        path,
        attempt,
        maxAttempts,
        failure.describe(),
        TimeUnit.NANOSECONDS.toMillis(waitNanos));
    retryListener.onRetry(attempt, failure.reason());
    try {
      TimeUnit.NANOSECONDS.sleep(waitNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EdlinkException(
          "GET " + path + ": interrupted while backing off", status, codes, requestId, e);
    }
  }

  /** Full jitter over an exponential cap, but never shorter than the server's Retry-After. */
  private long backoffNanos(int attempt, Duration retryAfter) {
    long cap = initialBackoff.toNanos();
    for (int i = 1; i < attempt && cap < maxBackoff.toNanos(); i++) {
      cap *= 2;
    }
    cap = Math.min(cap, maxBackoff.toNanos());
    long jittered = ThreadLocalRandom.current().nextLong(cap + 1);
    return retryAfter == null ? jittered : Math.max(jittered, retryAfter.toNanos());
  }

  /** {@code Retry-After} as delta-seconds or an HTTP-date; null when unparseable. */
  static Duration parseRetryAfter(String value) {
    String v = value.trim();
    try {
      if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
        return Duration.ofSeconds(Long.parseLong(v));
      }
      Duration d =
          Duration.between(
              ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
      return d.isNegative() ? Duration.ZERO : d;
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Parsing.

  private static JsonReader strictReader(InputStream in) {
    JsonReader reader = new JsonReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    reader.setStrictness(
        Strictness.STRICT); // no NaN/Infinity, comments, unquoted names or trailing garbage
    return reader;
  }

  private static <T> Envelope<T> readEnvelope(InputStream in, DataReader<T> dataReader)
      throws IOException {
    JsonReader reader = strictReader(in);
    T data = null;
    boolean sawData = false;
    String next = null;
    String requestId = null;
    List<JsonObject> warnings = List.of();
    reader.beginObject();
    while (reader.hasNext()) {
      switch (reader.nextName()) {
        case "$data" -> {
          if (sawData) {
            // Which one would count is a guess; a buffered page would also re-read the first.
            throw new IllegalStateException("response has $data twice");
          }
          data = dataReader.read(reader);
          sawData = true;
        }
        case "$next" -> next = nullableString(reader);
        case "$request" -> requestId = nullableString(reader);
        case "$warnings" -> warnings = readObjects(reader);
        default -> reader.skipValue();
      }
    }
    reader.endObject();
    if (reader.peek() != JsonToken.END_DOCUMENT) {
      throw new MalformedJsonException("content after the response object");
    }
    if (!sawData || data == null) {
      throw new IllegalStateException("response has no $data");
    }
    return new Envelope<>(data, next, requestId, warnings);
  }

  /** Parses a JSON array of objects one element at a time. */
  private static List<JsonObject> readObjects(JsonReader reader) throws IOException {
    if (reader.peek() == JsonToken.NULL) {
      reader.nextNull();
      return List.of();
    }
    List<JsonObject> out = new ArrayList<>();
    reader.beginArray();
    while (reader.hasNext()) {
      JsonElement e = JSON.read(reader);
      if (!e.isJsonObject()) {
        throw new IllegalStateException(
            "expected an object in the array, got " + e.getClass().getSimpleName());
      }
      out.add(e.getAsJsonObject());
    }
    reader.endArray();
    return out;
  }

  private static String nullableString(JsonReader reader) throws IOException {
    if (reader.peek() == JsonToken.NULL) {
      reader.nextNull();
      return null;
    }
    return reader.nextString();
  }

  /**
   * The {@code $errors}/{@code $request} of an error response; empty when the body is not the
   * Edlink envelope.
   */
  private record ErrorBody(List<String> codes, String message, String requestId) {
    static ErrorBody read(InputStream in, String credential) {
      try {
        JsonElement root = JSON.read(strictReader(in));
        if (!root.isJsonObject()) {
          return new ErrorBody(List.of(), null, null);
        }
        JsonObject o = root.getAsJsonObject();
        List<String> codes = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        if (o.has("$errors") && o.get("$errors").isJsonArray()) {
          for (JsonElement e : o.getAsJsonArray("$errors")) {
            if (e.isJsonObject()) {
              String code = string(e.getAsJsonObject(), "code");
              String message = string(e.getAsJsonObject(), "message");
              if (code != null) {
                codes.add(code);
              }
              if (message != null) {
                messages.add(redact(message, credential));
              }
            }
          }
        }
        String message = messages.isEmpty() ? null : String.join("; ", messages);
        return new ErrorBody(codes, message, string(o, "$request"));
      } catch (IOException | RuntimeException e) {
        return new ErrorBody(List.of(), null, null); // e.g. an HTML page from a proxy
      }
    }

    String describe() {
      StringBuilder sb = new StringBuilder();
      sb.append(codes.isEmpty() ? "(no Edlink error code)" : String.join(",", codes));
      if (message != null) {
        sb.append(": ").append(message);
      }
      if (requestId != null) {
        sb.append(" ($request=").append(requestId).append(')');
      }
      return sb.toString();
    }
  }

  private static void logWarnings(
      String path, List<JsonObject> warnings, String requestId, Call call) {
    for (JsonObject w : warnings) {
      String message = string(w, "message");
      LOG.warn(
          "Edlink warning on GET {}: {} {} ($request={})",
          path,
          string(w, "code"),
          message == null ? "" : redact(message, call.credential),
          requestId);
    }
  }

  private static Integration toIntegration(JsonObject o) {
    String status = string(o, "status");
    if (status == null) {
      status = string(o, "state");
    }
    return new Integration(
        string(o, "id"),
        status,
        string(o, "region_id"),
        nested(o, "source", "name"),
        nested(o, "team", "name"),
        string(o, "access_token"));
  }

  private static String nested(JsonObject o, String object, String field) {
    JsonElement e = o.get(object);
    return e != null && e.isJsonObject() ? string(e.getAsJsonObject(), field) : null;
  }

  private static String string(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // URLs and arguments.

  private URI graph(String endpoint, String query) {
    return URI.create(baseUrl + "/api/v2/graph/" + endpoint + "?" + query);
  }

  /** The next page's URI, or null at the end; refuses a {@code $next} on another origin. */
  private URI nextPage(Envelope<?> page, URI current) throws EdlinkException {
    if (isBlank(page.next())) {
      return null;
    }
    return checkedNext(page.next(), "GET " + current.getRawPath(), page.requestId());
  }

  private URI checkedNext(String raw, String where, String requestId) throws EdlinkException {
    URI next;
    try {
      next = URI.create(raw);
    } catch (IllegalArgumentException e) {
      throw new EdlinkException(
          where + ": $next is not a valid URL", 200, List.of(), requestId, null);
    }
    if (!sameOrigin(next, baseUri)) {
      // Following it would send the bearer token to a host we were not configured for.
      throw new EdlinkException(
          where
              + ": refusing $next on another origin "
              + next.getScheme()
              + "://"
              + next.getHost()
              + ":"
              + port(next)
              + " (expected "
              + baseUri.getScheme()
              + "://"
              + baseUri.getHost()
              + ":"
              + port(baseUri)
              + ")",
          200,
          List.of(),
          requestId,
          null);
    }
    return next;
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme() != null
        && a.getHost() != null
        && a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    if (u.getPort() != -1) {
      return u.getPort();
    }
    return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  private String requireAppSecret() {
    if (isBlank(appSecret)) {
      throw new IllegalStateException(
          "the Meta API needs the application secret (Builder.appSecret)");
    }
    return appSecret;
  }

  private static String requireToken(String token) {
    if (isBlank(token)) {
      throw new IllegalArgumentException("access token is missing");
    }
    return token;
  }

  private static void requireUuid(String value, String name) {
    if (value == null || !UUID.matcher(value).matches()) {
      throw new IllegalArgumentException(name + " must be a UUID, got '" + value + "'");
    }
  }

  private static String redact(String text, String secret) {
    return secret == null || secret.isEmpty() ? text : text.replace(secret, "[redacted]");
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Body watchdog.

  /** Daemon threads that ask for next pages ahead; idle ones end after a minute. */
  private static final class PageAhead {
    static final ExecutorService THREADS =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            60,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "edlink-page-ahead");
              t.setDaemon(true);
              return t;
            });
  }

  private static final class TimerHolder {
    static final ScheduledExecutorService TIMER =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "edlink-read-watchdog");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * HttpRequest.timeout only covers the wait for the headers. This closes the body stream when no
   * byte arrived for {@code idleNanos} or the call's deadline passed, which unblocks a reader stuck
   * on a stalled connection.
   */
  private static final class GuardedStream extends FilterInputStream {
    private final long idleNanos;
    private final long deadlineNanos;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean closed;
    private volatile boolean timedOut;
    private volatile ScheduledFuture<?> check;

    GuardedStream(InputStream in, long idleNanos, long deadlineNanos) {
      super(in);
      this.idleNanos = idleNanos;
      this.deadlineNanos = deadlineNanos;
      schedule(Math.min(idleNanos, deadlineNanos - lastProgress));
    }

    private void schedule(long delayNanos) {
      check =
          TimerHolder.TIMER.schedule(this::check, Math.max(delayNanos, 0), TimeUnit.NANOSECONDS);
    }

    private void check() {
      if (closed) {
        return;
      }
      long now = System.nanoTime();
      long due = Math.min(lastProgress + idleNanos, deadlineNanos);
      if (now - due >= 0) {
        timedOut = true;
        try {
          in.close();
        } catch (IOException ignored) {
          // The reader sees the closed stream either way.
        }
      } else {
        schedule(due - now);
      }
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      lastProgress = System.nanoTime();
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      lastProgress = System.nanoTime();
      return n;
    }

    /** Quiet: once a page parsed, a failure to release its connection must not discard the page. */
    @Override
    public void close() {
      closed = true;
      ScheduledFuture<?> c = check;
      if (c != null) {
        c.cancel(false);
      }
      try {
        super.close();
      } catch (IOException e) {
        LOG.debug("closing a response body failed", e);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** Builder; every setting has a sane default. */
  public static final class Builder {
    private String baseUrl = DEFAULT_BASE_URL;
    private String appSecret;
    private int pageSize = MAX_PAGE_SIZE;
    private boolean fromBothEnds;
    private PageBudget pageBudget = PageBudget.NONE;
    private int maxAttempts = 6;
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Duration deadline = Duration.ofMinutes(30);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(120);
    private RetryListener retryListener = RetryListener.NONE;

    public Builder baseUrl(String v) {
      this.baseUrl = v;
      return this;
    }

    public Builder appSecret(String v) {
      this.appSecret = v;
      return this;
    }

    public Builder pageSize(int v) {
      this.pageSize = v;
      return this;
    }

    /**
     * Whether {@link #fetchAll} pages a type of more than one page from both ends at once (off by
     * default: Edlink's recipe pages forward only).
     */
    public Builder fromBothEnds(boolean v) {
      this.fromBothEnds = v;
      return this;
    }

    /**
     * The records of pages read or waiting for their handler that this client shares with every
     * client of the JVM given the same budget ({@link PageBudget}; none by default).
     */
    public Builder pageBudget(PageBudget v) {
      this.pageBudget = v;
      return this;
    }

    public Builder maxAttempts(int v) {
      this.maxAttempts = v;
      return this;
    }

    public Builder initialBackoff(Duration v) {
      this.initialBackoff = v;
      return this;
    }

    public Builder maxBackoff(Duration v) {
      this.maxBackoff = v;
      return this;
    }

    /** Overall deadline for one logical call (all pages of one fetch), retries included. */
    public Builder deadline(Duration v) {
      this.deadline = v;
      return this;
    }

    public Builder connectTimeout(Duration v) {
      this.connectTimeout = v;
      return this;
    }

    /**
     * Per request: the wait for the response headers, and the longest pause while reading a body.
     */
    public Builder readTimeout(Duration v) {
      this.readTimeout = v;
      return this;
    }

    public Builder retryListener(RetryListener v) {
      this.retryListener = v;
      return this;
    }

    public EdlinkClient build() {
      Objects.requireNonNull(baseUrl, "baseUrl");
      URI uri;
      try {
        uri = URI.create(baseUrl);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("baseUrl is not a valid URL: " + baseUrl, e);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("https") || scheme.equals("http"))
          || uri.getHost() == null
          || uri.getRawQuery() != null) {
        throw new IllegalArgumentException(
            "baseUrl must be an absolute http(s) URL without query: " + baseUrl);
      }
      if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
        throw new IllegalArgumentException(
            "pageSize must be 1.." + MAX_PAGE_SIZE + ", got " + pageSize);
      }
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
      }
      requirePositive(initialBackoff, "initialBackoff");
      requirePositive(maxBackoff, "maxBackoff");
      requirePositive(deadline, "deadline");
      requirePositive(connectTimeout, "connectTimeout");
      requirePositive(readTimeout, "readTimeout");
      Objects.requireNonNull(retryListener, "retryListener");
      Objects.requireNonNull(pageBudget, "pageBudget");
      return new EdlinkClient(this);
    }

    private static void requirePositive(Duration d, String name) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
    }
  }
}
