package org.rostersync.sandbox.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class SimulatorAdminApiTest {

  private static HttpResponse<String> post(
      EdlinkSimulator sim, String path, String secret, String body) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/__sim/" + path))
            .header("Authorization", "Bearer " + secret)
            .POST(
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build();
    return SimHttp.CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject json(HttpResponse<String> r) {
    assertThat(r.body(), r.statusCode(), is(200));
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  @Test
  void adminApiDrivesMutationsStateFaultsAndClock() throws Exception {
    try (EdlinkSimulator sim =
        EdlinkSimulator.builder().appSecret("s3cret").integration(DatasetSize.SMALL).start()) {
      SimIntegration i = sim.integrations().get(0);
      String base = "integrations/" + i.id();
      assertThat(post(sim, base + "/day?churn=0.01", "wrong", null).statusCode(), is(401));

      JsonObject day = json(post(sim, base + "/day?churn=0.05", "s3cret", null));
      assertThat(day.getAsJsonObject("people").get("updated").getAsInt(), is(greaterThan(0)));
      JsonObject created = json(post(sim, base + "/create?type=people&count=5", "s3cret", null));
      assertThat(created.getAsJsonObject("people").get("created").getAsInt(), is(5));
      json(post(sim, base + "/delete-all?type=enrollments", "s3cret", null));
      assertThat(sim.count(i.id(), RosterType.ENROLLMENTS), is(0L));
      assertThat(json(post(sim, base + "/rollover", "s3cret", null)).has("classes"), is(true));

      json(post(sim, base + "/status?value=paused", "s3cret", null));
      assertThat(i.status(), is("paused"));
      String old = i.accessToken();
      JsonObject revoked = json(post(sim, base + "/revoke", "s3cret", null));
      assertThat(revoked.get("access_token").getAsString(), not(old));

      json(
          post(
              sim,
              "faults",
              "s3cret",
              "{\"kind\":\"unavailable_503\",\"endpoint\":\"people\",\"times\":1}"));
      assertThat(
          SimHttp.get(sim.baseUrl() + "/api/v2/graph/people", i.accessToken()).status(), is(503));
      json(post(sim, "faults", "s3cret", "{\"kind\":\"RATE_LIMIT\"}"));
      HttpResponse<String> cleared =
          SimHttp.CLIENT.send(
              HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/__sim/faults"))
                  .header("Authorization", "Bearer s3cret")
                  .DELETE()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(cleared.statusCode(), is(200));
      assertThat(sim.faults().rules().isEmpty(), is(true));

      long before = sim.now().toEpochMilli();
      json(post(sim, "clock?advance=P31D", "s3cret", null));
      assertThat(sim.now().toEpochMilli() - before >= 31L * 24 * 3600 * 1000, is(true));
      assertThat(post(sim, "clock?advance=bogus", "s3cret", null).statusCode(), is(400));
      assertThat(post(sim, base + "/nonsense", "s3cret", null).statusCode(), is(404));
    }
  }

  @Test
  void standaloneMainPrintsHelp() throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream saved = System.out;
    System.setOut(new java.io.PrintStream(out, true, "UTF-8"));
    try {
      SimulatorMain.main(new String[] {"--help"});
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      System.setOut(saved);
    }
    assertThat(out.toString("UTF-8").contains("--integrations="), is(true));
  }

  @Test
  void fleetSpecListsSizesInOrder() {
    java.util.List<DatasetSize> fleet = SimulatorMain.fleet("largeish:1, medium:2,tiny");
    assertThat(
        fleet,
        is(
            java.util.List.of(
                DatasetSize.LARGEISH, DatasetSize.MEDIUM, DatasetSize.MEDIUM, DatasetSize.TINY)));
    assertThat(SimulatorMain.fleet("largeish:1,medium:3,small:16,tiny:30").size(), is(50));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> SimulatorMain.fleet("huge:1"));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> SimulatorMain.fleet(" , "));
  }
}
