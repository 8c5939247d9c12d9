package org.rostersync.transforms;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.util.Map;

/**
 * Checks a record before it may be stored: PostgreSQL's jsonb refuses NUL characters and unpaired
 * surrogates, and a record too large or too deeply nested is a fault of the source, not something
 * to write.
 */
public final class RecordChecks {
  public static final int MAX_RECORD_BYTES = 1 << 20;
  public static final int MAX_DEPTH = 32;

  private RecordChecks() {}

  /** Why {@code record} cannot be stored, or null when it can. */
  public static String problem(JsonElement record, int canonicalBytes) {
    if (canonicalBytes > MAX_RECORD_BYTES) {
      return "record is " + canonicalBytes + " bytes, more than " + MAX_RECORD_BYTES;
    }
    return walk(record, 0);
  }

  private static String walk(JsonElement e, int depth) {
    if (depth > MAX_DEPTH) {
      return "record nests deeper than " + MAX_DEPTH + " levels";
    }
    if (e.isJsonObject()) {
      for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
        String p = text(m.getKey());
        if (p == null) {
          p = walk(m.getValue(), depth + 1);
        }
        if (p != null) {
          return p;
        }
      }
    } else if (e.isJsonArray()) {
      for (JsonElement item : e.getAsJsonArray()) {
        String p = walk(item, depth + 1);
        if (p != null) {
          return p;
        }
      }
    } else if (e.isJsonPrimitive()) {
      JsonPrimitive p = e.getAsJsonPrimitive();
      if (p.isString()) {
        return text(p.getAsString());
      }
    }
    return null;
  }

  private static String text(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return "record contains a NUL character, which PostgreSQL cannot store";
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return "record contains invalid unicode (an unpaired surrogate)";
      }
      if (Character.isLowSurrogate(c)) {
        return "record contains invalid unicode (an unpaired surrogate)";
      }
    }
    return null;
  }
}
