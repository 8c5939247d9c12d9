package org.rostersync.sandbox.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SimulatorApiTest {
  static EdlinkSimulator sim;
  static SimIntegration a;
  static SimIntegration b;

  @BeforeAll
  static void start() {
    sim =
        EdlinkSimulator.builder()
            .port(0)
            .seed(42L)
            .appSecret("sim-app-secret")
            .integration(DatasetSize.SMALL)
            .integration(DatasetSize.TINY)
            .start();
    a = sim.integrations().get(0);
    b = sim.integrations().get(1);
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  private static String graph(String path) {
    return sim.baseUrl() + "/api/v2/graph/" + path;
  }

  /**
   * A client that keeps its connection open (as the JDK's HttpClient, and so the sync, does) must
   * not wait on Nagle's algorithm against its own delayed ACK: that adds about 40 ms to every
   * request after the first on a connection, which real Edlink does not, and which made a small
   * district's nine one-page fetches look network-bound in the benchmarks.
   */
  @Test
  void keptAliveConnectionAnswersWithoutTheDelayedAckStall() {
    String url = graph("districts");
    SimHttp.get(url, a.accessToken()); // opens the connection and warms the handler
    int requests = 10;
    long start = System.nanoTime();
    for (int i = 0; i < requests; i++) {
      assertThat(SimHttp.get(url, a.accessToken()).status(), is(200));
    }
    long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
    // With the stall: >= 40 ms each, 400 ms or more in all. Without: a few ms each.
    assertThat(
        requests + " requests on one connection took " + millis + " ms",
        millis < requests * 25L,
        is(true));
  }

  @Test
  void latencyHoldsBackGraphAndMetaAnswersButNotTheHealthCheck() {
    long latency = 300;
    try (EdlinkSimulator slow =
        EdlinkSimulator.builder()
            .port(0)
            .seed(42L)
            .appSecret("sim-app-secret")
            .latency(Duration.ofMillis(latency))
            .integration(DatasetSize.TINY)
            .start()) {
      String token = slow.integrations().get(0).accessToken();
      long graph = millis(() -> SimHttp.get(slow.baseUrl() + "/api/v2/graph/districts", token));
      long meta =
          millis(() -> SimHttp.get(slow.baseUrl() + "/api/v1/integrations", "sim-app-secret"));
      long up = millis(() -> SimHttp.get(slow.baseUrl() + "/api/up", null));
      assertThat("graph answer after " + graph + " ms", graph >= latency, is(true));
      assertThat("meta answer after " + meta + " ms", meta >= latency, is(true));
      assertThat("health check after " + up + " ms", up < latency, is(true));
    }
  }

  private static long millis(Runnable call) {
    long start = System.nanoTime();
    call.run();
    return Duration.ofNanos(System.nanoTime() - start).toMillis();
  }

  @Test
  void envelopeHasDataRequestAndAbsoluteNextOnlyWhenMoreRemain() {
    JsonObject first = SimHttp.get(graph("people?$first=10"), a.accessToken()).json();
    assertThat(first.getAsJsonArray("$data").size(), is(10));
    assertThat(first.get("$request").getAsString().length(), is(36));
    assertThat(
        first.get("$next").getAsString(),
        startsWith(sim.baseUrl() + "/api/v2/graph/people?$cursor="));

    JsonObject all = SimHttp.get(graph("districts"), a.accessToken()).json();
    assertThat(all.getAsJsonArray("$data").size(), is(1));
    assertThat(all.has("$next"), is(false));

    int people = (int) sim.count(a.id(), RosterType.PEOPLE);
    JsonObject exact = SimHttp.get(graph("people?$first=" + people), a.accessToken()).json();
    assertThat(exact.getAsJsonArray("$data").size(), is(people));
    assertThat(
        "no $next when the page ends exactly at the last record", exact.has("$next"), is(false));
  }

  @Test
  void pagingReturnsEveryRecordOnceInServingOrder() {
    for (RosterType type : RosterType.values()) {
      List<JsonObject> truth = sim.records(a.id(), type);
      assertThat(
          type + " by 10000",
          SimHttp.pageAll(graph(type.path() + "?$first=10000"), a.accessToken()),
          equalTo(truth));
      assertThat(
          type + " by default 100",
          SimHttp.pageAll(graph(type.path()), a.accessToken()),
          equalTo(truth));
    }
    assertThat(sim.count(a.id(), RosterType.PEOPLE), is(500L));
    assertThat(sim.count(a.id(), RosterType.CLASSES), is(40L));
    assertThat(sim.count(a.id(), RosterType.ENROLLMENTS), is(2000L));
  }

  @Test
  void defaultPageSizeIs100() {
    assertThat(
        SimHttp.get(graph("people"), a.accessToken()).json().getAsJsonArray("$data").size(),
        is(100));
  }

  @Test
  void afterBeforeAndLastPage() {
    List<JsonObject> truth = sim.records(a.id(), RosterType.PEOPLE);
    String tenth = truth.get(9).get("id").getAsString();
    List<JsonObject> after = data(graph("people?$first=5&$after=" + tenth));
    assertThat(after, equalTo(truth.subList(10, 15)));
    List<JsonObject> before = data(graph("people?$first=3&$before=" + tenth));
    assertThat(before, equalTo(truth.subList(6, 9)));
    List<JsonObject> last = data(graph("people?$last=2"));
    assertThat(last, equalTo(truth.subList(truth.size() - 2, truth.size())));
  }

  @Test
  void fetchById() {
    JsonObject person = sim.records(a.id(), RosterType.PEOPLE).get(3);
    SimHttp.Reply r =
        SimHttp.get(graph("people/" + person.get("id").getAsString()), a.accessToken());
    assertThat(r.status(), is(200));
    assertThat(r.json().getAsJsonObject("$data"), equalTo(person));
    assertThat(
        SimHttp.get(graph("people/not-a-uuid"), a.accessToken()).errorCode(), is("INVALID_UUID"));
    SimHttp.Reply missing =
        SimHttp.get(graph("people/00000000-0000-4000-8000-000000000000"), a.accessToken());
    assertThat(missing.status(), is(404));
    assertThat(missing.errorCode(), is("NOT_FOUND"));
  }

  @Test
  void subCollectionFiltersByParent() {
    JsonObject school = sim.records(a.id(), RosterType.SCHOOLS).get(0);
    String schoolId = school.get("id").getAsString();
    List<JsonObject> classes =
        SimHttp.pageAll(graph("schools/" + schoolId + "/classes?$first=7"), a.accessToken());
    List<JsonObject> expected =
        sim.records(a.id(), RosterType.CLASSES).stream()
            .filter(c -> c.get("school_id").getAsString().equals(schoolId))
            .collect(Collectors.toList());
    assertThat(classes, equalTo(expected));
    assertThat(classes, not(empty()));
  }

  @Test
  void pageSizeOutOfRangeIsInvalidPageSize() {
    for (String bad : List.of("0", "10001", "abc", "-1")) {
      SimHttp.Reply r = SimHttp.get(graph("people?$first=" + bad), a.accessToken());
      assertThat(bad, r.status(), is(400));
      assertThat(bad, r.errorCode(), is("INVALID_PAGE_SIZE"));
    }
    assertThat(SimHttp.get(graph("people?$first=10000"), a.accessToken()).status(), is(200));
  }

  @Test
  void badOrForeignCursorIsInvalidCursor() {
    SimHttp.Reply r = SimHttp.get(graph("people?$cursor=nonsense"), a.accessToken());
    assertThat(r.status(), is(400));
    assertThat(r.errorCode(), is("INVALID_CURSOR"));
    String next =
        SimHttp.get(graph("people?$first=10"), a.accessToken()).json().get("$next").getAsString();
    assertThat(
        "another integration's cursor",
        SimHttp.get(next, b.accessToken()).errorCode(),
        is("INVALID_CURSOR"));
    assertThat(
        "an $after id of another integration",
        SimHttp.get(
                graph(
                    "people?$after="
                        + sim.records(b.id(), RosterType.PEOPLE).get(0).get("id").getAsString()),
                a.accessToken())
            .errorCode(),
        is("INVALID_CURSOR"));
  }

  @Test
  void cursorWithOtherPagingParametersWarnsPagingIgnored() {
    String next =
        SimHttp.get(graph("people?$first=10"), a.accessToken()).json().get("$next").getAsString();
    JsonObject page = SimHttp.get(next + "&$first=50", a.accessToken()).json();
    assertThat("the cursor's page size wins", page.getAsJsonArray("$data").size(), is(10));
    assertThat(
        page.getAsJsonArray("$warnings").get(0).getAsJsonObject().get("code").getAsString(),
        is("PAGING_IGNORED"));
  }

  @Test
  void cursorExpiresAfterTwoSimulatedHours() {
    try (EdlinkSimulator own = EdlinkSimulator.builder().integration(DatasetSize.TINY).start()) {
      SimIntegration i = own.integrations().get(0);
      String next =
          SimHttp.get(own.baseUrl() + "/api/v2/graph/people?$first=2", i.accessToken())
              .json()
              .get("$next")
              .getAsString();
      assertThat(SimHttp.get(next, i.accessToken()).status(), is(200));
      own.advanceClock(Duration.ofHours(2).plusMinutes(1));
      assertThat(SimHttp.get(next, i.accessToken()).errorCode(), is("INVALID_CURSOR"));
    }
  }

  @Test
  void tokensSeeOnlyTheirOwnIntegration() {
    Set<String> idsA = ids(SimHttp.pageAll(graph("people?$first=10000"), a.accessToken()));
    Set<String> idsB = ids(SimHttp.pageAll(graph("people?$first=10000"), b.accessToken()));
    assertThat(idsB, equalTo(ids(sim.records(b.id(), RosterType.PEOPLE))));
    assertThat(idsB.size(), is(10));
    Set<String> common = new HashSet<>(idsA);
    common.retainAll(idsB);
    assertThat(common, empty());
    String personOfB = idsB.iterator().next();
    assertThat(SimHttp.get(graph("people/" + personOfB), a.accessToken()).status(), is(404));
    assertThat(a.id(), not(equalTo(b.id())));
  }

  @Test
  void unknownOrMissingTokenIsInvalidToken() {
    assertThat(SimHttp.get(graph("people"), "nope").errorCode(), is("INVALID_TOKEN"));
    SimHttp.Reply missing = SimHttp.get(graph("people"), null);
    assertThat(missing.status(), is(400));
    assertThat(missing.errorCode(), is("INVALID_TOKEN"));
    assertThat(missing.json().get("$request").getAsString().length(), is(36));
  }

  @Test
  void metaApiListsIntegrationsWithTokensForTheAppSecretOnly() {
    List<JsonObject> items =
        SimHttp.pageAll(sim.baseUrl() + "/api/v1/integrations?$first=1", "sim-app-secret");
    assertThat(items, hasSize(sim.integrations().size()));
    JsonObject first = items.get(0);
    assertThat(first.get("id").getAsString(), is(a.id()));
    assertThat(first.get("access_token").getAsString(), is(a.accessToken()));
    assertThat(first.get("status").getAsString(), is("active"));
    for (String field :
        List.of(
            "state",
            "scope",
            "created_date",
            "updated_date",
            "permissions",
            "targets",
            "region_id",
            "district_sharing",
            "source",
            "provider",
            "team",
            "entity")) {
      assertThat(field, first.has(field), is(true));
    }
    assertThat(first.getAsJsonObject("provider").get("allows_data_sync").getAsBoolean(), is(true));
    assertThat(items.get(1).get("region_id"), not(equalTo(first.get("region_id"))));
    SimHttp.Reply one =
        SimHttp.get(sim.baseUrl() + "/api/v1/integrations/" + b.id(), "sim-app-secret");
    assertThat(one.json().getAsJsonObject("$data").get("id").getAsString(), is(b.id()));

    SimHttp.Reply wrong = SimHttp.get(sim.baseUrl() + "/api/v1/integrations", "wrong-secret");
    assertThat(wrong.status(), is(400));
    assertThat(wrong.errorCode(), is("INVALID_TOKEN"));
    assertThat(
        "an integration token is not an app secret",
        SimHttp.get(sim.baseUrl() + "/api/v1/integrations", a.accessToken()).errorCode(),
        is("INVALID_TOKEN"));
  }

  @Test
  void integrationStateGatesTheGraphApi() {
    try (EdlinkSimulator own = EdlinkSimulator.builder().integration(DatasetSize.TINY).start()) {
      SimIntegration i = own.integrations().get(0);
      String url = own.baseUrl() + "/api/v2/graph/people";
      own.setStatus(i.id(), "paused");
      assertThat(SimHttp.get(url, i.accessToken()).status(), is(200));
      for (String state : List.of("disabled", "inactive")) {
        own.setStatus(i.id(), state);
        SimHttp.Reply r = SimHttp.get(url, i.accessToken());
        assertThat(r.status(), is(400));
        assertThat(r.errorCode(), is("INVALID_INTEGRATION_STATE"));
      }
      JsonObject meta =
          SimHttp.get(own.baseUrl() + "/api/v1/integrations/" + i.id(), own.appSecret()).json();
      assertThat(meta.getAsJsonObject("$data").get("status").getAsString(), is("inactive"));
    }
  }

  @Test
  void revokedTokenIsInvalidAndMetaListsTheNewOne() {
    try (EdlinkSimulator own = EdlinkSimulator.builder().integration(DatasetSize.TINY).start()) {
      SimIntegration i = own.integrations().get(0);
      String old = i.accessToken();
      String fresh = own.revokeToken(i.id());
      assertThat(fresh, not(equalTo(old)));
      assertThat(i.accessToken(), is(fresh));
      assertThat(
          SimHttp.get(own.baseUrl() + "/api/v2/graph/people", old).errorCode(),
          is("INVALID_TOKEN"));
      assertThat(SimHttp.get(own.baseUrl() + "/api/v2/graph/people", fresh).status(), is(200));
      JsonObject meta = SimHttp.get(own.baseUrl() + "/api/v1/integrations", own.appSecret()).json();
      assertThat(
          meta.getAsJsonArray("$data").get(0).getAsJsonObject().get("access_token").getAsString(),
          is(fresh));
    }
  }

  @Test
  void requestCountsPerIntegrationAndEndpoint() {
    try (EdlinkSimulator own = EdlinkSimulator.builder().integration(DatasetSize.TINY).start()) {
      SimIntegration i = own.integrations().get(0);
      SimHttp.get(own.baseUrl() + "/api/v2/graph/events?$last=1", i.accessToken());
      SimHttp.get(own.baseUrl() + "/api/v2/graph/people", i.accessToken());
      SimHttp.get(own.baseUrl() + "/api/v1/integrations", own.appSecret());
      assertThat(own.requestCount(i.id(), "events"), is(1L));
      assertThat(own.requestCount(i.id(), "people"), is(1L));
      assertThat(own.requestCount(null, "integrations"), is(1L));
      assertThat(own.requestCount(), is(3L));
    }
  }

  @Test
  void healthCheck() {
    SimHttp.Reply r = SimHttp.get(sim.baseUrl() + "/api/up", null);
    assertThat(r.status(), is(200));
    assertThat(r.raw().body(), notNullValue());
  }

  private List<JsonObject> data(String url) {
    SimHttp.Reply r = SimHttp.get(url, a.accessToken());
    assertThat(r.raw().body(), r.status(), is(200));
    return r.json().getAsJsonArray("$data").asList().stream()
        .map(e -> e.getAsJsonObject())
        .collect(Collectors.toList());
  }

  private static Set<String> ids(List<JsonObject> records) {
    return records.stream().map(o -> o.get("id").getAsString()).collect(Collectors.toSet());
  }
}
