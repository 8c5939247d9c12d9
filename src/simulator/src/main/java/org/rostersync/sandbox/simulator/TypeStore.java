package org.rostersync.sandbox.simulator;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The current records of one entity type of one integration: the generated base records plus
 * compact changes (overridden records and created records as JSON text, a bit set of removed
 * positions). Not thread-safe; the owning {@link Roster} locks.
 */
final class TypeStore implements Listing {
  final RosterType type;
  private final RosterGenerator generator;
  private final int baseCount;
  private final BitSet removed = new BitSet();
  private final Map<Integer, String> overrides = new HashMap<>();
  private final List<String> created = new ArrayList<>();
  private final Map<String, Integer> createdPositions = new HashMap<>();
  private int live;

  /**
   * The base records as served, each written once: a generated record never changes (a change is an
   * override), and writing 10,000 of them a page cost the simulator most of its CPU, which a
   * benchmark's programs share. About 0.5 KB a record.
   */
  private final AtomicReferenceArray<byte[]> servedBase;

  TypeStore(RosterType type, RosterGenerator generator) {
    this.type = type;
    this.generator = generator;
    this.baseCount = generator.baseCount(type);
    this.live = baseCount;
    this.servedBase = new AtomicReferenceArray<>(baseCount);
  }

  int baseCount() {
    return baseCount;
  }

  int live() {
    return live;
  }

  boolean isLive(int position) {
    return position >= 0 && position < end() && !removed.get(position);
  }

  @Override
  public int end() {
    return baseCount + created.size();
  }

  @Override
  public int nextLive(int from) {
    return removed.nextClearBit(Math.max(0, from));
  }

  @Override
  public int previousLive(int from) {
    return from < 0 ? -1 : removed.previousClearBit(Math.min(from, end() - 1));
  }

  @Override
  public JsonObject get(int position) {
    if (position < baseCount) {
      String override = overrides.get(position);
      return override != null
          ? JsonParser.parseString(override).getAsJsonObject()
          : generator.generate(type, position);
    }
    return JsonParser.parseString(created.get(position - baseCount)).getAsJsonObject();
  }

  @Override
  public byte[] served(int position) {
    if (position >= baseCount || overrides.containsKey(position)) {
      return Listing.super.served(position);
    }
    byte[] bytes = servedBase.get(position);
    if (bytes == null) {
      // Two readers may both write it: the same bytes.
      bytes = JsonOut.bytes(generator.generate(type, position));
      servedBase.set(position, bytes);
    }
    return bytes;
  }

  /** The JSON text at a position (for events, which share the text with the store). */
  String json(int position) {
    if (position < baseCount) {
      String override = overrides.get(position);
      return override != null ? override : generator.generate(type, position).toString();
    }
    return created.get(position - baseCount);
  }

  String id(int position) {
    return position < baseCount
        ? generator.id(type, position)
        : get(position).get("id").getAsString();
  }

  @Override
  public int positionOf(String id) {
    Integer p = createdPositions.get(id);
    if (p != null) {
      return p;
    }
    UUID uuid = Ids.parse(id);
    int index = uuid == null ? -1 : Ids.decode(generator.key(type), uuid);
    return index >= 0 && index < baseCount ? index : -1;
  }

  void replace(int position, String json) {
    if (position < baseCount) {
      overrides.put(position, json);
    } else {
      created.set(position - baseCount, json);
    }
  }

  int append(String id, String json) {
    int position = end();
    created.add(json);
    createdPositions.put(id, position);
    live++;
    return position;
  }

  void remove(int position) {
    if (isLive(position)) {
      removed.set(position);
      overrides.remove(position);
      live--;
    }
  }
}
