package org.rostersync.sandbox.simulator;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The events of one integration, oldest first. The initial materialization ("created" for every
 * generated record) is virtual: event position p below {@code initialCount} maps to a base record,
 * so a large dataset costs no memory here. Events older than the retention window are pruned; their
 * ids are forgotten, so paging after them is an error.
 */
final class EventLog implements Listing {
  static final long RETENTION_MILLIS = 30L * 24 * 3600 * 1000;

  private final RosterGenerator generator;
  private final String integrationId;
  private final long key;
  private final String initialMaterializationId;
  private final long initialDate;
  private final int[] initialStarts = new int[RosterType.values().length + 1];
  private final List<Event> appended = new ArrayList<>();
  private final Map<String, Integer> appendedPositions = new HashMap<>();
  private int prunedBefore;

  /** One recorded change; {@code data} is JSON text shared with the store where possible. */
  record Event(
      String id,
      long date,
      String type,
      RosterType target,
      String targetId,
      String materializationId,
      String data) {}

  EventLog(RosterGenerator generator, String integrationId, long createdMillis) {
    this.generator = generator;
    this.integrationId = integrationId;
    this.key = Ids.key(generator.seed, generator.integrationIndex, 1000);
    this.initialMaterializationId =
        Ids.encode(Ids.key(generator.seed, generator.integrationIndex, 1001), 0);
    this.initialDate = createdMillis;
    for (RosterType t : RosterType.values()) {
      initialStarts[t.ordinal() + 1] = initialStarts[t.ordinal()] + generator.baseCount(t);
    }
  }

  private int initialCount() {
    return initialStarts[initialStarts.length - 1];
  }

  void append(Event e) {
    appendedPositions.put(e.id(), end());
    appended.add(e);
  }

  /**
   * Forgets events dated before {@code nowMillis - 30 days}. Dates never decrease along the log.
   */
  void prune(long nowMillis) {
    long cutoff = nowMillis - RETENTION_MILLIS;
    if (prunedBefore < initialCount() && initialDate < cutoff) {
      prunedBefore = initialCount();
    }
    while (prunedBefore >= initialCount() && prunedBefore < end()) {
      int i = prunedBefore - initialCount();
      Event e = appended.get(i);
      if (e.date() >= cutoff) {
        break;
      }
      appendedPositions.remove(e.id());
      appended.set(i, null);
      prunedBefore++;
    }
  }

  int live() {
    return end() - prunedBefore;
  }

  @Override
  public int end() {
    return initialCount() + appended.size();
  }

  @Override
  public int nextLive(int from) {
    return Math.max(from, prunedBefore);
  }

  @Override
  public int previousLive(int from) {
    int p = Math.min(from, end() - 1);
    return p < prunedBefore ? -1 : p;
  }

  @Override
  public int positionOf(String id) {
    Integer p = appendedPositions.get(id);
    if (p != null) {
      return p;
    }
    UUID uuid = Ids.parse(id);
    int index = uuid == null ? -1 : Ids.decode(key, uuid);
    return index >= prunedBefore && index < initialCount() ? index : -1;
  }

  @Override
  public JsonObject get(int position) {
    if (position >= initialCount()) {
      Event e = appended.get(position - initialCount());
      return toJson(
          e.id(),
          e.date(),
          e.type(),
          e.target(),
          e.targetId(),
          e.materializationId(),
          JsonParser.parseString(e.data()).getAsJsonObject());
    }
    RosterType type = RosterType.DISTRICTS;
    while (position >= initialStarts[type.ordinal() + 1]) {
      type = RosterType.values()[type.ordinal() + 1];
    }
    JsonObject record = generator.generate(type, position - initialStarts[type.ordinal()]);
    return toJson(
        Ids.encode(key, position),
        initialDate,
        "created",
        type,
        record.get("id").getAsString(),
        initialMaterializationId,
        record);
  }

  private JsonObject toJson(
      String id,
      long date,
      String type,
      RosterType target,
      String targetId,
      String materializationId,
      JsonObject data) {
    JsonObject o = new JsonObject();
    o.addProperty("id", id);
    o.addProperty("date", SimClock.format(date));
    o.addProperty("type", type);
    o.addProperty("target", target.eventTarget());
    o.addProperty("target_id", targetId);
    o.addProperty("integration_id", integrationId);
    o.addProperty("materialization_id", materializationId);
    o.add("data", data);
    return o;
  }
}
