package org.rostersync.sandbox.simulator;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The admin API under {@code /__sim/}: drives mutations, faults and the clock over HTTP. Needs the
 * app secret.
 */
final class AdminApi {
  private final EdlinkSimulator sim;

  AdminApi(EdlinkSimulator sim) {
    this.sim = sim;
  }

  /**
   * @param route the path after {@code /__sim/}
   */
  void handle(HttpExchange ex, String route, Map<String, String> q) throws IOException {
    if (!sim.appSecret().equals(ApiHandler.bearer(ex))) {
      throw new ApiHandler.ApiError(
          401, "INVALID_TOKEN", "The admin API needs 'Authorization: Bearer <app secret>'.");
    }
    String method = ex.getRequestMethod();
    String[] s = route.split("/");
    try {
      JsonElement result = route(ex, method, s, q);
      if (result == null) {
        throw new ApiHandler.ApiError(
            404, "NOT_FOUND", method + " /__sim/" + route + " is not an admin endpoint.");
      }
      ApiHandler.sendJson(ex, 200, result, Map.of());
    } catch (NoSuchElementException e) {
      throw new ApiHandler.ApiError(404, "NOT_FOUND", e.getMessage());
    } catch (IllegalArgumentException | DateTimeParseException | NullPointerException e) {
      throw new ApiHandler.ApiError(400, "INVALID_REQUEST", String.valueOf(e.getMessage()));
    }
  }

  private JsonElement route(HttpExchange ex, String method, String[] s, Map<String, String> q)
      throws IOException {
    boolean post = method.equals("POST");
    switch (s[0]) {
      case "integrations":
        if (s.length == 1) {
          if (method.equals("GET")) {
            JsonArray list = new JsonArray();
            sim.integrations().forEach(i -> list.add(describe(i)));
            return list;
          }
          return post
              ? describe(sim.addIntegration(DatasetSize.named(q.getOrDefault("size", "tiny"))))
              : null;
        }
        return post && s.length == 3 ? integration(sim.integration(s[1]).id(), s[2], q) : null;
      case "faults":
        if (method.equals("DELETE")) {
          sim.faults().clear();
          return rules();
        }
        if (post) {
          sim.faults()
              .add(
                  rule(
                      JsonParser.parseReader(
                              new InputStreamReader(ex.getRequestBody(), StandardCharsets.UTF_8))
                          .getAsJsonObject()));
          return rules();
        }
        return method.equals("GET") ? rules() : null;
      case "clock":
        if (post) {
          sim.advanceClock(Duration.parse(q.get("advance")));
        }
        JsonObject clock = new JsonObject();
        clock.addProperty("now", SimClock.format(sim.now().toEpochMilli()));
        return clock;
      case "requests":
        JsonObject counts = new JsonObject();
        counts.addProperty("total", sim.requestCount());
        return counts;
      default:
        return null;
    }
  }

  private JsonElement integration(String id, String action, Map<String, String> q) {
    switch (action) {
      case "day":
        return sim.applyDay(id, Double.parseDouble(q.getOrDefault("churn", "0.01"))).toJson();
      case "rollover":
        return sim.termRollover(id).toJson();
      case "update":
        return sim.update(id, type(q), count(q)).toJson();
      case "create":
        return sim.create(id, type(q), count(q)).toJson();
      case "delete":
        return sim.delete(id, type(q), count(q)).toJson();
      case "delete-all":
        return sim.deleteAll(id, type(q)).toJson();
      case "status":
        sim.setStatus(id, q.get("value"));
        return describe(sim.integration(id));
      case "revoke":
        sim.revokeToken(id);
        return describe(sim.integration(id));
      default:
        return null;
    }
  }

  private static RosterType type(Map<String, String> q) {
    return RosterType.fromPath(q.get("type"));
  }

  private static int count(Map<String, String> q) {
    return Integer.parseInt(q.getOrDefault("count", "1"));
  }

  private JsonObject describe(SimIntegration i) {
    JsonObject o = new JsonObject();
    o.addProperty("id", i.id());
    o.addProperty("access_token", i.accessToken());
    o.addProperty("status", i.status());
    o.addProperty("size", i.size().name());
    JsonObject counts = new JsonObject();
    for (RosterType t : RosterType.values()) {
      counts.addProperty(t.path(), sim.count(i.id(), t));
    }
    o.add("counts", counts);
    return o;
  }

  /** {@code {"rules":["FaultRule{...}", ...]}}: the active rules, described. */
  private JsonObject rules() {
    JsonArray a = new JsonArray();
    sim.faults().rules().forEach(r -> a.add(r.toString()));
    JsonObject o = new JsonObject();
    o.add("rules", a);
    return o;
  }

  /**
   * {@code
   * {"kind":"RATE_LIMIT","integration":null,"endpoint":"people","retry_after_seconds":1,"delay_millis":2000,"times":3,"on_page":2,"probability":0.5}}
   */
  static FaultRule rule(JsonObject o) {
    FaultRule.Builder b =
        FaultRule.builder()
            .kind(FaultKind.valueOf(o.get("kind").getAsString().toUpperCase(Locale.ROOT)));
    if (has(o, "integration")) {
      b.integration(o.get("integration").getAsString());
    }
    if (has(o, "endpoint")) {
      b.endpoint(o.get("endpoint").getAsString());
    }
    if (has(o, "retry_after_seconds")) {
      b.retryAfterSeconds(o.get("retry_after_seconds").getAsInt());
    }
    if (has(o, "delay_millis")) {
      b.delayMillis(o.get("delay_millis").getAsLong());
    }
    if (has(o, "times")) {
      b.times(o.get("times").getAsInt());
    }
    if (has(o, "on_page")) {
      b.onPage(o.get("on_page").getAsInt());
    }
    if (has(o, "from_the_end") && o.get("from_the_end").getAsBoolean()) {
      b.fromTheEnd();
    }
    if (has(o, "probability")) {
      b.probability(o.get("probability").getAsDouble());
    }
    return b.build();
  }

  private static boolean has(JsonObject o, String field) {
    return o.has(field) && !o.get(field).isJsonNull();
  }
}
