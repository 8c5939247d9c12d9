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

  /**
   * Why {@code record} cannot be stored, or null when it can, given its canonical JSON ({@code
   * CanonicalHash.canonicalBytes}). One pass over those bytes clears almost every record; only one
   * whose bytes show a NUL or surrogate escape, or brackets nested near the limit, is walked as
   * {@link #problem(JsonElement, int)} walks it, so both give the same answer. The walk alone, with
   * its character-by-character string checks, was 5% of a no-change sync's CPU.
   */
  public static String problem(JsonElement record, byte[] canonical) {
    if (canonical.length <= MAX_RECORD_BYTES && clearedByCanonicalBytes(canonical)) {
      return null;
    }
    return problem(record, canonical.length);
  }

  /**
   * True when canonical JSON can hold no NUL, no unpaired surrogate and no element deeper than
   * {@link #MAX_DEPTH}. The canonical writer escapes NUL and a lone surrogate as a backslash, 'u'
   * and four hex digits (0000 for NUL; a surrogate's first digit is 'd'), so raw bytes never hold
   * them; and a container opened as the 32nd bracket sits at depth 31, its children at 32. False
   * means "walk it", not "bad".
   */
  static boolean clearedByCanonicalBytes(byte[] b) {
    int open = 0;
    boolean inString = false;
    for (int i = 0; i < b.length; i++) {
      byte c = b[i];
      if (inString) {
        if (c == '"') {
          inString = false;
        } else if (c == '\\') {
          if (i + 1 < b.length && b[i + 1] == 'u') {
            if (i + 5 >= b.length) {
              return false;
            }
            byte h = b[i + 2];
            if (h == 'd'
                || h == 'D'
                || (h == '0' && b[i + 3] == '0' && b[i + 4] == '0' && b[i + 5] == '0')) {
              return false;
            }
            i += 5;
          } else {
            i++;
          }
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++open > MAX_DEPTH) {
          return false;
        }
      } else if (c == '}' || c == ']') {
        open--;
      }
    }
    return true;
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
