package org.rostersync.edlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Protocol corner cases that the simulator does not produce, against a scripted local HTTP server.
 * The simulator based suite ({@link EdlinkClientTest}) covers the realistic paths.
 */
class EdlinkClientStubTest {
  private static final String TOKEN = "stubTokenAbcdefghijklmnopqrstuv1";

  /** One scripted reply: writes a whole exchange. */
  private interface Reply {
    void send(HttpExchange ex) throws IOException;
  }

  private HttpServer server;
  private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private String base;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          seen.add(
              ex.getRequestURI().toString()
                  + " auth="
                  + ex.getRequestHeaders().getFirst("Authorization"));
          Reply r = script.poll();
          if (r == null) {
            json(500, "{\"$errors\":[{\"code\":\"UNSCRIPTED\",\"message\":\"no reply\"}]}")
                .send(ex);
          } else {
            r.send(ex);
          }
        });
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static Reply json(int status, String body) {
    return ex -> {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    };
  }

  private EdlinkClient client() {
    return EdlinkClient.builder()
        .baseUrl(base)
        .pageSize(2)
        .maxAttempts(3)
        .initialBackoff(Duration.ofMillis(10))
        .maxBackoff(Duration.ofMillis(50))
        .readTimeout(Duration.ofMillis(700))
        .build();
  }

  private static String page(String next, String... ids) {
    return envelope(next, List.of(ids), "{\"id\":\"%s\"}");
  }

  /** A page of one record per id, each written by {@code format} with its id. */
  private static String envelope(String next, List<String> ids, String format) {
    List<String> items = new ArrayList<>();
    for (String id : ids) {
      items.add(String.format(format, id));
    }
    return "{\"$data\":["
        + String.join(",", items)
        + "],\"$request\":\"r1\""
        + (next == null ? "" : ",\"$next\":" + next)
        + "}";
  }

  /** A client making up to {@code attempts} attempts per call, noting each retry's reason. */
  private EdlinkClient retrying(int attempts, List<String> reasons) {
    return EdlinkClient.builder()
        .baseUrl(base)
        .maxAttempts(attempts)
        .initialBackoff(Duration.ofMillis(5))
        .retryListener((attempt, reason) -> reasons.add(attempt + ":" + reason))
        .build();
  }

  private List<String> fetchIds(EdlinkClient c) throws EdlinkException {
    List<String> ids = new ArrayList<>();
    c.fetchAll(
        TOKEN, EntityType.PEOPLE, recs -> recs.forEach(r -> ids.add(r.get("id").getAsString())));
    return ids;
  }

  @Test
  void sendsHeadersAndFollowsNextUntilNullOrEmpty() throws Exception {
    script.add(json(200, page("\"" + base + "/api/v2/graph/people?$cursor=c1\"", "a", "b")));
    script.add(json(200, page("\"" + base + "/api/v2/graph/people?$cursor=c2\"", "c", "d")));
    script.add(json(200, page("null", "e")));
    assertEquals(List.of("a", "b", "c", "d", "e"), fetchIds(client()));
    assertEquals(
        List.of(
            "/api/v2/graph/people?$first=2 auth=Bearer " + TOKEN,
            "/api/v2/graph/people?$cursor=c1 auth=Bearer " + TOKEN,
            "/api/v2/graph/people?$cursor=c2 auth=Bearer " + TOKEN),
        seen);

    seen.clear();
    script.add(json(200, page("\"\"", "x")));
    assertEquals(List.of("x"), fetchIds(client()));
    assertEquals(1, seen.size());
  }

  @Test
  void refusesNextOnAnotherOrigin() {
    script.add(
        json(
            200,
            page(
                "\"http://evil.example:"
                    + server.getAddress().getPort()
                    + "/api/v2/graph/people?$cursor=c1\"",
                "a")));
    List<String> ids = new ArrayList<>();
    EdlinkException e =
        assertThrows(
            EdlinkException.class,
            () -> client().fetchAll(TOKEN, EntityType.PEOPLE, recs -> ids.add("page")));
    assertTrue(e.getMessage().contains("another origin"), e.getMessage());
    assertEquals(
        List.of("page"), ids); // the valid first page was delivered, nothing more was requested
    assertEquals(1, seen.size());
  }

  @Test
  void malformedBodiesAreRetriedAndNeverDeliveredHalfway() throws Exception {
    script.add(json(200, "{\"$data\":[{\"id\":\"a\"},{\"id\":\"b\",\"n\":NaN}]}"));
    script.add(json(200, page(null, "a", "b") + " trailing"));
    script.add(json(200, page(null, "a", "b")));
    List<String> reasons = new CopyOnWriteArrayList<>();
    EdlinkClient c = retrying(3, reasons);
    List<List<JsonObject>> pages = new ArrayList<>();
    FetchStats stats = c.fetchAll(TOKEN, EntityType.PEOPLE, pages::add);
    assertEquals(1, pages.size());
    assertEquals(2, pages.get(0).size());
    assertEquals(new FetchStats(2, 1, 2), stats);
    assertEquals(List.of("1:parse", "2:parse"), reasons);
  }

  /**
   * A page Gson reads but Jackson refuses (a raw tab in a member the client skips, which Gson skips
   * without looking) costs one attempt, and the next attempt reads it with Gson; a later page is
   * read by Jackson again.
   */
  @Test
  void aPageOnlyJacksonRefusesIsReadByGsonOnTheNextAttempt() throws Exception {
    String next =
        "\"http://127.0.0.1:" + server.getAddress().getPort() + "/api/v2/graph/people?$cursor=c1\"";
    String odd = page(next, "a").replaceFirst("\\{", "{\"x\":\"tab\there\",");
    script.add(json(200, odd));
    script.add(json(200, odd));
    script.add(json(200, page(null, "b")));
    List<String> reasons = new CopyOnWriteArrayList<>();
    List<List<JsonObject>> pages = new ArrayList<>();
    FetchStats stats = retrying(3, reasons).fetchAll(TOKEN, EntityType.PEOPLE, pages::add);
    assertEquals(2, pages.size());
    assertEquals(new FetchStats(2, 2, 1), stats);
    assertEquals(List.of("1:parse"), reasons);
    assertEquals(3, seen.size());
  }

  @Test
  void pagesHandOnEveryRecordAsParsedWhereverTheEnvelopePutsData() throws Exception {
    String first =
        "{\"id\":\"a\",\"n\":1.50,\"tags\":[\"x\",{\"deep\":[null,true]}],\"o\":{\"k\":\"\\u00e9\"}}";
    String second = "{\"id\":\"b\",\"$data\":\"not the envelope's\"}";
    // $next, $warnings and an unknown field before $data; the second page has $data last.
    script.add(
        json(
            200,
            "{\"$next\":\""
                + base
                + "/api/v2/graph/people?$cursor=c1\",\"$warnings\":[{\"code\":\"W\"}],"
                + "\"extra\":{\"$data\":[1]},\"$data\":["
                + first
                + ","
                + second
                + "],\"$request\":\"r1\"}"));
    script.add(json(200, "{\"$request\":\"r2\",\"$data\":[" + second + "]}"));
    List<List<JsonObject>> pages = new ArrayList<>();
    List<List<JsonObject>> iterated = new ArrayList<>();
    FetchStats stats =
        client()
            .fetchAll(
                TOKEN,
                EntityType.PEOPLE,
                recs -> {
                  List<JsonObject> once = new ArrayList<>();
                  recs.forEach(once::add);
                  iterated.add(once);
                  pages.add(recs);
                });
    assertEquals(new FetchStats(3, 2, 0), stats);
    JsonObject a = com.google.gson.JsonParser.parseString(first).getAsJsonObject();
    JsonObject b = com.google.gson.JsonParser.parseString(second).getAsJsonObject();
    assertEquals(List.of(List.of(a, b), List.of(b)), iterated);
    // Kept as bytes, not as parsed objects (four to five times larger): each reading parses anew.
    assertNotSame(iterated.get(0).get(0), pages.get(0).iterator().next());
    // Read again, by index and by iteration, the records are the same.
    assertEquals(2, pages.get(0).size());
    assertEquals(b, pages.get(0).get(1));
    assertEquals(a, pages.get(0).get(0));
    assertEquals(List.of(a, b), new ArrayList<>(pages.get(0)));
    assertEquals(List.of(b), new ArrayList<>(pages.get(1)));
    // The handler reads the page; it cannot change what the client delivered.
    assertThrows(UnsupportedOperationException.class, () -> pages.get(0).add(a));
  }

  @Test
  void aPageWhoseDataIsNotOneArrayOfObjectsIsRetriedBeforeAnyRecordIsHandedOn() throws Exception {
    script.add(json(200, "{\"$data\":[{\"id\":\"a\"},\"b\"]}"));
    script.add(json(200, "{\"$data\":{\"id\":\"a\"}}"));
    script.add(json(200, "{\"$data\":[{\"id\":\"x\"}],\"$data\":[{\"id\":\"y\"}]}"));
    script.add(json(200, page(null, "a", "b")));
    List<String> reasons = new CopyOnWriteArrayList<>();
    EdlinkClient c = retrying(4, reasons);
    List<String> ids = new ArrayList<>();
    c.fetchAll(
        TOKEN, EntityType.PEOPLE, recs -> recs.forEach(r -> ids.add(r.get("id").getAsString())));
    assertEquals(List.of("a", "b"), ids);
    assertEquals(List.of("1:parse", "2:parse", "3:parse"), reasons);
  }

  @Test
  void connectionDroppedMidBodyIsRetried() throws Exception {
    for (long declaredLength : new long[] {1000, 0}) { // fixed length, then chunked
      script.add(
          ex -> {
            ex.sendResponseHeaders(200, declaredLength);
            OutputStream out = ex.getResponseBody();
            out.write("{\"$data\":[{\"id\":\"a\"},{\"id\":".getBytes(StandardCharsets.UTF_8));
            out.flush();
            throw new IOException("simulated drop"); // HttpServer then closes the socket mid-body
          });
      script.add(json(200, page(null, "a", "b")));
    }
    EdlinkClient c = client();
    assertEquals(List.of("a", "b"), fetchIds(c));
    assertEquals(List.of("a", "b"), fetchIds(c));
  }

  @Test
  void stalledBodyTimesOutAndIsRetried() throws Exception {
    script.add(
        ex -> {
          ex.sendResponseHeaders(200, 1000);
          OutputStream out = ex.getResponseBody();
          out.write("{\"$data\":[{\"id\":\"a\"}".getBytes(StandardCharsets.UTF_8));
          out.flush();
          try {
            Thread.sleep(5000);
          } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
          }
          ex.close();
        });
    script.add(json(200, page(null, "a")));
    long t0 = System.nanoTime();
    assertEquals(List.of("a"), fetchIds(client()));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 600 && ms < 4000, "took " + ms + " ms");
  }

  @Test
  void errorsCarryCodesRequestAndPathButNoSecrets() {
    script.add(
        json(
            403,
            "{\"$request\":\"req-9\",\"$errors\":[{\"code\":\"NO_PERMISSION\",\"message\":\"token "
                + TOKEN
                + " lacks permission\"},{\"code\":\"OTHER\",\"message\":\"second\"}]}"));
    EdlinkException e = assertThrows(EdlinkException.class, () -> fetchIds(client()));
    assertEquals(403, e.httpStatus());
    assertEquals(List.of("NO_PERMISSION", "OTHER"), e.codes());
    assertEquals("req-9", e.requestId());
    assertTrue(e.getMessage().contains("/api/v2/graph/people"), e.getMessage());
    assertTrue(e.getMessage().contains("req-9"), e.getMessage());
    assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
    assertFalse(e.getMessage().contains("$first"), e.getMessage());
    assertEquals(1, seen.size());
  }

  @Test
  void logsWarningsButNeverTheToken() throws Exception {
    script.add(
        json(
            503,
            "{\"$request\":\"r0\",\"$errors\":[{\"code\":\"BUSY\",\"message\":\"busy "
                + TOKEN
                + "\"}]}"));
    script.add(
        json(
            200,
            "{\"$data\":[],\"$request\":\"r1\",\"$warnings\":[{\"code\":\"PAGING_IGNORED\","
                + "\"message\":\"Bearer "
                + TOKEN
                + " ignored\"}]}"));
    script.add(
        json(
            400,
            "{\"$request\":\"r2\",\"$errors\":[{\"code\":\"INVALID_TOKEN\",\"message\":\"bad "
                + TOKEN
                + "\"}]}"));
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    String thrown;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      EdlinkClient c = client();
      fetchIds(c);
      EdlinkException e = assertThrows(EdlinkException.class, () -> fetchIds(c));
      thrown = e + " " + e.getMessage();
    } finally {
      System.setErr(originalErr);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("PAGING_IGNORED") && log.contains("r1"), log);
    assertTrue(log.contains("BUSY") && log.contains("r0"), log);
    assertTrue(thrown.contains("INVALID_TOKEN") && thrown.contains("r2"), thrown);
    assertFalse(log.contains(TOKEN), log);
    assertFalse(thrown.contains(TOKEN), thrown);
  }

  @Test
  void nonJsonErrorBodyStillFailsCleanly() {
    script.add(
        ex -> {
          byte[] html = "<html>bad gateway</html>".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(502, html.length);
          ex.getResponseBody().write(html);
          ex.close();
        });
    script.add(json(404, "not json"));
    EdlinkException e = assertThrows(EdlinkException.class, () -> fetchIds(client()));
    assertEquals(404, e.httpStatus());
    assertTrue(e.codes().isEmpty());
    assertEquals(2, seen.size());
  }

  @Test
  void retryAfterAcceptsSecondsAndHttpDates() {
    assertEquals(Duration.ofSeconds(7), EdlinkClient.parseRetryAfter(" 7 "));
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
    Duration d = EdlinkClient.parseRetryAfter(date);
    assertNotNull(d);
    assertTrue(d.getSeconds() >= 28 && d.getSeconds() <= 30, d.toString());
    assertEquals(Duration.ZERO, EdlinkClient.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));
    assertEquals(null, EdlinkClient.parseRetryAfter("soon"));
  }

  @Test
  void builderAndArgumentsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> EdlinkClient.builder().pageSize(0).build());
    assertThrows(
        IllegalArgumentException.class, () -> EdlinkClient.builder().pageSize(10_001).build());
    assertThrows(
        IllegalArgumentException.class, () -> EdlinkClient.builder().baseUrl("ftp://x").build());
    EdlinkClient c = client();
    assertThrows(IllegalArgumentException.class, () -> c.eventsAfter(TOKEN, "not-a-uuid&$first=1"));
    assertThrows(IllegalArgumentException.class, () -> c.getIntegration("../x"));
    assertThrows(IllegalStateException.class, c::listIntegrations); // no app secret configured
    assertTrue(seen.isEmpty());
  }

  /**
   * Serves {@code ids} as a list: forward with {@code $first}/{@code $after} and {@code $next};
   * backward with {@code $last}/{@code $before} unless {@code refusesLast} (400), ignoring {@code
   * $before} when {@code ignoresBefore}.
   */
  private void serveList(List<String> ids, boolean refusesLast, boolean ignoresBefore) {
    // Where $before is ignored, the forward pages wait (a while at most) for the backward direction
    // to ask for the page before its first: otherwise the forward direction may reach the last page
    // first, the two meet, and $before is never asked, on a busy machine.
    java.util.concurrent.CountDownLatch beforeAsked = new java.util.concurrent.CountDownLatch(1);
    server.removeContext("/");
    server.createContext(
        "/",
        ex -> {
          java.util.Map<String, String> q = query(ex);
          seen.add(ex.getRequestURI().toString());
          if (q.containsKey("$last")) {
            if (refusesLast) {
              json(400, "{\"$errors\":[{\"code\":\"BAD_REQUEST\",\"message\":\"no $last\"}]}")
                  .send(ex);
              return;
            }
            int n = Integer.parseInt(q.get("$last"));
            if (q.containsKey("$before")) {
              beforeAsked.countDown();
            }
            int end =
                q.containsKey("$before") && !ignoresBefore
                    ? ids.indexOf(q.get("$before"))
                    : ids.size();
            json(200, listPage(null, ids.subList(Math.max(0, end - n), end))).send(ex);
            return;
          }
          sendForward(ex, ids, q, ignoresBefore ? beforeAsked : null);
        });
  }

  /** A request's query parameters, raw (a parameter without a value maps to ""). */
  private static java.util.Map<String, String> query(HttpExchange ex) {
    java.util.Map<String, String> q = new java.util.HashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    for (String kv : raw == null ? new String[0] : raw.split("&")) {
      String[] p = kv.split("=", 2);
      q.put(p[0], p.length > 1 ? p[1] : "");
    }
    return q;
  }

  /**
   * The forward page {@code q} asks for ({@code $first}, and {@code $after} but on the first), with
   * a {@code $next} but on the last; a page after the first waits for {@code mayGo} (if any), five
   * seconds at most.
   */
  private void sendForward(
      HttpExchange ex,
      List<String> ids,
      java.util.Map<String, String> q,
      java.util.concurrent.CountDownLatch mayGo)
      throws IOException {
    int n = Integer.parseInt(q.get("$first"));
    if (mayGo != null && q.containsKey("$after")) {
      try {
        mayGo.await(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    int from = q.containsKey("$after") ? ids.indexOf(q.get("$after")) + 1 : 0;
    int to = Math.min(ids.size(), from + n);
    String next =
        to < ids.size()
            ? "\"" + base + "/api/v2/graph/people?$first=" + n + "&$after=" + ids.get(to - 1) + "\""
            : null;
    json(200, listPage(next, ids.subList(from, to))).send(ex);
  }

  /**
   * Serves nine {@code ids} two to a page from both ends. The last page, asked for with {@code
   * $last}, is written by {@code lastPage} (given the ids it holds). Forward pages after the first
   * wait, five seconds at most, until the backward direction asks for the page before the fourth
   * id: it has then handed on two pages, so the forward direction cannot reach the end first.
   */
  private void serveFromBothEnds(List<String> ids, PageWriter lastPage) {
    java.util.concurrent.CountDownLatch forwardMayGo = new java.util.concurrent.CountDownLatch(1);
    server.removeContext("/");
    server.createContext(
        "/",
        ex -> {
          java.util.Map<String, String> q = query(ex);
          seen.add(ex.getRequestURI().getRawQuery());
          int n = 2;
          if (q.containsKey("$before")) {
            if (q.get("$before").equals(ids.get(3))) {
              forwardMayGo.countDown();
            }
            int end = ids.indexOf(q.get("$before"));
            json(200, listPage(null, ids.subList(Math.max(0, end - n), end))).send(ex);
          } else if (q.containsKey("$last")) {
            lastPage.write(ex, ids.subList(ids.size() - n, ids.size()));
          } else {
            sendForward(ex, ids, q, forwardMayGo);
          }
        });
  }

  /** Writes the last page of a list. */
  private interface PageWriter {
    void write(HttpExchange ex, List<String> page) throws IOException;
  }

  /** Writes the start of a page: its first record, flushed, and the comma after it. */
  private static OutputStream startPage(HttpExchange ex, String firstId) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    out.write(("{\"$data\":[{\"id\":\"" + firstId + "\"},").getBytes(StandardCharsets.UTF_8));
    out.flush();
    return out;
  }

  /** Whether a request asked for the page before {@code id} within five seconds. */
  private boolean beforeAskedWithin5s(String id) {
    for (int i = 0; i < 1000; i++) {
      if (seen.contains("$last=2&$before=" + id)) {
        return true;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  @Test
  void theBackwardDirectionAsksForThePageBeforeOnceAPagesFirstRecordArrived() throws Exception {
    List<String> ids = uuids(9);
    boolean[] askedWhileArriving = {false};
    serveFromBothEnds(
        ids,
        (ex, page) -> {
          // Holds the rest of this page until the page before it is asked for.
          OutputStream out = startPage(ex, page.get(0));
          askedWhileArriving[0] = beforeAskedWithin5s(page.get(0));
          out.write(
              ("{\"id\":\"" + page.get(1) + "\"}],\"$request\":\"r\"}")
                  .getBytes(StandardCharsets.UTF_8));
          out.close();
        });
    List<String> handed = new ArrayList<>();
    FetchStats stats = fetchFromBothEnds(handed);
    assertEquals(new java.util.TreeSet<>(ids), new java.util.TreeSet<>(handed));
    assertEquals(9, handed.size());
    assertTrue(
        askedWhileArriving[0],
        "the page before the last was asked for while the last page was still arriving: " + seen);
    assertTrue(stats.pagesFromEnd() >= 2, "paged from the end: " + stats);
  }

  @Test
  void aPageBeforeAskedForFromAFailedAttemptsFirstRecordIsDroppedAndTheRightOneAsked()
      throws Exception {
    List<String> ids = uuids(9);
    int[] lastPageAttempts = {0};
    boolean[] guessAsked = {false};
    serveFromBothEnds(
        ids,
        (ex, page) -> {
          if (lastPageAttempts[0]++ == 0) {
            // A first attempt that starts with another record, then breaks off.
            OutputStream out = startPage(ex, ids.get(5));
            guessAsked[0] = beforeAskedWithin5s(ids.get(5));
            out.flush();
            throw new IOException("cut after the first record");
          }
          json(200, listPage(null, page)).send(ex);
        });
    List<String> handed = new ArrayList<>();
    FetchStats stats = fetchFromBothEnds(handed);
    assertEquals(new java.util.TreeSet<>(ids), new java.util.TreeSet<>(handed));
    assertEquals(9, handed.size(), "each record once: " + handed);
    assertEquals(2, lastPageAttempts[0]);
    assertTrue(guessAsked[0], "the page before the broken attempt's first record: " + seen);
    assertTrue(seen.contains("$last=2&$before=" + ids.get(7)), "then the right one: " + seen);
    assertTrue(stats.pagesFromEnd() >= 2, "paged from the end: " + stats);
  }

  /**
   * Once the pages from the end met the forward ones, the forward page asked for ahead is dropped,
   * not waited for: every record was handed on. It failed the fetch when its GET failed for good
   * after the two had met (found by the soak, where a forward page that always fails was reached
   * from the end first).
   */
  @Test
  void aForwardPageNotNeededOnceTheDirectionsMetIsDroppedNotWaitedFor() throws Exception {
    List<String> ids = uuids(9);
    java.util.concurrent.CountDownLatch met = new java.util.concurrent.CountDownLatch(1);
    int[] secondPageAttempts = {0};
    server.removeContext("/");
    server.createContext(
        "/",
        ex -> {
          java.util.Map<String, String> q = query(ex);
          seen.add(ex.getRequestURI().getRawQuery());
          if (q.containsKey("$last")) {
            int end = q.containsKey("$before") ? ids.indexOf(q.get("$before")) : ids.size();
            json(200, listPage(null, ids.subList(Math.max(0, end - 2), end))).send(ex);
            if (ids.get(3).equals(q.get("$before"))) {
              met.countDown(); // records 1 and 2: 1 was on the first forward page
            }
          } else if (q.containsKey("$after")) {
            // The second forward page: held until the directions met, then 5 s more, then 500.
            secondPageAttempts[0]++;
            try {
              met.await(5, java.util.concurrent.TimeUnit.SECONDS);
              Thread.sleep(5_000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            json(500, "{\"$errors\":[{\"code\":\"INTERNAL\",\"message\":\"always\"}]}").send(ex);
          } else {
            sendForward(ex, ids, q, null);
          }
        });
    List<String> handed = new ArrayList<>();
    long start = System.nanoTime();
    FetchStats stats = fetchFromBothEnds(handed);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(new java.util.TreeSet<>(ids), new java.util.TreeSet<>(handed));
    assertEquals(9, handed.size(), "each record once: " + handed);
    assertEquals(9, stats.records());
    assertEquals(4, stats.pagesFromEnd(), "stats: " + stats);
    assertEquals(1, secondPageAttempts[0], "asked for once, then dropped");
    assertTrue(millis < 4_000, "not waited for: " + millis + " ms");
  }

  /** A page whose records have a field before their id and one after, as any API may send. */
  private static String listPage(String next, List<String> ids) {
    return envelope(next, ids, "{\"role\":\"student\",\"id\":\"%s\",\"grades\":[\"09\"]}");
  }

  private static List<String> uuids(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(String.format("00000000-0000-4000-8000-%012d", i));
    }
    return ids;
  }

  /** Every id handed on, failing on one handed twice. */
  private FetchStats fetchFromBothEnds(List<String> handed) throws EdlinkException {
    return EdlinkClient.builder()
        .baseUrl(base)
        .pageSize(2)
        .maxAttempts(2)
        .initialBackoff(Duration.ofMillis(5))
        .fromBothEnds(true)
        .build()
        .fetchAll(
            TOKEN,
            EntityType.PEOPLE,
            page -> {
              for (JsonObject r : page) {
                String id = r.get("id").getAsString();
                assertFalse(handed.contains(id), "handed twice: " + id);
                handed.add(id);
              }
            });
  }

  @Test
  void anApiThatRefusesPagingFromTheEndIsPagedForwardAlone() throws Exception {
    List<String> ids = uuids(9);
    serveList(ids, true, false);
    List<String> handed = new ArrayList<>();
    FetchStats stats = fetchFromBothEnds(handed);
    assertEquals(ids, handed);
    assertEquals(0, stats.pagesFromEnd());
    assertEquals(5, stats.pages());
  }

  @Test
  void anApiThatIgnoresBeforeIsPagedForwardAloneUpToThePageFromTheEnd() throws Exception {
    List<String> ids = uuids(9);
    serveList(ids, false, true);
    List<String> handed = new ArrayList<>();
    FetchStats stats = fetchFromBothEnds(handed);
    assertEquals(new java.util.TreeSet<>(ids), new java.util.TreeSet<>(handed));
    assertEquals(9, stats.records());
    assertEquals(1, stats.pagesFromEnd(), "the last page once; its repeat is not handed on");
    assertTrue(
        seen.stream().filter(u -> u.contains("$before")).count() >= 1,
        "the backward direction asked for the page before: " + seen);
  }
}
