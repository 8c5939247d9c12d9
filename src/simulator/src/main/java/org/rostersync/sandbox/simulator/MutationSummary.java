package org.rostersync.sandbox.simulator;

import com.google.gson.JsonObject;
import java.util.EnumMap;
import java.util.Map;

/**
 * How many records of each type one mutation call created, updated and deleted (cascaded deletes
 * included).
 */
public final class MutationSummary {
  private final Map<RosterType, int[]> counts = new EnumMap<>(RosterType.class);

  void add(RosterType type, String kind) {
    int[] c = counts.computeIfAbsent(type, t -> new int[3]);
    switch (kind) {
      case "created":
        c[0]++;
        break;
      case "updated":
        c[1]++;
        break;
      case "deleted":
        c[2]++;
        break;
      default:
        throw new IllegalArgumentException(kind);
    }
  }

  public int created(RosterType type) {
    return counts.getOrDefault(type, new int[3])[0];
  }

  public int updated(RosterType type) {
    return counts.getOrDefault(type, new int[3])[1];
  }

  public int deleted(RosterType type) {
    return counts.getOrDefault(type, new int[3])[2];
  }

  /** All changes of all types, which is also the number of events the call appended. */
  public int total() {
    return counts.values().stream().mapToInt(c -> c[0] + c[1] + c[2]).sum();
  }

  /** {@code {"people":{"created":1,"updated":5,"deleted":0}, ...}} for the types that changed. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    counts.forEach(
        (type, c) -> {
          JsonObject t = new JsonObject();
          t.addProperty("created", c[0]);
          t.addProperty("updated", c[1]);
          t.addProperty("deleted", c[2]);
          o.add(type.path(), t);
        });
    return o;
  }

  @Override
  public String toString() {
    return toJson().toString();
  }
}
