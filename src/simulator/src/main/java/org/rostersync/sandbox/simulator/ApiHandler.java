package org.rostersync.sandbox.simulator;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.stream.JsonWriter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The HTTP surface: Graph v2 ({@code /api/v2/graph/...}), Meta v1 ({@code /api/v1/integrations}),
 * {@code /api/up}, and the admin API under {@code /__sim/} (delegated to {@link AdminApi}).
 */
final class ApiHandler implements HttpHandler {
  static final int DEFAULT_PAGE_SIZE = 100;
  static final int MAX_PAGE_SIZE = 10_000;
  static final long CURSOR_TTL_MILLIS = 2 * 3600 * 1000L;
  private static final String GRAPH = "/api/v2/graph/";
  private static final String META = "/api/v1/integrations";
  private static final List<String> PAGING_PARAMS = List.of("$first", "$after", "$before", "$last");

  private final EdlinkSimulator sim;
  private final AdminApi admin;
  private final Map<String, Cursor> cursors = new ConcurrentHashMap<>();

  /**
   * What a {@code $cursor} remembers: where its paging run stands. Scope ties it to one integration
   * and path.
   */
  private record Cursor(
      String scope, int pageSize, int afterPosition, int page, long expiresAtMillis) {}

  /**
   * A page to serve: its records (as trees to shuffle, or as the bytes they are served as), the
   * position of the last one, and whether more follow.
   */
  private record Page(
      List<JsonObject> items, List<byte[]> served, int lastPosition, boolean more) {}

  /** An Edlink-style error response. */
  static final class ApiError extends RuntimeException {
    final int status;
    final String code;

    ApiError(int status, String code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  ApiHandler(EdlinkSimulator sim) {
    this.sim = sim;
    this.admin = new AdminApi(sim);
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String requestId = UUID.randomUUID().toString();
    try {
      String path = ex.getRequestURI().getRawPath();
      Map<String, String> query = query(ex.getRequestURI().getRawQuery());
      if (path.startsWith("/__sim/")) {
        admin.handle(ex, path.substring("/__sim/".length()), query);
      } else if (path.equals("/api/up")) {
        byte[] ok = "OK".getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        ex.sendResponseHeaders(200, ok.length);
        ex.getResponseBody().write(ok);
      } else if (!ex.getRequestMethod().equals("GET")) {
        throw new ApiError(
            400, "UNSUPPORTED_OPERATION", ex.getRequestMethod() + " is not supported on " + path);
      } else if (path.startsWith(GRAPH)) {
        awaitLatency();
        graph(ex, requestId, path, query);
      } else if (path.equals(META) || path.startsWith(META + "/")) {
        awaitLatency();
        meta(ex, requestId, path, query);
      } else {
        throw new ApiError(404, "NOT_FOUND", "No such endpoint: " + path);
      }
    } catch (ApiError e) {
      sendError(ex, requestId, e.status, e.code, e.getMessage(), Map.of());
    } catch (RuntimeException e) {
      sendError(ex, requestId, 500, "INTERNAL", "Simulator failure: " + e, Map.of());
    }
    // not in a finally: after an IOException (an injected drop included) the server must close the
    // socket instead
    ex.close();
  }

  /** A remote Edlink's network and server time (see {@link EdlinkSimulator.Builder#latency}). */
  private void awaitLatency() {
    if (sim.latency().isZero()) {
      return;
    }
    try {
      Thread.sleep(sim.latency().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- Graph v2 ----

  private void graph(HttpExchange ex, String requestId, String path, Map<String, String> query)
      throws IOException {
    SimIntegration integration = sim.byToken(bearer(ex));
    if (integration == null) {
      throw new ApiError(400, "INVALID_TOKEN", "The access token is missing, invalid or revoked.");
    }
    String[] segments = path.substring(GRAPH.length()).split("/");
    String endpoint = segments[0];
    sim.countRequest(integration.id(), endpoint);
    if (!integration.servesGraph()) {
      throw new ApiError(
          400,
          "INVALID_INTEGRATION_STATE",
          "The integration is "
              + integration.status()
              + "; the Graph API requires it to be active or paused.");
    }
    FaultKind breakage = injectFault(ex, requestId, integration.id(), endpoint, query);
    if (breakage == FaultKind.RATE_LIMIT) {
      return;
    }
    Roster roster = integration.roster;
    Listing listing;
    Predicate<JsonObject> filter = null;
    if (endpoint.equals("events")) {
      roster.lock.writeLock().lock();
      try {
        roster.events.prune(sim.clock().millis());
      } finally {
        roster.lock.writeLock().unlock();
      }
      listing = roster.events;
    } else {
      RosterType type = entityType(endpoint, path);
      listing = roster.store(type);
    }
    if (segments.length >= 2) {
      String id = segments[1];
      if (Ids.parse(id) == null) {
        throw new ApiError(
            400,
            "INVALID_UUID",
            "A valid v4 or v5 UUID or Alias is expected for parameter '"
                + idParameter(endpoint)
                + "'.");
      }
      JsonObject one =
          readLocked(
              roster,
              () -> {
                int p = listing.positionOf(id);
                return p >= 0 && listing.nextLive(p) == p && p < listing.end()
                    ? listing.get(p)
                    : null;
              });
      if (one == null) {
        throw new ApiError(
            404,
            "NOT_FOUND",
            "No " + endpoint + " object with id " + id + " exists in this integration.");
      }
      if (segments.length == 2) {
        sendData(ex, requestId, one, null, List.of(), breakage);
        return;
      }
      if (segments.length > 3 || endpoint.equals("events")) {
        throw new ApiError(404, "NOT_FOUND", "No such endpoint: " + path);
      }
      SubCollection sub = SubCollection.of(entityType(endpoint, path), id, segments[2]);
      if (sub == null) {
        throw new ApiError(404, "NOT_FOUND", "No such endpoint (or not simulated): " + path);
      }
      filter = sub.filter();
      Listing children = roster.store(sub.type());
      page(ex, requestId, integration.id() + path, path, query, children, filter, roster, breakage);
      return;
    }
    page(ex, requestId, integration.id() + path, path, query, listing, null, roster, breakage);
  }

  private static RosterType entityType(String endpoint, String path) {
    try {
      return RosterType.fromPath(endpoint);
    } catch (IllegalArgumentException e) {
      throw new ApiError(404, "NOT_FOUND", "No such endpoint: " + path);
    }
  }

  private static String idParameter(String endpoint) {
    if (endpoint.equals("people")) {
      return "person_id";
    }
    if (endpoint.equals("classes")) {
      return "class_id";
    }
    return endpoint.replaceAll("s$", "") + "_id";
  }

  // ---- Meta v1 ----

  private void meta(HttpExchange ex, String requestId, String path, Map<String, String> query)
      throws IOException {
    if (!sim.appSecret().equals(bearer(ex))) {
      throw new ApiError(400, "INVALID_TOKEN", "The application secret key is missing or invalid.");
    }
    String id = path.length() > META.length() ? path.substring(META.length() + 1) : null;
    sim.countRequest(id, "integrations");
    FaultKind breakage = injectFault(ex, requestId, id, "integrations", query);
    if (breakage == FaultKind.RATE_LIMIT) {
      return;
    }
    List<SimIntegration> all = sim.integrations();
    Listing listing =
        new Listing() {
          @Override
          public int end() {
            return all.size();
          }

          @Override
          public int nextLive(int from) {
            return Math.max(0, from);
          }

          @Override
          public int previousLive(int from) {
            return Math.min(from, all.size() - 1);
          }

          @Override
          public JsonObject get(int position) {
            return all.get(position).metaJson();
          }

          @Override
          public int positionOf(String integrationId) {
            for (int i = 0; i < all.size(); i++) {
              if (all.get(i).id().equals(integrationId)) {
                return i;
              }
            }
            return -1;
          }
        };
    if (id == null) {
      page(ex, requestId, "meta" + path, path, query, listing, null, null, breakage);
      return;
    }
    if (Ids.parse(id) == null) {
      throw new ApiError(
          400, "INVALID_UUID", "A valid v4 or v5 UUID is expected for parameter 'integration_id'.");
    }
    int p = listing.positionOf(id);
    if (p < 0) {
      throw new ApiError(
          404, "NOT_FOUND", "No integration with id " + id + " belongs to this application.");
    }
    sendData(ex, requestId, listing.get(p), null, List.of(), breakage);
  }

  // ---- paging ----

  private void page(
      HttpExchange ex,
      String requestId,
      String scope,
      String path,
      Map<String, String> query,
      Listing listing,
      Predicate<JsonObject> filter,
      Roster roster,
      FaultKind breakage)
      throws IOException {
    List<JsonObject> warnings = new ArrayList<>();
    // Shuffled keys need the trees; otherwise each record goes out as the bytes it is served as.
    boolean asServed = !sim.shuffleKeys();
    String cursorParam = query.get("$cursor");
    Page page;
    int pageNumber = 1;
    int pageSize;
    if (cursorParam != null) {
      Cursor c = cursors.get(cursorParam);
      if (c == null || !c.scope().equals(scope) || c.expiresAtMillis() < sim.clock().millis()) {
        throw new ApiError(
            400,
            "INVALID_CURSOR",
            "The cursor is unknown, expired (cursors live 2 hours) or belongs to another request.");
      }
      for (String p : PAGING_PARAMS) {
        if (query.containsKey(p)) {
          warnings.add(
              problem("PAGING_IGNORED", "Paging parameters are ignored when $cursor is given."));
          break;
        }
      }
      pageNumber = c.page();
      pageSize = c.pageSize();
      page =
          readLocked(
              roster, () -> forward(listing, c.afterPosition(), c.pageSize(), filter, asServed));
    } else if (query.containsKey("$last")) {
      int last = pageSize(query.get("$last"), "$last");
      int before =
          query.containsKey("$before")
              ? position(listing, roster, query.get("$before"))
              : Integer.MAX_VALUE;
      pageSize = last;
      page = readLocked(roster, () -> backward(listing, before, last, filter, asServed));
    } else {
      pageSize =
          query.containsKey("$first") ? pageSize(query.get("$first"), "$first") : DEFAULT_PAGE_SIZE;
      int size = pageSize;
      if (query.containsKey("$before")) {
        int before = position(listing, roster, query.get("$before"));
        page = readLocked(roster, () -> backward(listing, before, size, filter, asServed));
      } else {
        int after =
            query.containsKey("$after") ? position(listing, roster, query.get("$after")) : -1;
        page = readLocked(roster, () -> forward(listing, after, size, filter, asServed));
      }
    }
    String next = null;
    if (page.more()) {
      String id = UUID.randomUUID().toString();
      cursors.put(
          id,
          new Cursor(
              scope,
              pageSize,
              page.lastPosition(),
              pageNumber + 1,
              sim.clock().millis() + CURSOR_TTL_MILLIS));
      if (cursors.size() > 10_000) {
        long now = sim.clock().millis();
        cursors.values().removeIf(c -> c.expiresAtMillis() < now);
      }
      next = sim.baseUrl() + path + "?$cursor=" + id;
    }
    if (page.served() != null) {
      List<byte[]> records = page.served();
      send(ex, requestId, (w, raw) -> writeServed(w, raw, records), next, warnings, breakage);
      return;
    }
    JsonArray data = new JsonArray(page.items().size());
    page.items().forEach(data::add);
    sendData(ex, requestId, data, next, warnings, breakage);
  }

  /**
   * The page number a request belongs to in its paging run forward, or {@link
   * FaultRule#FROM_THE_END} for a page asked from the list's end (for {@link FaultRule#onPage}).
   */
  private int pageNumber(Map<String, String> query) {
    String cursor = query.get("$cursor");
    Cursor c = cursor == null ? null : cursors.get(cursor);
    if (c != null) {
      return c.page();
    }
    return query.containsKey("$last") ? FaultRule.FROM_THE_END : 1;
  }

  private static Page forward(
      Listing l, int afterPosition, int size, Predicate<JsonObject> filter, boolean asServed) {
    List<JsonObject> items = asServed ? null : new ArrayList<>(Math.min(size, 1024));
    List<byte[]> served = asServed ? new ArrayList<>(Math.min(size, 1024)) : null;
    int count = 0;
    int last = afterPosition;
    int p = l.nextLive(afterPosition + 1);
    while (count < size && p < l.end()) {
      if (filter == null || filter.test(l.get(p))) {
        add(l, p, items, served);
        count++;
        last = p;
      }
      p = l.nextLive(p + 1);
    }
    boolean more = false;
    while (!more && p < l.end()) {
      more = filter == null || filter.test(l.get(p));
      p = l.nextLive(p + 1);
    }
    return new Page(items, served, last, more);
  }

  private static void add(Listing l, int position, List<JsonObject> items, List<byte[]> served) {
    if (served != null) {
      served.add(l.served(position));
    } else {
      items.add(l.get(position));
    }
  }

  /**
   * The {@code size} records before a position, oldest first; backward pages carry no {@code
   * $next}.
   */
  private static Page backward(
      Listing l, int beforePosition, int size, Predicate<JsonObject> filter, boolean asServed) {
    List<JsonObject> items = asServed ? null : new ArrayList<>();
    List<byte[]> served = asServed ? new ArrayList<>() : null;
    int count = 0;
    int p = l.previousLive(Math.min(beforePosition, l.end()) - 1);
    while (count < size && p >= 0) {
      if (filter == null || filter.test(l.get(p))) {
        add(l, p, items, served);
        count++;
      }
      p = l.previousLive(p - 1);
    }
    Collections.reverse(asServed ? served : items);
    return new Page(items, served, -1, false);
  }

  private static int pageSize(String value, String parameter) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1 && n <= MAX_PAGE_SIZE) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below like an out-of-range number
    }
    throw new ApiError(
        400,
        "INVALID_PAGE_SIZE",
        "The parameter "
            + parameter
            + " must be an integer between 1 and "
            + MAX_PAGE_SIZE
            + "; got '"
            + value
            + "'.");
  }

  private int position(Listing listing, Roster roster, String id) {
    if (Ids.parse(id) == null) {
      throw new ApiError(
          400,
          "INVALID_UUID",
          "A valid v4 or v5 UUID is expected for $after/$before; got '" + id + "'.");
    }
    int p = readLocked(roster, () -> listing.positionOf(id));
    if (p < 0) {
      throw new ApiError(
          400,
          "INVALID_CURSOR",
          "Cannot page relative to "
              + id
              + ": no such object in this collection"
              + " (for events: it never existed or is older than the 30-day retention window and was pruned).");
    }
    return p;
  }

  private static <T> T readLocked(Roster roster, java.util.function.Supplier<T> action) {
    if (roster == null) {
      return action.get();
    }
    roster.lock.readLock().lock();
    try {
      return action.get();
    } finally {
      roster.lock.readLock().unlock();
    }
  }

  // ---- faults ----

  /**
   * Applies a firing fault rule. Error kinds send their response here and report RATE_LIMIT
   * (meaning: done); SLOW sleeps and returns null; the body-breaking kinds are returned for {@link
   * #sendData} to apply.
   */
  private FaultKind injectFault(
      HttpExchange ex,
      String requestId,
      String integrationId,
      String endpoint,
      Map<String, String> query)
      throws IOException {
    FaultRule rule = sim.faults().fire(integrationId, endpoint, pageNumber(query));
    if (rule == null) {
      return null;
    }
    switch (rule.kind()) {
      case RATE_LIMIT:
        sendError(
            ex,
            requestId,
            429,
            "RATE_LIMITED",
            "Too many requests; retry after " + rule.retryAfterSeconds() + " s.",
            Map.of("Retry-After", String.valueOf(rule.retryAfterSeconds())));
        return FaultKind.RATE_LIMIT;
      case SERVER_ERROR_500:
        sendError(
            ex, requestId, 500, "INTERNAL", "An internal error occurred (injected).", Map.of());
        return FaultKind.RATE_LIMIT;
      case UNAVAILABLE_503:
        sendError(
            ex,
            requestId,
            503,
            "UNAVAILABLE",
            "The service is temporarily unavailable (injected).",
            Map.of("Retry-After", String.valueOf(rule.retryAfterSeconds())));
        return FaultKind.RATE_LIMIT;
      case BAD_GATEWAY_502:
        byte[] html =
            "<html><body><h1>502 Bad Gateway</h1></body></html>".getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/html");
        ex.sendResponseHeaders(502, html.length);
        ex.getResponseBody().write(html);
        return FaultKind.RATE_LIMIT;
      case SLOW:
        try {
          Thread.sleep(rule.delayMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return null;
      default:
        return rule.kind();
    }
  }

  // ---- responses ----

  private void sendData(
      HttpExchange ex,
      String requestId,
      JsonElement data,
      String next,
      List<JsonObject> warnings,
      FaultKind breakage)
      throws IOException {
    Random shuffle = sim.shuffleKeys() ? ThreadLocalRandom.current() : null;
    send(ex, requestId, (w, raw) -> writeTree(w, data, shuffle), next, warnings, breakage);
  }

  /** Writes a response's {@code $data} value, with its JSON writer or raw to the bytes under it. */
  @FunctionalInterface
  private interface DataWriter {
    void write(JsonWriter w, Utf8Writer raw) throws IOException;
  }

  private void send(
      HttpExchange ex,
      String requestId,
      DataWriter data,
      String next,
      List<JsonObject> warnings,
      FaultKind breakage)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    if (breakage == null) {
      ex.sendResponseHeaders(
          200, 0); // chunked: a 10,000-record page is streamed, never held as one string
      writeEnvelope(ex.getResponseBody(), requestId, data, next, warnings);
      return;
    }
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    writeEnvelope(buffer, requestId, data, next, warnings);
    byte[] body = buffer.toByteArray();
    if (breakage == FaultKind.TRUNCATED_JSON) {
      int cut = Math.max(1, body.length * 6 / 10);
      ex.sendResponseHeaders(200, cut);
      ex.getResponseBody().write(body, 0, cut);
    } else {
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body, 0, body.length / 2);
      ex.getResponseBody().flush();
      // an IOException from a handler makes the JDK server close the socket without finishing the
      // response
      throw new IOException("injected DROP_MID_BODY");
    }
  }

  private static void writeEnvelope(
      OutputStream out, String requestId, DataWriter data, String next, List<JsonObject> warnings)
      throws IOException {
    Utf8Writer raw = new Utf8Writer(out, 1 << 16);
    JsonWriter w = new JsonWriter(raw);
    w.setSerializeNulls(true);
    w.beginObject();
    w.name("$data");
    data.write(w, raw);
    if (next != null) {
      w.name("$next").value(next);
    }
    if (!warnings.isEmpty()) {
      w.name("$warnings");
      w.beginArray();
      for (JsonObject warning : warnings) {
        JsonOut.write(w, warning, null);
      }
      w.endArray();
    }
    w.name("$request").value(requestId);
    w.endObject();
    w.flush();
  }

  private static void writeTree(JsonWriter w, JsonElement data, Random shuffle) throws IOException {
    if (data.isJsonArray()) {
      w.beginArray();
      for (JsonElement record : data.getAsJsonArray()) {
        JsonOut.write(w, record, shuffle);
      }
      w.endArray();
    } else {
      JsonOut.write(w, data, shuffle);
    }
  }

  /**
   * A page's records as they are served, the bytes {@link #writeTree} would write for them. The
   * writer is told of a value (empty: it writes the name and its colon, then nothing), so that it
   * puts the comma before the next member; the array itself goes to the bytes under it.
   */
  private static void writeServed(JsonWriter w, Utf8Writer raw, List<byte[]> records)
      throws IOException {
    w.jsonValue("");
    raw.write('[');
    for (int i = 0; i < records.size(); i++) {
      if (i > 0) {
        raw.write(',');
      }
      raw.writeUtf8(records.get(i));
    }
    raw.write(']');
  }

  static void sendError(
      HttpExchange ex,
      String requestId,
      int status,
      String code,
      String message,
      Map<String, String> headers)
      throws IOException {
    JsonObject body = new JsonObject();
    body.addProperty("$request", requestId);
    JsonArray errors = new JsonArray();
    errors.add(problem(code, message));
    body.add("$errors", errors);
    sendJson(ex, status, body, headers);
  }

  static void sendJson(HttpExchange ex, int status, JsonElement body, Map<String, String> headers)
      throws IOException {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  static JsonObject problem(String code, String message) {
    JsonObject o = new JsonObject();
    o.addProperty("code", code);
    o.addProperty("message", message);
    return o;
  }

  static String bearer(HttpExchange ex) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return auth.substring(7).trim();
  }

  static Map<String, String> query(String rawQuery) {
    Map<String, String> q = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return q;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      q.put(k, v);
    }
    return q;
  }
}
