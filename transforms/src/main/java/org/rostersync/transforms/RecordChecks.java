package org.rostersync.transforms;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.util.Map;
import java.util.function.Supplier;
import org.rostersync.hash.CanonicalHash;

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

  /**
   * Why {@code record} cannot be stored, or null when it can, given its canonical JSON and what the
   * canonical writer saw ({@link CanonicalHash#canonical}). The writer escapes NUL and lone
   * surrogates and counts the nesting as it goes, so almost every record is cleared without reading
   * anything again; only one with such an escape or nested near the limit is parsed ({@code
   * record}) and walked as {@link #problem(JsonElement, int)} walks it, so both give the same
   * answer. The walk alone, with its character-by-character string checks, was 5% of a no-change
   * sync's CPU; a pass over the bytes instead, 6% of a large cold sync's on the cron flags (C1
   * only).
   */
  public static String problem(
      Supplier<? extends JsonElement> record, CanonicalHash.Canonical canonical) {
    if (cleared(canonical)) {
      return null;
    }
    return problem(record.get(), canonical.bytes().length);
  }

  /**
   * True when the record can hold no NUL, no unpaired surrogate and no element deeper than {@link
   * #MAX_DEPTH} (a container opened as the 32nd sits at depth 31, its children at 32). False means
   * "walk it", not "bad".
   */
  static boolean cleared(CanonicalHash.Canonical canonical) {
    return canonical.bytes().length <= MAX_RECORD_BYTES
        && canonical.depth() <= MAX_DEPTH
        && !canonical.escapedNulOrLoneSurrogate();
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
