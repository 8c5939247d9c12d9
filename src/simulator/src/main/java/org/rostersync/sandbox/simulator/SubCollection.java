package org.rostersync.sandbox.simulator;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.function.Predicate;

/**
 * The simulated sub-collections, such as {@code /schools/{id}/people}: a child type and a predicate
 * on its records. Only those answerable from the child record alone are simulated; they scan the
 * whole child collection.
 */
record SubCollection(RosterType type, Predicate<JsonObject> filter) {

  static SubCollection of(RosterType parent, String id, String name) {
    switch (parent.path() + "/" + name) {
      case "districts/schools":
        return new SubCollection(RosterType.SCHOOLS, is("district_id", id));
      case "districts/administrators":
        return new SubCollection(
            RosterType.PEOPLE,
            is("district_id", id).and(hasRole("administrator", "district-administrator")));
      case "schools/sessions":
        return new SubCollection(RosterType.SESSIONS, is("school_id", id));
      case "schools/courses":
        return new SubCollection(RosterType.COURSES, is("school_id", id));
      case "schools/classes":
        return new SubCollection(RosterType.CLASSES, is("school_id", id));
      case "schools/people":
        return new SubCollection(RosterType.PEOPLE, contains("school_ids", id));
      case "schools/students":
        return new SubCollection(
            RosterType.PEOPLE, contains("school_ids", id).and(hasRole("student")));
      case "schools/teachers":
        return new SubCollection(
            RosterType.PEOPLE, contains("school_ids", id).and(hasRole("teacher")));
      case "schools/administrators":
        return new SubCollection(
            RosterType.PEOPLE,
            contains("school_ids", id).and(hasRole("administrator", "district-administrator")));
      case "courses/classes":
        return new SubCollection(RosterType.CLASSES, is("course_id", id));
      case "classes/sections":
        return new SubCollection(RosterType.SECTIONS, is("class_id", id));
      case "classes/enrollments":
        return new SubCollection(RosterType.ENROLLMENTS, is("class_id", id));
      case "sections/enrollments":
        return new SubCollection(RosterType.ENROLLMENTS, is("section_id", id));
      case "people/enrollments":
        return new SubCollection(RosterType.ENROLLMENTS, is("person_id", id));
      case "people/agents":
        return new SubCollection(RosterType.AGENTS, is("observer_id", id).or(is("target_id", id)));
      default:
        return null;
    }
  }

  private static Predicate<JsonObject> is(String field, String id) {
    return o -> {
      JsonElement v = o.get(field);
      return v != null && !v.isJsonNull() && v.getAsString().equals(id);
    };
  }

  private static Predicate<JsonObject> contains(String field, String id) {
    return o -> {
      JsonElement v = o.get(field);
      if (v == null || !v.isJsonArray()) {
        return false;
      }
      for (JsonElement e : v.getAsJsonArray()) {
        if (e.getAsString().equals(id)) {
          return true;
        }
      }
      return false;
    };
  }

  private static Predicate<JsonObject> hasRole(String... roles) {
    return o -> {
      for (JsonElement r : o.getAsJsonArray("roles")) {
        for (String role : roles) {
          if (r.getAsString().equals(role)) {
            return true;
          }
        }
      }
      return false;
    };
  }
}
