package org.rostersync.sandbox.simulator;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The data of one integration: a store per type, the event log, and the mutations that change them.
 * Readers take {@link #lock}'s read lock; every mutation runs under the write lock and appends one
 * event per changed record, all in one new materialization.
 */
final class Roster {
  final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  final RosterGenerator generator;
  final EventLog events;
  private final Map<RosterType, TypeStore> stores = new EnumMap<>(RosterType.class);
  private final SimClock clock;
  private final SplittableRandom rng;

  /**
   * Created records that reference a parent, by parent id, so that deleting a parent can cascade to
   * them.
   */
  private final Map<String, List<Child>> createdChildren = new HashMap<>();

  private int rollovers;

  /**
   * Types whose removal removes the records that reference them; schools, sessions and districts do
   * not cascade.
   */
  private static final Set<RosterType> CASCADING =
      EnumSet.of(RosterType.PEOPLE, RosterType.COURSES, RosterType.CLASSES, RosterType.SECTIONS);

  private record Child(RosterType type, int position) {}

  Roster(RosterGenerator generator, String integrationId, SimClock clock) {
    this.generator = generator;
    this.clock = clock;
    this.rng = new SplittableRandom(Ids.key(generator.seed, generator.integrationIndex, 2000));
    for (RosterType t : RosterType.values()) {
      stores.put(t, new TypeStore(t, generator));
    }
    this.events = new EventLog(generator, integrationId, clock.millis());
  }

  TypeStore store(RosterType type) {
    return stores.get(type);
  }

  String newId() {
    return Ids.random(rng);
  }

  // ---- public mutations (caller holds the write lock) ----

  MutationSummary update(RosterType type, int n) {
    Batch b = new Batch();
    for (int i = 0; i < n; i++) {
      int p = randomLive(type);
      if (p < 0) {
        break;
      }
      b.modify(type, p);
    }
    return b.summary;
  }

  MutationSummary create(RosterType type, int n) {
    if (type == RosterType.DISTRICTS) {
      throw new IllegalArgumentException("an integration has exactly one district");
    }
    Batch b = new Batch();
    for (int i = 0; i < n; i++) {
      b.createOne(type);
    }
    return b.summary;
  }

  MutationSummary delete(RosterType type, int n) {
    if (type == RosterType.DISTRICTS) {
      throw new IllegalArgumentException("an integration has exactly one district");
    }
    Batch b = new Batch();
    for (int i = 0; i < n; i++) {
      int p = randomLive(type);
      if (p < 0) {
        break;
      }
      b.remove(type, p);
    }
    return b.summary;
  }

  MutationSummary deleteAll(RosterType type) {
    if (type == RosterType.DISTRICTS) {
      throw new IllegalArgumentException("an integration has exactly one district");
    }
    Batch b = new Batch();
    TypeStore s = store(type);
    for (int p = s.nextLive(0); p < s.end(); p = s.nextLive(p + 1)) {
      b.remove(type, p);
    }
    return b.summary;
  }

  /**
   * A day of churn at rate {@code churn}: profile edits of about that share of people, fewer edits
   * elsewhere, new students (each with enrollments, some with a parent), dropped enrollments and
   * departed students.
   */
  MutationSummary applyDay(double churn) {
    if (churn < 0 || churn > 1) {
      throw new IllegalArgumentException("churn must be within 0..1");
    }
    Batch b = new Batch();
    double[] updateShare = {0.1, 0.1, 0.1, 0.1, 1, 0.5, 0.25, 0.5, 0.25}; // in RosterType order
    for (RosterType t : RosterType.values()) {
      int n = amount(churn * updateShare[t.ordinal()] * store(t).live());
      for (int i = 0; i < n; i++) {
        int p = randomLive(t);
        if (p >= 0) {
          b.modify(t, p);
        }
      }
    }
    int newStudents = amount(churn / 4 * generator.students);
    for (int i = 0; i < newStudents; i++) {
      String student = b.createOne(RosterType.PEOPLE);
      int classes = 3 + rng.nextInt(4);
      for (int c = 0; c < classes; c++) {
        b.enroll(student, randomLive(RosterType.CLASSES), "student");
      }
      if (rng.nextBoolean()) {
        b.createAgent(b.createParent(), student);
      }
    }
    int dropped = amount(churn / 2 * store(RosterType.ENROLLMENTS).live());
    for (int i = 0; i < dropped; i++) {
      int p = randomLive(RosterType.ENROLLMENTS);
      if (p >= 0) {
        b.remove(RosterType.ENROLLMENTS, p);
      }
    }
    int departed = amount(churn / 10 * generator.students);
    for (int i = 0; i < departed; i++) {
      int p = randomStudent();
      if (p >= 0) {
        b.remove(RosterType.PEOPLE, p);
      }
    }
    return b.summary;
  }

  /**
   * Starts the next term: new session(s) per school, old active sessions completed, active classes
   * and sections archived, and one new class per course with a section, a teacher and students.
   */
  MutationSummary termRollover() {
    Batch b = new Batch();
    rollovers++;
    boolean fall = rollovers % 2 == 1;
    int year = 2025 + (rollovers + 1) / 2;
    TypeStore sessions = store(RosterType.SESSIONS);
    for (int p = sessions.nextLive(0); p < sessions.end(); p = sessions.nextLive(p + 1)) {
      JsonObject s = sessions.get(p);
      String state = s.get("state").getAsString();
      boolean schoolYear = "school_year".equals(s.get("type").getAsString());
      if ((state.equals("active") || state.equals("upcoming")) && (fall || !schoolYear)) {
        s.addProperty("state", "completed");
        b.replace(RosterType.SESSIONS, p, s);
      }
    }
    for (RosterType t : List.of(RosterType.CLASSES, RosterType.SECTIONS)) {
      TypeStore store = store(t);
      for (int p = store.nextLive(0); p < store.end(); p = store.nextLive(p + 1)) {
        JsonObject o = store.get(p);
        String state = o.get("state").getAsString();
        if (state.equals("active") || state.equals("upcoming")) {
          o.addProperty("state", "archived");
          b.replace(t, p, o);
        }
      }
    }
    Map<String, String> termOfSchool = new HashMap<>();
    TypeStore schools = store(RosterType.SCHOOLS);
    for (int p = schools.nextLive(0); p < schools.end(); p = schools.nextLive(p + 1)) {
      String schoolId = schools.id(p);
      if (fall) {
        b.createSession(
            schoolId,
            year + "-" + (year + 1),
            "school_year",
            year + "-08-17",
            (year + 1) + "-06-04");
      }
      termOfSchool.put(
          schoolId,
          fall
              ? b.createSession(
                  schoolId, "Fall " + year, "semester", year + "-08-17", year + "-12-18")
              : b.createSession(
                  schoolId,
                  "Spring " + (year + 1),
                  "semester",
                  (year + 1) + "-01-05",
                  (year + 1) + "-06-04"));
    }
    int studentsPerClass = Math.max(1, generator.enrollments / generator.classes - 1);
    TypeStore courses = store(RosterType.COURSES);
    for (int p = courses.nextLive(0); p < courses.end(); p = courses.nextLive(p + 1)) {
      JsonObject course = courses.get(p);
      String session = termOfSchool.get(course.get("school_id").getAsString());
      if (session == null) {
        continue; // the course's school is gone
      }
      String classId = b.createClass(course, session);
      b.enroll(randomTeacher(), classPosition(classId), "teacher");
      int start = rng.nextInt(generator.students);
      for (int j = 0, picked = 0; j < generator.students && picked < studentsPerClass; j++) {
        int person = generator.studentPerson((start + j) % generator.students);
        if (store(RosterType.PEOPLE).isLive(person)) {
          b.enroll(store(RosterType.PEOPLE).id(person), classPosition(classId), "student");
          picked++;
        }
      }
    }
    return b.summary;
  }

  // ---- picking ----

  /** Rounds randomly so that small expected amounts still happen now and then. */
  private int amount(double expected) {
    int whole = (int) expected;
    return whole + (rng.nextDouble() < expected - whole ? 1 : 0);
  }

  private int randomLive(RosterType type) {
    TypeStore s = store(type);
    if (s.live() == 0) {
      return -1;
    }
    int p = s.nextLive(rng.nextInt(s.end()));
    return p < s.end() ? p : s.nextLive(0);
  }

  private int randomStudent() {
    TypeStore people = store(RosterType.PEOPLE);
    for (int i = 0; i < 50; i++) {
      int p = generator.studentPerson(rng.nextInt(generator.students));
      if (people.isLive(p)) {
        return p;
      }
    }
    return randomLive(RosterType.PEOPLE);
  }

  private String randomTeacher() {
    TypeStore people = store(RosterType.PEOPLE);
    for (int i = 0; i < 50; i++) {
      int p = generator.admins + rng.nextInt(generator.teachers);
      if (people.isLive(p)) {
        return people.id(p);
      }
    }
    int p = randomLive(RosterType.PEOPLE);
    return p < 0 ? null : people.id(p);
  }

  private String randomParent() {
    TypeStore people = store(RosterType.PEOPLE);
    for (int i = 0; i < 50; i++) {
      int p = generator.admins + generator.teachers + rng.nextInt(generator.parents);
      if (people.isLive(p)) {
        return people.id(p);
      }
    }
    int p = randomLive(RosterType.PEOPLE);
    return p < 0 ? null : people.id(p);
  }

  private int classPosition(String classId) {
    return store(RosterType.CLASSES).positionOf(classId);
  }

  private String liveId(RosterType type, int position) {
    return position < 0 ? null : store(type).id(position);
  }

  /** One mutation call: a fresh materialization id, one clock reading, and the running summary. */
  private final class Batch {
    final String materializationId = newId();
    final long now = clock.millis();
    final String nowText = SimClock.format(now);
    final MutationSummary summary = new MutationSummary();

    private void event(String kind, RosterType type, String targetId, String data) {
      events.append(
          new EventLog.Event(newId(), now, kind, type, targetId, materializationId, data));
      summary.add(type, kind);
    }

    void replace(RosterType type, int position, JsonObject record) {
      record.addProperty("updated_date", nowText);
      String json = record.toString();
      store(type).replace(position, json);
      event("updated", type, record.get("id").getAsString(), json);
    }

    void modify(RosterType type, int position) {
      JsonObject o = store(type).get(position);
      switch (type) {
        case PEOPLE:
          modifyPerson(o);
          break;
        case ENROLLMENTS:
          o.addProperty(
              "state",
              RosterGenerator.pick(
                  rng, new String[] {"inactive", "dropped", "completed", "active"}));
          if (rng.nextBoolean()) {
            o.addProperty("final_numeric_grade", Math.round(rng.nextDouble() * 1000) / 10.0);
          }
          break;
        case CLASSES:
          o.addProperty(
              "description",
              rng.nextBoolean() ? null : "Moved to room " + (100 + rng.nextInt(300)));
          break;
        case SECTIONS:
          o.addProperty("name", "Section " + (char) ('A' + rng.nextInt(8)));
          break;
        case COURSES:
          o.addProperty("code", o.get("code").getAsString() + "-R");
          break;
        case SESSIONS:
          o.addProperty("name", o.get("name").getAsString() + " (revised)");
          break;
        case SCHOOLS:
          o.getAsJsonObject("properties")
              .addProperty(
                  "principal",
                  RosterGenerator.pick(rng, new String[] {"Okafor", "Lindqvist", "Suárez"}));
          break;
        case DISTRICTS:
          o.addProperty("time_zone", "America/Denver");
          break;
        case AGENTS:
          o.addProperty("relationship", rng.nextBoolean() ? "guardian" : "parent");
          break;
        default:
          throw new IllegalArgumentException(type.toString());
      }
      replace(type, position, o);
    }

    private void modifyPerson(JsonObject o) {
      switch (rng.nextInt(4)) {
        case 0: // a name change
          String last =
              RosterGenerator.pick(
                  rng, new String[] {"Nakamura-Smith", "Østergaard", "Nguyen", "O'Neil"});
          o.addProperty("last_name", last);
          o.addProperty("display_name", o.get("first_name").getAsString() + " " + last);
          break;
        case 1:
          o.addProperty("email", "changed." + rng.nextInt(1_000_000) + "@example.edu");
          break;
        case 2: // a grade change (students) or a new phone
          JsonArray grades = o.getAsJsonArray("grade_levels");
          if (grades.size() > 0) {
            int g =
                Math.min(12, Integer.parseInt(grades.get(0).getAsString().replace("KG", "0")) + 1);
            o.add("grade_levels", RosterGenerator.strings(String.format("%02d", g)));
          } else {
            o.addProperty("phone", "1" + (2000000000L + rng.nextInt(999999999)));
          }
          break;
        default:
          o.addProperty("locale", o.get("locale").getAsString().equals("en") ? "es" : "en");
      }
    }

    /** Appends a record; the references it names are registered for cascading deletes. */
    String append(RosterType type, JsonObject record, String... parentIds) {
      String id = newId();
      record.addProperty("id", id);
      record.addProperty("created_date", nowText);
      record.addProperty("updated_date", nowText);
      String json = record.toString();
      int position = store(type).append(id, json);
      for (String parent : parentIds) {
        if (parent != null) {
          createdChildren
              .computeIfAbsent(parent, k -> new ArrayList<>())
              .add(new Child(type, position));
        }
      }
      event("created", type, id, json);
      return id;
    }

    /** A generated record shape under a fresh index, whose references the caller replaces. */
    private JsonObject template(RosterType type) {
      return generator.generate(type, store(type).end());
    }

    String createOne(RosterType type) {
      JsonObject o = template(type);
      switch (type) {
        case SCHOOLS:
          return append(type, o);
        case SESSIONS:
          {
            String school = liveId(RosterType.SCHOOLS, randomLive(RosterType.SCHOOLS));
            o.addProperty("school_id", school);
            return append(type, o, school);
          }
        case COURSES:
          {
            JsonObject session = store(RosterType.SESSIONS).get(randomLive(RosterType.SESSIONS));
            o.addProperty("session_id", session.get("id").getAsString());
            o.add("school_id", session.get("school_id"));
            return append(type, o, session.get("id").getAsString());
          }
        case CLASSES:
          {
            JsonObject course = store(RosterType.COURSES).get(randomLive(RosterType.COURSES));
            return createClass(course, course.get("session_id").getAsString());
          }
        case SECTIONS:
          {
            String clazz = liveId(RosterType.CLASSES, randomLive(RosterType.CLASSES));
            o.addProperty("class_id", clazz);
            return append(type, o, clazz);
          }
        case PEOPLE:
          {
            // the template index is past the base people, which the generator lays out as students
            JsonArray schools = new JsonArray();
            schools.add(liveId(RosterType.SCHOOLS, randomLive(RosterType.SCHOOLS)));
            o.add("school_ids", schools);
            return append(type, o);
          }
        case ENROLLMENTS:
          {
            int student = randomStudent();
            return enroll(
                student < 0 ? null : store(RosterType.PEOPLE).id(student),
                randomLive(RosterType.CLASSES),
                "student");
          }
        case AGENTS:
          {
            int student = randomStudent();
            return createAgent(
                randomParent(), student < 0 ? null : store(RosterType.PEOPLE).id(student));
          }
        default:
          throw new IllegalArgumentException(type.toString());
      }
    }

    String createParent() {
      JsonObject o = template(RosterType.PEOPLE);
      o.add("roles", RosterGenerator.strings("parent"));
      o.add("grade_levels", new JsonArray());
      o.add("graduation_year", JsonNull.INSTANCE);
      o.add("school_ids", new JsonArray());
      return append(RosterType.PEOPLE, o);
    }

    String createAgent(String observer, String target) {
      JsonObject o = template(RosterType.AGENTS);
      o.addProperty("observer_id", observer);
      o.addProperty("target_id", target);
      return append(RosterType.AGENTS, o, observer, target);
    }

    String createSession(String schoolId, String name, String type, String start, String end) {
      JsonObject o = template(RosterType.SESSIONS);
      o.addProperty("name", name);
      o.addProperty("type", type);
      o.addProperty("state", "active");
      o.addProperty("start_date", start + "T00:00:00.000Z");
      o.addProperty("end_date", end + "T00:00:00.000Z");
      o.addProperty("school_id", schoolId);
      return append(RosterType.SESSIONS, o, schoolId);
    }

    /** A new class of a course in a session, with one section. */
    String createClass(JsonObject course, String sessionId) {
      JsonObject o = template(RosterType.CLASSES);
      o.addProperty("name", course.get("name").getAsString() + " - Period " + (1 + rng.nextInt(8)));
      o.addProperty("state", "active");
      o.add("session_ids", RosterGenerator.strings(sessionId));
      String courseId = course.get("id").getAsString();
      o.addProperty("course_id", courseId);
      o.add("school_id", course.get("school_id"));
      String classId = append(RosterType.CLASSES, o, courseId, sessionId);
      JsonObject section = template(RosterType.SECTIONS);
      section.addProperty("state", "active");
      section.addProperty("class_id", classId);
      append(RosterType.SECTIONS, section, classId);
      return classId;
    }

    /**
     * Enrolls a person in the class at a position, in the class's first live section when it has
     * one.
     */
    String enroll(String personId, int classPosition, String role) {
      if (personId == null || classPosition < 0) {
        return null;
      }
      String classId = store(RosterType.CLASSES).id(classPosition);
      String sectionId = null;
      if (classPosition < generator.classes && store(RosterType.SECTIONS).isLive(classPosition)) {
        sectionId = store(RosterType.SECTIONS).id(classPosition);
      } else {
        for (Child c : createdChildren.getOrDefault(classId, List.of())) {
          if (c.type() == RosterType.SECTIONS && store(RosterType.SECTIONS).isLive(c.position())) {
            sectionId = store(RosterType.SECTIONS).id(c.position());
            break;
          }
        }
      }
      JsonObject o = template(RosterType.ENROLLMENTS);
      o.addProperty("role", role);
      o.addProperty("state", "active");
      if (role.equals("teacher")) {
        o.addProperty("primary", true);
      } else {
        o.add("primary", JsonNull.INSTANCE);
      }
      o.addProperty("person_id", personId);
      o.addProperty("class_id", classId);
      o.addProperty("section_id", sectionId);
      return append(RosterType.ENROLLMENTS, o, personId, classId, sectionId);
    }

    /** Removes a record and, first, everything that references it (never the other way round). */
    void remove(RosterType type, int position) {
      TypeStore s = store(type);
      if (!s.isLive(position)) {
        return;
      }
      String id = s.id(position);
      String last = s.json(position);
      boolean base = position < s.baseCount();
      switch (type) {
        case PEOPLE:
          if (base) {
            generator.forEachEnrollmentOfPerson(position, e -> remove(RosterType.ENROLLMENTS, e));
            generator.forEachAgentOfPerson(position, a -> remove(RosterType.AGENTS, a));
          }
          break;
        case COURSES:
          if (base) {
            generator.forEachClassOfCourse(position, c -> remove(RosterType.CLASSES, c));
          }
          break;
        case CLASSES:
          if (base) {
            generator.forEachEnrollmentOfClass(position, e -> remove(RosterType.ENROLLMENTS, e));
            remove(RosterType.SECTIONS, position);
          }
          break;
        case SECTIONS:
          if (base && position % 5 != 4) { // base enrollments of classes c % 5 == 4 have no section
            generator.forEachEnrollmentOfClass(position, e -> remove(RosterType.ENROLLMENTS, e));
          }
          break;
        default:
          // schools, sessions and the district are removed without cascading, as a source system
          // would
      }
      List<Child> children = createdChildren.remove(id);
      if (children != null && CASCADING.contains(type)) {
        for (Child c : children) {
          remove(c.type(), c.position());
        }
      }
      s.remove(position);
      event("deleted", type, id, last);
    }
  }
}
