package org.rostersync.sandbox.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import java.io.IOException;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatorFaultsTest {
  EdlinkSimulator sim;
  SimIntegration a;
  SimIntegration b;
  String people;

  @BeforeEach
  void start() {
    sim =
        EdlinkSimulator.builder()
            .seed(9)
            .integration(DatasetSize.SMALL)
            .integration(DatasetSize.TINY)
            .start();
    a = sim.integrations().get(0);
    b = sim.integrations().get(1);
    people = sim.baseUrl() + "/api/v2/graph/people?$first=100";
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  @Test
  void rateLimitSends429WithRetryAfterForTheNextNRequests() {
    sim.faults()
        .add(
            FaultRule.builder()
                .integration(a.id())
                .endpoint("people")
                .kind(FaultKind.RATE_LIMIT)
                .retryAfterSeconds(3)
                .times(2)
                .build());
    assertThat(
        "other endpoints are not affected",
        SimHttp.get(sim.baseUrl() + "/api/v2/graph/classes", a.accessToken()).status(),
        is(200));
    assertThat(
        "other integrations are not affected",
        SimHttp.get(people, b.accessToken()).status(),
        is(200));
    for (int n = 0; n < 2; n++) {
      SimHttp.Reply r = SimHttp.get(people, a.accessToken());
      assertThat(r.status(), is(429));
      assertThat(r.raw().headers().firstValue("Retry-After").orElse(""), is("3"));
      assertThat(r.errorCode(), is("RATE_LIMITED"));
    }
    assertThat(SimHttp.get(people, a.accessToken()).status(), is(200));
  }

  @Test
  void serverErrors() {
    sim.faults().add(FaultRule.builder().kind(FaultKind.SERVER_ERROR_500).times(1).build());
    sim.faults().add(FaultRule.builder().kind(FaultKind.BAD_GATEWAY_502).times(1).build());
    sim.faults().add(FaultRule.builder().kind(FaultKind.UNAVAILABLE_503).times(1).build());
    assertThat(SimHttp.get(people, a.accessToken()).status(), is(500));
    assertThat(SimHttp.get(people, a.accessToken()).status(), is(502));
    SimHttp.Reply unavailable = SimHttp.get(people, a.accessToken());
    assertThat(unavailable.status(), is(503));
    assertThat(unavailable.raw().headers().firstValue("Retry-After").isPresent(), is(true));
    assertThat(SimHttp.get(people, a.accessToken()).status(), is(200));
  }

  @Test
  void slowDelaysButServes() {
    sim.faults().add(FaultRule.builder().kind(FaultKind.SLOW).delayMillis(300).times(1).build());
    long start = System.nanoTime();
    assertThat(SimHttp.get(people, a.accessToken()).status(), is(200));
    assertThat((System.nanoTime() - start) / 1_000_000, is(greaterThanOrEqualTo(300L)));
  }

  @Test
  void dropMidBodyBreaksTheConnection() {
    sim.faults()
        .add(FaultRule.builder().endpoint("people").kind(FaultKind.DROP_MID_BODY).times(1).build());
    assertThrows(IOException.class, () -> SimHttp.send("GET", people, a.accessToken()));
    assertThat(
        "the next request is served", SimHttp.get(people, a.accessToken()).status(), is(200));
  }

  @Test
  void truncatedJsonIsACompleteResponseThatDoesNotParse() throws IOException {
    sim.faults()
        .add(
            FaultRule.builder().endpoint("people").kind(FaultKind.TRUNCATED_JSON).times(1).build());
    HttpResponse<String> r = SimHttp.send("GET", people, a.accessToken());
    assertThat(r.statusCode(), is(200));
    assertThrows(
        JsonSyntaxException.class,
        () ->
            JsonParser.parseString(r.body())
                .getAsJsonObject()
                .getAsJsonArray("$data")
                .forEach(e -> e.getAsJsonObject().get("id").getAsString()));
  }

  @Test
  void onPageFiresOnTheKthPageOfEachPagingRun() {
    sim.faults()
        .add(
            FaultRule.builder()
                .endpoint("people")
                .kind(FaultKind.SERVER_ERROR_500)
                .onPage(3)
                .times(1)
                .build());
    JsonObject page1 = SimHttp.get(people, a.accessToken()).json();
    JsonObject page2 = SimHttp.get(page1.get("$next").getAsString(), a.accessToken()).json();
    String third = page2.get("$next").getAsString();
    assertThat(SimHttp.get(third, a.accessToken()).status(), is(500));
    assertThat(
        "a retry of page 3 succeeds once the rule is used up",
        SimHttp.get(third, a.accessToken()).status(),
        is(200));
  }

  /**
   * Pages asked from a list's end ($last, $before) are not page 1 of a forward run: a rule on page
   * 1 leaves them alone, and only a rule from the end breaks them.
   */
  @Test
  void fromTheEndFiresOnlyOnPagesAskedFromTheEnd() {
    String last = sim.baseUrl() + "/api/v2/graph/people?$last=100";
    sim.faults()
        .add(
            FaultRule.builder()
                .endpoint("people")
                .kind(FaultKind.SERVER_ERROR_500)
                .onPage(1)
                .build());
    assertThat("page 1 forward", SimHttp.get(people, a.accessToken()).status(), is(500));
    JsonObject end = SimHttp.get(last, a.accessToken()).json();
    String oldest = end.getAsJsonArray("$data").get(0).getAsJsonObject().get("id").getAsString();
    String before = last + "&$before=" + oldest;
    assertThat("the page before it", SimHttp.get(before, a.accessToken()).status(), is(200));

    sim.faults().clear();
    sim.faults()
        .add(
            FaultRule.builder()
                .endpoint("people")
                .kind(FaultKind.SERVER_ERROR_500)
                .fromTheEnd()
                .build());
    assertThat(SimHttp.get(last, a.accessToken()).status(), is(500));
    assertThat(SimHttp.get(before, a.accessToken()).status(), is(500));
    JsonObject page1 = SimHttp.get(people, a.accessToken()).json();
    assertThat(
        "forward pages are not from the end",
        SimHttp.get(page1.get("$next").getAsString(), a.accessToken()).status(),
        is(200));
  }

  @Test
  void probabilityAndClear() {
    sim.faults().add(FaultRule.builder().kind(FaultKind.SERVER_ERROR_500).probability(0.5).build());
    int failures = 0;
    for (int n = 0; n < 40; n++) {
      if (SimHttp.get(people, a.accessToken()).status() == 500) {
        failures++;
      }
    }
    assertThat(failures > 5 && failures < 35, is(true));
    sim.faults().clear();
    assertThat(SimHttp.get(people, a.accessToken()).status(), is(200));
  }

  @Test
  void metaEndpointFaults() {
    sim.faults()
        .add(
            FaultRule.builder()
                .endpoint("integrations")
                .kind(FaultKind.RATE_LIMIT)
                .times(1)
                .build());
    assertThat(
        SimHttp.get(sim.baseUrl() + "/api/v1/integrations", sim.appSecret()).status(), is(429));
    assertThat(
        SimHttp.get(sim.baseUrl() + "/api/v1/integrations", sim.appSecret()).status(), is(200));
  }
}
