package org.rostersync.sandbox.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorEventsTest {

  private static String events(EdlinkSimulator sim, String query) {
    return sim.baseUrl() + "/api/v2/graph/events" + query;
  }

  private static String newest(EdlinkSimulator sim, SimIntegration i) {
    JsonObject page = SimHttp.get(events(sim, "?$last=1"), i.accessToken()).json();
    assertThat(page.getAsJsonArray("$data").size(), is(1));
    return page.getAsJsonArray("$data").get(0).getAsJsonObject().get("id").getAsString();
  }

  @Test
  void initialMaterializationIsCreatedEventsForEverything() {
    try (EdlinkSimulator sim = EdlinkSimulator.builder().integration(DatasetSize.TINY).start()) {
      SimIntegration i = sim.integrations().get(0);
      List<JsonObject> all = SimHttp.pageAll(events(sim, "?$first=10000"), i.accessToken());
      long total = 0;
      for (RosterType t : RosterType.values()) {
        total += sim.count(i.id(), t);
      }
      assertThat((long) all.size(), is(total));
      JsonObject first = all.get(0);
      assertThat(first.get("type").getAsString(), is("created"));
      assertThat(first.get("target").getAsString(), is("district"));
      assertThat(first.get("integration_id").getAsString(), is(i.id()));
      assertThat(
          first.getAsJsonObject("data"), equalTo(sim.records(i.id(), RosterType.DISTRICTS).get(0)));
      assertThat(newest(sim, i), is(all.get(all.size() - 1).get("id").getAsString()));
      assertThat(sim.newestEventId(i.id()), is(newest(sim, i)));
      SimHttp.Reply one =
          SimHttp.get(events(sim, "/" + first.get("id").getAsString()), i.accessToken());
      assertThat(one.json().getAsJsonObject("$data"), equalTo(first));
    }
  }

  @Test
  void mutationsAppendEventsAfterTheNewestId() {
    try (EdlinkSimulator sim = EdlinkSimulator.builder().integration(DatasetSize.SMALL).start()) {
      SimIntegration i = sim.integrations().get(0);
      String mark = newest(sim, i);
      assertThat(
          SimHttp.pageAll(events(sim, "?$first=10000&$after=" + mark), i.accessToken()),
          is(empty()));

      MutationSummary day = sim.applyDay(i.id(), 0.02);
      assertThat(day.updated(RosterType.PEOPLE), is(greaterThan(0)));
      assertThat(day.deleted(RosterType.ENROLLMENTS), is(greaterThan(0)));
      List<JsonObject> after =
          SimHttp.pageAll(events(sim, "?$first=100&$after=" + mark), i.accessToken());
      assertThat(after, hasSize(day.total()));
      String materialization = after.get(0).get("materialization_id").getAsString();
      String previousDate = "";
      for (JsonObject e : after) {
        assertThat(e.get("materialization_id").getAsString(), is(materialization));
        assertThat(previousDate.compareTo(e.get("date").getAsString()), is(lessThanOrEqualTo(0)));
        previousDate = e.get("date").getAsString();
        RosterType target = RosterType.fromEventTarget(e.get("target").getAsString());
        String targetId = e.get("target_id").getAsString();
        assertThat(e.getAsJsonObject("data").get("id").getAsString(), is(targetId));
        boolean live =
            SimHttp.get(
                        sim.baseUrl() + "/api/v2/graph/" + target.path() + "/" + targetId,
                        i.accessToken())
                    .status()
                == 200;
        if (e.get("type").getAsString().equals("deleted")) {
          assertThat("deleted " + targetId, live, is(false));
        }
      }
      String mark2 = newest(sim, i);
      assertThat(mark2, not(equalTo(mark)));
      assertThat(SimHttp.pageAll(events(sim, "?$after=" + mark2), i.accessToken()), is(empty()));

      sim.update(i.id(), RosterType.PEOPLE, 1);
      List<JsonObject> one = SimHttp.pageAll(events(sim, "?$after=" + mark2), i.accessToken());
      assertThat(one, hasSize(1));
      JsonObject update = one.get(0);
      assertThat(update.get("type").getAsString(), is("updated"));
      assertThat(update.get("target").getAsString(), is("person"));
      JsonObject served =
          SimHttp.get(
                  sim.baseUrl() + "/api/v2/graph/people/" + update.get("target_id").getAsString(),
                  i.accessToken())
              .json()
              .getAsJsonObject("$data");
      assertThat(update.getAsJsonObject("data"), equalTo(served));
    }
  }

  @Test
  void massDeleteEmitsOneDeletedEventPerRecord() {
    try (EdlinkSimulator sim = EdlinkSimulator.builder().integration(DatasetSize.TINY).start()) {
      SimIntegration i = sim.integrations().get(0);
      long enrollments = sim.count(i.id(), RosterType.ENROLLMENTS);
      String mark = newest(sim, i);
      MutationSummary s = sim.deleteAll(i.id(), RosterType.ENROLLMENTS);
      assertThat((long) s.deleted(RosterType.ENROLLMENTS), is(enrollments));
      assertThat(sim.count(i.id(), RosterType.ENROLLMENTS), is(0L));
      List<JsonObject> deleted = SimHttp.pageAll(events(sim, "?$after=" + mark), i.accessToken());
      assertThat((long) deleted.size(), is(enrollments));
      assertThat(deleted.get(0).get("type").getAsString(), is("deleted"));
      assertThat(
          "deleted events carry the last known state",
          deleted.get(0).getAsJsonObject("data").has("person_id"),
          is(true));
    }
  }

  @Test
  void eventsOlderThan30DaysArePrunedAndTheirIdsBecomeInvalidCursors() {
    try (EdlinkSimulator sim = EdlinkSimulator.builder().integration(DatasetSize.TINY).start()) {
      SimIntegration i = sim.integrations().get(0);
      String initial = newest(sim, i);
      sim.advanceClock(Duration.ofDays(20));
      sim.update(i.id(), RosterType.PEOPLE, 2);
      String recent = newest(sim, i);
      sim.advanceClock(
          Duration.ofDays(11)); // the initial events are now 31 days old, the updates 11
      SimHttp.Reply pruned = SimHttp.get(events(sim, "?$after=" + initial), i.accessToken());
      assertThat(pruned.status(), is(400));
      assertThat(pruned.errorCode(), is("INVALID_CURSOR"));
      assertThat(SimHttp.get(events(sim, "/" + initial), i.accessToken()).status(), is(404));
      List<JsonObject> retained = SimHttp.pageAll(events(sim, "?$first=10000"), i.accessToken());
      assertThat(retained, hasSize(2));
      assertThat(SimHttp.pageAll(events(sim, "?$after=" + recent), i.accessToken()), is(empty()));

      sim.advanceClock(Duration.ofDays(31));
      assertThat(
          SimHttp.get(events(sim, "?$after=" + recent), i.accessToken()).errorCode(),
          is("INVALID_CURSOR"));
      JsonObject none = SimHttp.get(events(sim, "?$last=1"), i.accessToken()).json();
      assertThat(none.getAsJsonArray("$data").size(), is(0));
      assertThat(
          SimHttp.get(events(sim, "?$after=00000000-0000-4000-8000-000000000000"), i.accessToken())
              .errorCode(),
          is("INVALID_CURSOR"));
    }
  }
}
