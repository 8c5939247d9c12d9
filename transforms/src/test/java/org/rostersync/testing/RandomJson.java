package org.rostersync.testing;

import java.util.List;
import java.util.Random;

/**
 * Random JSON over the keys, strings and numbers that matter to the canonical form: unsorted and
 * repeated keys, escapes, surrogates (paired and lone), NUL, and numbers in many spellings.
 */
public final class RandomJson {
  private RandomJson() {}

  private static final String[] KEYS = {
    "id",
    "a",
    "b",
    "B",
    "name",
    "é",
    "\\u00e9",
    "school_ids",
    "z",
    "\\ud83d\\ude00",
    "\\ud800x",
    "\\u0000",
    "k\\n",
    "aa",
    "a\\u0000"
  };
  private static final String[] STRINGS = {
    "",
    "x",
    "student",
    "Zoë",
    "北京",
    "😀",
    "\\ud83d\\ude00",
    "\\ud800",
    "\\udc00 lone",
    "a\\u0000b",
    "q\\\"q",
    "back\\\\slash",
    "\\b\\f\\n\\r\\t\\u001f",
    "\\/",
    "\u2028",
    "00000000-0000-0000-0000-000000000001"
  };
  private static final String[] NUMBERS = {
    "0",
    "-0",
    "-0.0",
    "1",
    "1.0",
    "1.50",
    "1e0",
    "10E-1",
    "-25E-9",
    "1E2",
    "1e21",
    "1e-7",
    "1.5e-8",
    "123456789012345678901",
    "0.1e1",
    "1E+0",
    "3.14159",
    "-7",
    "10e399",
    "2e-400"
  };

  public static String value(Random random, int depth, boolean object) {
    int kind = object ? 0 : random.nextInt(depth > 5 ? 4 : 6);
    switch (kind) {
      case 0 -> {
        int n = random.nextInt(depth == 0 ? 9 : 5);
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            sb.append(',');
          }
          sb.append('"').append(KEYS[random.nextInt(KEYS.length)]).append("\":");
          sb.append(value(random, depth + 1, false));
        }
        return sb.append('}').toString();
      }
      case 1 -> {
        return '"' + STRINGS[random.nextInt(STRINGS.length)] + '"';
      }
      case 2 -> {
        return NUMBERS[random.nextInt(NUMBERS.length)];
      }
      case 3 -> {
        return List.of("true", "false", "null").get(random.nextInt(3));
      }
      case 4 -> {
        int n = random.nextInt(4);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            sb.append(',');
          }
          sb.append(value(random, depth + 1, false));
        }
        return sb.append(']').toString();
      }
      default -> {
        return value(random, depth + 1, true);
      }
    }
  }
}
