package org.rostersync.sandbox.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SimulatorDataTest {
  private static final Pattern V4 =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  private static final Pattern DATE =
      Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

  @Test
  void sameSeedGivesSameDataAndTokens() {
    try (EdlinkSimulator one =
            EdlinkSimulator.builder().seed(7).integration(DatasetSize.SMALL).start();
        EdlinkSimulator two =
            EdlinkSimulator.builder().seed(7).integration(DatasetSize.SMALL).start();
        EdlinkSimulator other =
            EdlinkSimulator.builder().seed(8).integration(DatasetSize.SMALL).start()) {
      SimIntegration i1 = one.integrations().get(0);
      SimIntegration i2 = two.integrations().get(0);
      assertThat(i1.id(), is(i2.id()));
      assertThat(i1.accessToken(), is(i2.accessToken()));
      for (RosterType t : RosterType.values()) {
        assertThat(t.toString(), one.records(i1.id(), t), equalTo(two.records(i2.id(), t)));
      }
      assertThat(other.integrations().get(0).id(), not(equalTo(i1.id())));
      // mutations are seeded too
      assertThat(
          one.applyDay(i1.id(), 0.05).toJson(), equalTo(two.applyDay(i2.id(), 0.05).toJson()));
      assertThat(
          ids(one.records(i1.id(), RosterType.PEOPLE)),
          equalTo(ids(two.records(i2.id(), RosterType.PEOPLE))));
    }
  }

  @Test
  void recordsAreReferentiallyConsistentBeforeAndAfterChurn() {
    try (EdlinkSimulator sim =
        EdlinkSimulator.builder().seed(3).integration(DatasetSize.SMALL).start()) {
      String id = sim.integrations().get(0).id();
      assertConsistent(sim, id);
      sim.applyDay(id, 0.05);
      sim.delete(id, RosterType.PEOPLE, 20);
      sim.delete(id, RosterType.CLASSES, 3);
      sim.delete(id, RosterType.COURSES, 1);
      sim.create(id, RosterType.ENROLLMENTS, 10);
      sim.create(id, RosterType.AGENTS, 3);
      assertConsistent(sim, id);
      MutationSummary rollover = sim.termRollover(id);
      assertThat(rollover.created(RosterType.SESSIONS), is(greaterThan(0)));
      assertThat(rollover.created(RosterType.CLASSES), is(greaterThan(0)));
      assertThat(rollover.created(RosterType.ENROLLMENTS), is(greaterThan(0)));
      assertThat(rollover.updated(RosterType.CLASSES), is(greaterThan(0)));
      assertConsistent(sim, id);
      sim.delete(id, RosterType.PEOPLE, 30);
      sim.delete(id, RosterType.CLASSES, 5);
      assertConsistent(sim, id);
    }
  }

  @Test
  void recordsHaveTheDocumentedShape() {
    try (EdlinkSimulator sim = EdlinkSimulator.builder().integration(DatasetSize.SMALL).start()) {
      String id = sim.integrations().get(0).id();
      Map<RosterType, List<String>> fields = new EnumMap<>(RosterType.class);
      fields.put(RosterType.DISTRICTS, List.of("name", "locale", "time_zone", "address"));
      fields.put(
          RosterType.SCHOOLS,
          List.of("name", "grade_levels", "locale", "time_zone", "address", "district_id"));
      fields.put(
          RosterType.SESSIONS,
          List.of("name", "start_date", "end_date", "state", "type", "school_id", "district_id"));
      fields.put(
          RosterType.COURSES,
          List.of(
              "name",
              "code",
              "grade_levels",
              "subjects",
              "session_id",
              "school_id",
              "district_id"));
      fields.put(
          RosterType.CLASSES,
          List.of(
              "name",
              "description",
              "picture_url",
              "subjects",
              "grade_levels",
              "periods",
              "state",
              "locale",
              "time_zone",
              "session_ids",
              "course_id",
              "school_id"));
      fields.put(
          RosterType.SECTIONS,
          List.of("name", "description", "state", "locale", "time_zone", "periods", "class_id"));
      fields.put(
          RosterType.PEOPLE,
          List.of(
              "first_name",
              "middle_name",
              "last_name",
              "display_name",
              "picture_url",
              "roles",
              "email",
              "phone",
              "locale",
              "time_zone",
              "graduation_year",
              "grade_levels",
              "demographics",
              "district_id",
              "school_ids",
              "gpa"));
      fields.put(
          RosterType.ENROLLMENTS,
          List.of(
              "start_date",
              "end_date",
              "role",
              "primary",
              "state",
              "person_id",
              "class_id",
              "section_id"));
      fields.put(RosterType.AGENTS, List.of("relationship", "observer_id", "target_id"));
      Set<String> roles = new HashSet<>();
      boolean unicode = false;
      boolean decimal = false;
      for (RosterType t : RosterType.values()) {
        for (JsonObject o : sim.records(id, t)) {
          assertThat(t + " id", V4.matcher(o.get("id").getAsString()).matches(), is(true));
          assertThat(DATE.matcher(o.get("created_date").getAsString()).matches(), is(true));
          assertThat(DATE.matcher(o.get("updated_date").getAsString()).matches(), is(true));
          assertThat(o.get("properties").isJsonObject(), is(true));
          assertThat(o.get("identifiers").isJsonArray(), is(true));
          for (String f : fields.get(t)) {
            assertThat(t + "." + f, o.has(f), is(true));
          }
          if (t == RosterType.PEOPLE) {
            o.getAsJsonArray("roles").forEach(r -> roles.add(r.getAsString()));
            unicode |= o.get("first_name").getAsString().chars().anyMatch(c -> c > 0x2000);
            decimal |= !o.get("gpa").isJsonNull() && o.get("gpa").getAsDouble() % 1 != 0;
          }
        }
      }
      assertThat(roles, hasItem("student"));
      assertThat(roles, hasItem("teacher"));
      assertThat(roles, hasItem("parent"));
      assertThat(roles, hasItem("district-administrator"));
      assertThat(unicode, is(true));
      assertThat(decimal, is(true));
    }
  }

  @Test
  void shuffledKeysGiveEqualObjectsInOtherOrders() {
    try (EdlinkSimulator plain =
            EdlinkSimulator.builder().seed(5).integration(DatasetSize.TINY).start();
        EdlinkSimulator shuffled =
            EdlinkSimulator.builder()
                .seed(5)
                .shuffleKeys(true)
                .integration(DatasetSize.TINY)
                .start()) {
      String url = "/api/v2/graph/people?$first=10000";
      SimHttp.Reply p =
          SimHttp.get(plain.baseUrl() + url, plain.integrations().get(0).accessToken());
      SimHttp.Reply s =
          SimHttp.get(shuffled.baseUrl() + url, shuffled.integrations().get(0).accessToken());
      List<JsonElement> a = p.json().getAsJsonArray("$data").asList();
      List<JsonElement> b = s.json().getAsJsonArray("$data").asList();
      assertThat(b, equalTo(a)); // Gson's JsonObject equality ignores key order
      int reordered = 0;
      for (int i = 0; i < a.size(); i++) {
        if (!new ArrayList<>(a.get(i).getAsJsonObject().keySet())
            .equals(new ArrayList<>(b.get(i).getAsJsonObject().keySet()))) {
          reordered++;
        }
      }
      assertThat(reordered, is(greaterThan(a.size() / 2)));
    }
  }

  /**
   * Streams every LARGE person through a JsonReader, keeping only a count, so the test itself needs
   * little heap. The simulator keeps what it served as bytes (about 0.9 KB a person), never the
   * records' trees.
   */
  @Test
  void largeIntegrationPagesThroughKeepingOnlyTheServedBytes() throws Exception {
    try (EdlinkSimulator sim = EdlinkSimulator.builder().integration(DatasetSize.LARGE).start()) {
      SimIntegration large = sim.integrations().get(0);
      assertThat(sim.count(large.id(), RosterType.ENROLLMENTS), is(1_000_000L));
      Runtime rt = Runtime.getRuntime();
      long count = 0;
      long maxUsed = 0;
      String next = sim.baseUrl() + "/api/v2/graph/people?$first=10000";
      while (next != null) {
        HttpRequest req =
            HttpRequest.newBuilder(URI.create(next))
                .header("Authorization", "Bearer " + large.accessToken())
                .build();
        HttpResponse<java.io.InputStream> resp =
            SimHttp.CLIENT.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(resp.statusCode(), is(200));
        next = null;
        try (JsonReader r =
            new JsonReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
          r.beginObject();
          while (r.hasNext()) {
            String name = r.nextName();
            if (name.equals("$data")) {
              r.beginArray();
              while (r.hasNext()) {
                r.skipValue();
                count++;
              }
              r.endArray();
            } else if (name.equals("$next") && r.peek() == JsonToken.STRING) {
              next = r.nextString();
            } else {
              r.skipValue();
            }
          }
        }
        // Live heap, not garbage: without a collection the figure depends on when the JVM last
        // collected.
        System.gc();
        maxUsed = Math.max(maxUsed, rt.totalMemory() - rt.freeMemory());
      }
      assertThat(count, is(200_000L));
      // After each page the live heap stays far below what 200k records' trees need (over 1 GB):
      // only the bytes served, under 200 MB with the JVM for all 200k.
      assertThat(
          "live heap while paging: " + maxUsed / 1_000_000 + " MB",
          maxUsed < 500_000_000L,
          is(true));
    }
  }

  private static Set<String> ids(List<JsonObject> records) {
    Set<String> ids = new HashSet<>();
    records.forEach(o -> ids.add(o.get("id").getAsString()));
    return ids;
  }

  static void assertConsistent(EdlinkSimulator sim, String integrationId) {
    Map<RosterType, Set<String>> ids = new EnumMap<>(RosterType.class);
    Map<RosterType, List<JsonObject>> records = new EnumMap<>(RosterType.class);
    for (RosterType t : RosterType.values()) {
      records.put(t, sim.records(integrationId, t));
      ids.put(t, ids(records.get(t)));
      assertThat(t + " ids are unique", ids.get(t).size(), is(records.get(t).size()));
    }
    assertThat(ids.get(RosterType.DISTRICTS).size(), is(1));
    refs(records, ids, RosterType.SCHOOLS, "district_id", RosterType.DISTRICTS);
    refs(records, ids, RosterType.SESSIONS, "school_id", RosterType.SCHOOLS);
    refs(records, ids, RosterType.COURSES, "school_id", RosterType.SCHOOLS);
    refs(records, ids, RosterType.COURSES, "session_id", RosterType.SESSIONS);
    refs(records, ids, RosterType.CLASSES, "course_id", RosterType.COURSES);
    refs(records, ids, RosterType.CLASSES, "school_id", RosterType.SCHOOLS);
    refs(records, ids, RosterType.CLASSES, "session_ids", RosterType.SESSIONS);
    refs(records, ids, RosterType.SECTIONS, "class_id", RosterType.CLASSES);
    refs(records, ids, RosterType.PEOPLE, "school_ids", RosterType.SCHOOLS);
    refs(records, ids, RosterType.PEOPLE, "district_id", RosterType.DISTRICTS);
    refs(records, ids, RosterType.ENROLLMENTS, "person_id", RosterType.PEOPLE);
    refs(records, ids, RosterType.ENROLLMENTS, "class_id", RosterType.CLASSES);
    refs(records, ids, RosterType.ENROLLMENTS, "section_id", RosterType.SECTIONS);
    refs(records, ids, RosterType.AGENTS, "observer_id", RosterType.PEOPLE);
    refs(records, ids, RosterType.AGENTS, "target_id", RosterType.PEOPLE);
  }

  private static void refs(
      Map<RosterType, List<JsonObject>> records,
      Map<RosterType, Set<String>> ids,
      RosterType from,
      String field,
      RosterType to) {
    for (JsonObject o : records.get(from)) {
      JsonElement v = o.get(field);
      List<JsonElement> values = v.isJsonArray() ? v.getAsJsonArray().asList() : List.of(v);
      for (JsonElement e : values) {
        if (!e.isJsonNull()) {
          assertThat(
              from.path() + "." + field + " of " + o.get("id"),
              ids.get(to).contains(e.getAsString()),
              is(true));
        }
      }
    }
  }
}
