package org.rostersync.sandbox.simulator;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A minimal Edlink client for the simulator tests (the project's real client lives elsewhere). */
final class SimHttp {
  static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  record Reply(int status, HttpResponse<String> raw) {
    JsonObject json() {
      return JsonParser.parseString(raw.body()).getAsJsonObject();
    }

    String errorCode() {
      return json().getAsJsonArray("$errors").get(0).getAsJsonObject().get("code").getAsString();
    }
  }

  private SimHttp() {}

  static HttpResponse<String> send(String method, String url, String bearer) throws IOException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    try {
      return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  static Reply get(String url, String bearer) {
    try {
      HttpResponse<String> r = send("GET", url, bearer);
      return new Reply(r.statusCode(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Follows {@code $next} from {@code url} and returns every record. */
  static List<JsonObject> pageAll(String url, String bearer) {
    List<JsonObject> all = new ArrayList<>();
    String next = url;
    while (next != null) {
      Reply r = get(next, bearer);
      if (r.status() != 200) {
        throw new AssertionError("HTTP " + r.status() + " for " + next + ": " + r.raw().body());
      }
      JsonObject body = r.json();
      for (JsonElement e : body.getAsJsonArray("$data")) {
        all.add(e.getAsJsonObject());
      }
      next = body.has("$next") ? body.get("$next").getAsString() : null;
    }
    return all;
  }
}
