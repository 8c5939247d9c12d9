package org.rostersync.edlink;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The nine Edlink Graph v2 roster entity types, in Edlink's recommended full-sync order. */
public enum EntityType {
  DISTRICTS("districts", "district"),
  SCHOOLS("schools", "school"),
  SESSIONS("sessions", "session"),
  COURSES("courses", "course"),
  PEOPLE("people", "person"),
  CLASSES("classes", "class"),
  SECTIONS("sections", "section"),
  ENROLLMENTS("enrollments", "enrollment"),
  AGENTS("agents", "agent");

  private final String path;
  private final String eventTarget;

  EntityType(String path, String eventTarget) {
    this.path = path;
    this.eventTarget = eventTarget;
  }

  /** The top-level endpoint name, e.g. {@code people} in {@code /api/v2/graph/people}. */
  public String path() {
    return path;
  }

  /** The {@code target} value that events use for this type, e.g. {@code person}. */
  public String eventTarget() {
    return eventTarget;
  }

  /** Parses an endpoint name such as {@code people} (case-insensitive). */
  public static EntityType fromPath(String path) {
    String p = path.trim().toLowerCase(Locale.ROOT);
    for (EntityType t : values()) {
      if (t.path.equals(p)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown entity type '" + path + "'; expected one of " + Arrays.toString(paths()));
  }

  /** Parses an event target such as {@code person}; returns null for targets this sync ignores. */
  public static EntityType fromEventTarget(String target) {
    for (EntityType t : values()) {
      if (t.eventTarget.equals(target)) {
        return t;
      }
    }
    return null;
  }

  /** Parses a comma-separated list; blank means all types. */
  public static List<EntityType> parseList(String csv) {
    if (csv == null || csv.isBlank()) {
      return List.of(values());
    }
    List<EntityType> out = new ArrayList<>();
    for (String part : csv.split(",")) {
      if (!part.isBlank()) {
        EntityType t = fromPath(part);
        if (!out.contains(t)) {
          out.add(t);
        }
      }
    }
    return out;
  }

  public static String[] paths() {
    return Arrays.stream(values()).map(EntityType::path).toArray(String[]::new);
  }
}
