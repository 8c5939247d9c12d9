package org.rostersync.sandbox.simulator;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Generates the initial roster of one integration record by record, deterministically from (seed,
 * integration index, type, index), so that no dataset has to be held in memory. References between
 * records are pure functions of the indexes (see the layout comments), which also makes the reverse
 * look-ups needed for cascading deletes cheap.
 */
final class RosterGenerator {
  /** "Now" of the generated dataset: the fall semester of 2025-26 is running. */
  static final long ANCHOR_MILLIS = Instant.parse("2025-10-01T00:00:00Z").toEpochMilli();

  private static final long YEAR_MILLIS = 365L * 24 * 3600 * 1000;

  /**
   * Spacing between the first students of consecutive classes, so that students take several
   * classes.
   */
  private static final int STUDENT_STRIDE = 37;

  private static final String[] FIRST = {
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "José",
    "Zoë",
    "Renée",
    "Chloé",
    "Mateo",
    "Søren",
    "Ayşe",
    "Łukasz",
    "Nguyễn",
    "Aarav",
    "Fatima",
    "Mia",
    "Ethan",
    "Sofia",
    "Lucas",
    "Amara",
    "Hiroshi",
    "Yuki",
    "Kwame",
    "Isabella",
    "Jack",
    "Harper",
    "Daniel",
    "Grace",
    "Benjamin",
    "明",
    "李娜",
    "王芳",
    "محمد",
    "فاطمة",
    "שרה",
    "Дмитрий",
    "Ольга",
    "D'Andre",
    "Mary-Kate",
    "Jean \"JJ\"",
    "Ana🦊",
    "Łucja",
    "Björn",
    "Ngozi"
  };
  private static final String[] LAST = {
    "Smith",
    "Johnson",
    "García",
    "Müller",
    "O'Brien",
    "Nguyen",
    "Kim",
    "Patel",
    "Brown",
    "Martínez",
    "Dubois",
    "Kowalski",
    "Rossi",
    "van der Berg",
    "De La Cruz",
    "Okafor",
    "Yamamoto",
    "Ivanov",
    "Cohen",
    "Haddad",
    "Silva",
    "Johansson",
    "Andersen",
    "Lee",
    "Wilson",
    "Taylor",
    "Thompson",
    "White",
    "佐藤",
    "张",
    "עברי",
    "العلي",
    "Back\\slash",
    "St. John",
    "McAllister-Øberg"
  };
  private static final String[] TOWNS = {
    "Maplewood",
    "Riverside",
    "Cedar Falls",
    "Lakeview",
    "Springfield",
    "Fairview",
    "Oak Ridge",
    "Brookside",
    "Montréal",
    "San José",
    "Greenville",
    "Clearwater"
  };
  private static final String[] STATES = {
    "TX", "CA", "NY", "IL", "WA", "MA", "CO", "ON", "QC", "FL"
  };
  private static final String[] ZONES = {
    "America/Chicago", "America/Los_Angeles", "America/New_York", "America/Toronto"
  };
  private static final String[] SUBJECTS = {
    "Algebra I", "Geometry", "Biology", "Chemistry", "World History", "English Language Arts",
        "Spanish I",
    "Physical Education", "Art & Design", "Computer Science", "Música", "Physics", "Economics",
        "Calculus"
  };
  private static final String[] CEDS = {
    "CEDS.01", "CEDS.02", "CEDS.03", "CEDS.04", "CEDS.05", "CEDS.24", "EL.01"
  };
  private static final String[] GRADES = {
    "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"
  };
  private static final String[] RELATIONSHIPS = {
    "parent", "guardian", "mother", "father", "parent", "aide"
  };

  final long seed;
  final int integrationIndex;
  final DatasetSize size;
  final int schools;
  final int sessions;
  final int courses;
  final int classes;
  final int sections;
  final int people;
  final int enrollments;
  final int agents;
  // Person index layout: [0, admins) administrators, then teachers, then parents, then students.
  final int admins;
  final int teachers;
  final int parents;
  final int students;
  private final Map<RosterType, Long> keys = new EnumMap<>(RosterType.class);
  private final String districtName;

  RosterGenerator(long seed, int integrationIndex, DatasetSize size) {
    this.seed = seed;
    this.integrationIndex = integrationIndex;
    this.size = size;
    this.people = size.people();
    this.classes = size.classes();
    this.enrollments = size.enrollments();
    this.schools = Math.max(2, Math.min(40, Math.round(people / 250f)));
    this.sessions = 3 * schools; // per school: the school year, a fall and a spring semester
    this.courses = Math.max(1, classes / 2);
    this.sections = classes; // one section per class
    this.admins = Math.max(1, people / 100);
    this.teachers = Math.max(1, Math.min(classes, people * 5 / 100));
    this.parents = Math.max(1, people * 15 / 100);
    this.students = people - admins - teachers - parents;
    this.agents = parents + parents / 3; // a third of the parents have two children enrolled
    for (RosterType t : RosterType.values()) {
      keys.put(t, Ids.key(seed, integrationIndex, t.ordinal()));
    }
    String town = TOWNS[Math.floorMod(integrationIndex + (int) seed, TOWNS.length)];
    this.districtName =
        size == DatasetSize.LARGE
            ? "University of " + town
            : town + (integrationIndex % 2 == 0 ? " Unified School District" : " Public Schools");
  }

  long key(RosterType t) {
    return keys.get(t);
  }

  int baseCount(RosterType t) {
    switch (t) {
      case DISTRICTS:
        return 1;
      case SCHOOLS:
        return schools;
      case SESSIONS:
        return sessions;
      case COURSES:
        return courses;
      case CLASSES:
        return classes;
      case SECTIONS:
        return sections;
      case PEOPLE:
        return people;
      case ENROLLMENTS:
        return enrollments;
      case AGENTS:
        return agents;
      default:
        throw new IllegalArgumentException(t.toString());
    }
  }

  String id(RosterType t, int index) {
    return Ids.encode(key(t), index);
  }

  // ---- references (pure functions of indexes) ----

  int studentPerson(int s) {
    return admins + teachers + parents + s;
  }

  boolean isStudent(int person) {
    return person >= admins + teachers + parents;
  }

  int courseOfClass(int c) {
    return c % courses;
  }

  int schoolOfCourse(int q) {
    return q % schools;
  }

  /** 0 = fall, 1 = spring. */
  int semesterOfClass(int c) {
    return (c / courses) % 2;
  }

  int enrollmentClass(int e) {
    return e % classes;
  }

  /**
   * Slot 0 of each class is its teacher; the other slots are students, STUDENT_STRIDE apart between
   * classes.
   */
  int enrollmentPerson(int e) {
    int c = e % classes;
    int slot = e / classes;
    if (slot == 0) {
      return admins + c % teachers;
    }
    return studentPerson((int) (((long) c * STUDENT_STRIDE + slot - 1) % students));
  }

  int agentObserver(int a) {
    return admins + teachers + (a % parents);
  }

  int agentTarget(int a) {
    return studentPerson(a % students);
  }

  void forEachEnrollmentOfClass(int c, IntConsumer action) {
    for (long e = c; e < enrollments; e += classes) {
      action.accept((int) e);
    }
  }

  void forEachEnrollmentOfPerson(int person, IntConsumer action) {
    if (isStudent(person)) {
      int s = person - studentPerson(0);
      for (int c = 0; c < classes; c++) {
        long slot = Math.floorMod(s - (long) c * STUDENT_STRIDE, (long) students) + 1;
        // a student can occupy several slots of one class only when a class has more slots than
        // there are students
        for (long e = slot * classes + c; e < enrollments; e += (long) students * classes) {
          action.accept((int) e);
        }
      }
    } else if (person >= admins && person < admins + teachers) {
      for (int c = person - admins; c < Math.min(classes, enrollments); c += teachers) {
        action.accept(c);
      }
    }
  }

  void forEachAgentOfPerson(int person, IntConsumer action) {
    if (isStudent(person)) {
      for (long a = person - studentPerson(0); a < agents; a += students) {
        action.accept((int) a);
      }
    } else if (person >= admins + teachers && person < admins + teachers + parents) {
      for (long a = person - admins - teachers; a < agents; a += parents) {
        action.accept((int) a);
      }
    }
  }

  void forEachClassOfCourse(int q, IntConsumer action) {
    for (int c = q; c < classes; c += courses) {
      action.accept(c);
    }
  }

  // ---- records ----

  JsonObject generate(RosterType t, int index) {
    SplittableRandom rng = new SplittableRandom(Ids.mix64(key(t) + index));
    JsonObject o = new JsonObject();
    o.addProperty("id", id(t, index));
    long created =
        ANCHOR_MILLIS - 30L * 24 * 3600 * 1000 - (long) (rng.nextDouble() * 3 * YEAR_MILLIS);
    long updated = created + (long) (rng.nextDouble() * (ANCHOR_MILLIS - created));
    o.addProperty("created_date", SimClock.format(created));
    o.addProperty("updated_date", SimClock.format(updated));
    switch (t) {
      case DISTRICTS:
        district(o, rng);
        break;
      case SCHOOLS:
        school(o, index, rng);
        break;
      case SESSIONS:
        session(o, index, rng);
        break;
      case COURSES:
        course(o, index, rng);
        break;
      case CLASSES:
        clazz(o, index, rng);
        break;
      case SECTIONS:
        section(o, index, rng);
        break;
      case PEOPLE:
        person(o, index, rng);
        break;
      case ENROLLMENTS:
        enrollment(o, index, rng);
        break;
      case AGENTS:
        agent(o, index, rng);
        break;
      default:
        throw new IllegalArgumentException(t.toString());
    }
    return o;
  }

  private void district(JsonObject o, SplittableRandom rng) {
    o.addProperty("name", districtName);
    o.addProperty("locale", "en");
    o.addProperty("time_zone", ZONES[integrationIndex % ZONES.length]);
    o.add("address", address(rng));
    o.add(
        "properties", properties(rng, "nces_leaid", String.valueOf(4800000 + rng.nextInt(99999))));
    o.add(
        "identifiers",
        identifiers(
            "nces_id",
            String.valueOf(4800000 + integrationIndex),
            "sis_id",
            "D" + integrationIndex));
  }

  private void school(JsonObject o, int index, SplittableRandom rng) {
    String[] levels = {
      "Elementary School", "Middle School", "High School", "Academy", "École secondaire"
    };
    String level = size == DatasetSize.LARGE ? "College" : levels[index % levels.length];
    o.addProperty(
        "name",
        TOWNS[(index * 7 + integrationIndex) % TOWNS.length]
            + " "
            + level
            + (index >= TOWNS.length ? " " + index : ""));
    o.add("grade_levels", gradeRange(index % 3 * 4, index % 3 * 4 + 4));
    o.addProperty("locale", rng.nextInt(10) == 0 ? "fr" : "en");
    o.addProperty("time_zone", ZONES[integrationIndex % ZONES.length]);
    o.add("address", address(rng));
    o.add("properties", properties(rng, "principal", pick(rng, LAST)));
    o.add(
        "identifiers",
        identifiers("nces_id", String.valueOf(480000000 + index), "sis_id", "SCH-" + index));
    o.addProperty("district_id", id(RosterType.DISTRICTS, 0));
  }

  private void session(JsonObject o, int index, SplittableRandom rng) {
    int kind = index % 3;
    String[] names = {"2025-2026", "Fall 2025", "Spring 2026"};
    String[] starts = {"2025-08-18", "2025-08-18", "2026-01-06"};
    String[] ends = {"2026-06-05", "2025-12-19", "2026-06-05"};
    o.addProperty("name", names[kind]);
    o.addProperty("start_date", starts[kind] + "T00:00:00.000Z");
    o.addProperty("end_date", ends[kind] + "T00:00:00.000Z");
    o.addProperty("state", kind == 2 ? "upcoming" : "active");
    o.addProperty("type", kind == 0 ? "school_year" : "semester");
    o.add("properties", properties(rng, "term_code", "T" + kind));
    o.add("identifiers", identifiers("sis_id", "TERM-" + index));
    o.addProperty("school_id", id(RosterType.SCHOOLS, index / 3));
    o.addProperty("district_id", id(RosterType.DISTRICTS, 0));
  }

  private void course(JsonObject o, int index, SplittableRandom rng) {
    int school = schoolOfCourse(index);
    String subject = SUBJECTS[index % SUBJECTS.length];
    o.addProperty(
        "name", subject + (index >= SUBJECTS.length ? " " + (index / SUBJECTS.length + 1) : ""));
    o.addProperty("code", subject.substring(0, 3).toUpperCase(Locale.ROOT) + "-" + (100 + index));
    o.add("grade_levels", gradeRange(index % 13, Math.min(13, index % 13 + 2)));
    o.add("subjects", strings(CEDS[index % CEDS.length]));
    o.addProperty("department_id", (String) null);
    o.addProperty("subject_id", (String) null);
    o.add("properties", properties(rng, "credits", null));
    o.add("identifiers", identifiers("sis_id", "CRS-" + index));
    o.addProperty("session_id", id(RosterType.SESSIONS, school * 3));
    o.addProperty("school_id", id(RosterType.SCHOOLS, school));
    o.addProperty("district_id", id(RosterType.DISTRICTS, 0));
  }

  private void clazz(JsonObject o, int index, SplittableRandom rng) {
    int course = courseOfClass(index);
    int school = schoolOfCourse(course);
    int semester = semesterOfClass(index);
    int period = 1 + index % 8;
    o.addProperty("name", SUBJECTS[course % SUBJECTS.length] + " - Period " + period);
    o.addProperty(
        "description",
        rng.nextInt(4) == 0
            ? null
            : rng.nextInt(5) == 0
                ? "Bring a \"scientific\" calculator; path C:\\class\\" + index
                : "Room " + (100 + rng.nextInt(200)));
    o.addProperty("picture_url", (String) null);
    o.add("subjects", strings(CEDS[course % CEDS.length]));
    o.add("grade_levels", gradeRange(course % 13, Math.min(13, course % 13 + 1)));
    o.add("periods", strings(String.valueOf(period)));
    o.addProperty("state", semester == 0 ? "active" : "upcoming");
    o.addProperty("locale", "en");
    o.addProperty("time_zone", ZONES[integrationIndex % ZONES.length]);
    o.addProperty("department_id", (String) null);
    o.addProperty("subject_id", (String) null);
    o.add("period_ids", new JsonArray());
    o.add("product_ids", new JsonArray());
    o.add("properties", properties(rng, "room", String.valueOf(100 + index % 300)));
    o.add("identifiers", identifiers("sis_id", "CLS-" + index));
    o.add("session_ids", strings(id(RosterType.SESSIONS, school * 3 + 1 + semester)));
    o.addProperty("course_id", id(RosterType.COURSES, course));
    o.addProperty("school_id", id(RosterType.SCHOOLS, school));
  }

  private void section(JsonObject o, int index, SplittableRandom rng) {
    o.addProperty("name", "Section " + (char) ('A' + index % 4));
    o.addProperty("description", (String) null);
    o.addProperty("state", semesterOfClass(index) == 0 ? "active" : "upcoming");
    o.addProperty("locale", "en");
    o.addProperty("time_zone", ZONES[integrationIndex % ZONES.length]);
    o.add("periods", strings(String.valueOf(1 + index % 8)));
    o.add("properties", new JsonObject());
    o.add("identifiers", identifiers("sis_id", "SEC-" + index));
    o.addProperty("class_id", id(RosterType.CLASSES, index));
  }

  private void person(JsonObject o, int index, SplittableRandom rng) {
    String role;
    if (index < admins) {
      role = index == 0 ? "district-administrator" : "administrator";
    } else if (index < admins + teachers) {
      role = "teacher";
    } else if (index < admins + teachers + parents) {
      role = rng.nextInt(5) == 0 ? "guardian" : "parent";
    } else {
      role = "student";
    }
    boolean student = "student".equals(role);
    String first = pick(rng, FIRST);
    String last = pick(rng, LAST);
    o.addProperty("first_name", first);
    o.addProperty("middle_name", rng.nextInt(3) == 0 ? pick(rng, FIRST) : null);
    o.addProperty("last_name", last);
    o.addProperty("display_name", first + " " + last);
    o.addProperty(
        "picture_url",
        rng.nextInt(10) == 0 ? "https://images.example.com/p/" + index + ".png" : null);
    // one student in fifty has no role at all; Edlink allows that
    o.add("roles", student && rng.nextInt(50) == 0 ? new JsonArray() : strings(role));
    o.addProperty("email", rng.nextInt(20) == 0 ? null : email(first, last, index));
    o.addProperty(
        "phone",
        student || rng.nextInt(3) == 0 ? null : "1" + (2000000000L + rng.nextInt(999999999)));
    o.addProperty("locale", rng.nextInt(8) == 0 ? "es" : "en");
    o.addProperty("time_zone", ZONES[integrationIndex % ZONES.length]);
    if (student) {
      int grade = rng.nextInt(GRADES.length);
      o.addProperty("graduation_year", 2026 + (12 - grade));
      o.add("grade_levels", strings(GRADES[grade]));
      o.addProperty(
          "gpa",
          rng.nextInt(4) == 0 ? null : Math.round((1.5 + rng.nextDouble() * 2.5) * 100) / 100.0);
      o.addProperty(
          "letter_grade",
          rng.nextInt(2) == 0 ? null : String.valueOf("ABCDF".charAt(rng.nextInt(5))));
    } else {
      o.add("graduation_year", JsonNull.INSTANCE);
      o.add("grade_levels", new JsonArray());
      o.add("gpa", JsonNull.INSTANCE);
      o.add("letter_grade", JsonNull.INSTANCE);
    }
    JsonObject demographics = new JsonObject();
    if (rng.nextInt(4) != 0) {
      demographics.addProperty(
          "birthday",
          (student ? 2008 : 1960)
              + rng.nextInt(student ? 14 : 40)
              + "-0"
              + (1 + rng.nextInt(9))
              + "-1"
              + rng.nextInt(10));
      demographics.addProperty("sex", rng.nextBoolean() ? "Female" : "Male");
      demographics.addProperty("hispanic_or_latino_ethnicity", rng.nextInt(4) == 0);
      demographics.add(
          "races",
          rng.nextInt(3) == 0 ? new JsonArray() : strings(rng.nextBoolean() ? "White" : "Asian"));
    }
    o.add("demographics", demographics);
    o.add("address", rng.nextInt(3) == 0 ? address(rng) : JsonNull.INSTANCE);
    o.add("department_ids", new JsonArray());
    o.add("route_ids", new JsonArray());
    o.add("product_ids", new JsonArray());
    o.add("properties", properties(rng, "homeroom", student ? "HR-" + rng.nextInt(40) : null));
    o.add(
        "identifiers",
        identifiers("sis_id", (student ? "S" : "E") + (100000 + index), "username", "u" + index));
    o.addProperty("district_id", id(RosterType.DISTRICTS, 0));
    JsonArray schoolIds = new JsonArray();
    if (!role.equals("parent") && !role.equals("guardian")) {
      schoolIds.add(id(RosterType.SCHOOLS, index % schools));
      if (role.equals("teacher") && rng.nextInt(5) == 0) {
        schoolIds.add(id(RosterType.SCHOOLS, (index + 1) % schools));
      }
    }
    o.add("school_ids", schoolIds);
  }

  private void enrollment(JsonObject o, int index, SplittableRandom rng) {
    int c = enrollmentClass(index);
    boolean teacher = index / classes == 0;
    boolean fall = semesterOfClass(c) == 0;
    boolean dated = rng.nextInt(5) != 0;
    o.addProperty(
        "start_date", dated ? (fall ? "2025-08-18" : "2026-01-06") + "T00:00:00.000Z" : null);
    o.addProperty(
        "end_date", dated ? (fall ? "2025-12-19" : "2026-06-05") + "T00:00:00.000Z" : null);
    o.addProperty("role", teacher ? "teacher" : "student");
    if (teacher) {
      o.addProperty("primary", true);
    } else {
      o.add("primary", JsonNull.INSTANCE);
    }
    int roll = rng.nextInt(100);
    o.addProperty(
        "state", !fall ? "upcoming" : roll < 92 ? "active" : roll < 96 ? "inactive" : "dropped");
    o.add("final_letter_grade", JsonNull.INSTANCE);
    o.add("final_numeric_grade", JsonNull.INSTANCE);
    o.add(
        "properties",
        teacher ? new JsonObject() : properties(rng, "seat", String.valueOf(index / classes)));
    o.add("identifiers", new JsonArray());
    o.addProperty("person_id", id(RosterType.PEOPLE, enrollmentPerson(index)));
    o.addProperty("class_id", id(RosterType.CLASSES, c));
    o.addProperty("section_id", c % 5 == 4 ? null : id(RosterType.SECTIONS, c));
  }

  private void agent(JsonObject o, int index, SplittableRandom rng) {
    o.addProperty("relationship", pick(rng, RELATIONSHIPS));
    o.add("flags", rng.nextInt(4) == 0 ? strings("emergency_contact") : new JsonArray());
    o.add("properties", new JsonObject());
    o.add("identifiers", new JsonArray());
    o.addProperty("observer_id", id(RosterType.PEOPLE, agentObserver(index)));
    o.addProperty("target_id", id(RosterType.PEOPLE, agentTarget(index)));
  }

  // ---- helpers ----

  static String pick(SplittableRandom rng, String[] values) {
    return values[rng.nextInt(values.length)];
  }

  static String email(String first, String last, int index) {
    StringBuilder local = new StringBuilder();
    for (char c : (first + "." + last).toLowerCase(Locale.ROOT).toCharArray()) {
      if ((c >= 'a' && c <= 'z') || c == '.') {
        local.append(c);
      }
    }
    return (local.length() < 3 ? "user" : local.toString()) + index + "@example.edu";
  }

  static JsonArray strings(String... values) {
    JsonArray a = new JsonArray();
    for (String v : values) {
      a.add(v);
    }
    return a;
  }

  private static JsonArray gradeRange(int from, int to) {
    JsonArray a = new JsonArray();
    for (int g = from; g < Math.min(to, GRADES.length); g++) {
      a.add(GRADES[g]);
    }
    return a;
  }

  private static JsonArray identifiers(String... typeValuePairs) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < typeValuePairs.length; i += 2) {
      JsonObject id = new JsonObject();
      id.addProperty("type", typeValuePairs[i]);
      id.addProperty("value", typeValuePairs[i + 1]);
      a.add(id);
    }
    return a;
  }

  /** Mostly empty; sometimes a flat value, sometimes a nested object with numbers and arrays. */
  private static JsonObject properties(SplittableRandom rng, String name, String value) {
    JsonObject p = new JsonObject();
    int shape = rng.nextInt(4);
    if (shape >= 2 && value != null) {
      p.addProperty(name, value);
    }
    if (shape == 3) {
      JsonObject sis = new JsonObject();
      sis.addProperty("source", "PowerSchool");
      sis.addProperty("weight", Math.round(rng.nextDouble() * 1000) / 100.0);
      sis.addProperty("count", rng.nextInt(1000));
      sis.add("tags", strings("imported", "year-2025"));
      sis.add("note", JsonNull.INSTANCE);
      p.add("sis", sis);
    }
    return p;
  }

  private static JsonObject address(SplittableRandom rng) {
    JsonObject a = new JsonObject();
    a.addProperty("street", (1 + rng.nextInt(9999)) + " " + pick(rng, LAST) + " St.");
    a.addProperty("unit", rng.nextInt(4) == 0 ? "Apt " + (1 + rng.nextInt(30)) : null);
    a.addProperty("postal_code", String.valueOf(10000 + rng.nextInt(89999)));
    a.addProperty("city", pick(rng, TOWNS));
    a.addProperty("state", pick(rng, STATES));
    a.addProperty("country", "US");
    a.addProperty("phone", (String) null);
    a.addProperty("latitude", Math.round((30 + rng.nextDouble() * 15) * 1e6) / 1e6);
    a.addProperty("longitude", Math.round((-120 + rng.nextDouble() * 45) * 1e6) / 1e6);
    return a;
  }
}
