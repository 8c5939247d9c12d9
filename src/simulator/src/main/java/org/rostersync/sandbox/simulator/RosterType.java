package org.rostersync.sandbox.simulator;

import java.util.Locale;

/**
 * The nine Graph v2 collections the simulator serves, in Edlink's recommended full-sync order. The
 * simulator keeps its own list (the endpoint and event-target names are Edlink's, not the sync's),
 * so it depends on nothing of the code it is a test bed for.
 */
public enum RosterType {
  DISTRICTS("district"),
  SCHOOLS("school"),
  SESSIONS("session"),
  COURSES("course"),
  PEOPLE("person"),
  CLASSES("class"),
  SECTIONS("section"),
  ENROLLMENTS("enrollment"),
  AGENTS("agent");

  private final String eventTarget;

  RosterType(String eventTarget) {
    this.eventTarget = eventTarget;
  }

  /** The top-level endpoint name, e.g. {@code people} in {@code /api/v2/graph/people}. */
  public String path() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The {@code target} that events name for this type, e.g. {@code person}. */
  public String eventTarget() {
    return eventTarget;
  }

  /**
   * The type of an endpoint name such as {@code people} (case-insensitive); the same type as the
   * sync's own {@code EntityType} of that path.
   *
   * @throws IllegalArgumentException for a name that is not one of the nine
   */
  public static RosterType fromPath(String path) {
    return valueOf(path.trim().toUpperCase(Locale.ROOT));
  }

  /** The type events name {@code target}, or null for a target the simulator does not serve. */
  public static RosterType fromEventTarget(String target) {
    for (RosterType t : values()) {
      if (t.eventTarget.equals(target)) {
        return t;
      }
    }
    return null;
  }
}
