package org.rostersync.transforms;

/**
 * Puts a record's top-level members in the order PostgreSQL's jsonb keeps them (shorter keys first,
 * keys of one length by their bytes), so that jsonb's input finds them sorted and skips its sort.
 * The canonical JSON has them by UTF-16 code units: on the large university's cold sync that sort
 * was about a twentieth of PostgreSQL's CPU (docs/benchmark-process.md, "Keys in jsonb's order").
 *
 * <p>Only a hint: jsonb sorts whatever it is given, so the stored value is the same in any order,
 * and JSON this cannot read (not an object, whitespace around a key, an escaped key, more than
 * {@link #MOST} members) is sent as it is. The length and the bytes of each member stay; only their
 * order changes.
 */
final class JsonbKeyOrder {
  /** Objects with more members are sent as they are: insertion sort is for the few of a record. */
  static final int MOST = 64;

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /**
   * One thread's bounds of the members read, and the last order worked out with the keys it was
   * for: a type's records share their keys, so most take it as it is.
   */
  private static final class Scratch {
    /**
     * Member {@code i}: key from {@code [3i]} to {@code [3i + 1]}, member end at {@code [3i + 2]}.
     */
    final int[] bounds = new int[3 * MOST];

    final int[] order = new int[MOST];
    final int[] keyLengths = new int[MOST];
    byte[] keys = new byte[1024];
    int members = -1;
    boolean unchanged;

    /** Whether the {@code n} keys read are those {@link #order} was worked out for. */
    boolean sameKeys(byte[] json, int n) {
      if (n != members) {
        return false;
      }
      int k = 0;
      for (int i = 0; i < n; i++) {
        int from = bounds[3 * i], length = bounds[3 * i + 1] - from;
        if (length != keyLengths[i]
            || !java.util.Arrays.equals(json, from, from + length, keys, k, k + length)) {
          return false;
        }
        k += length;
      }
      return true;
    }

    /** Works the order out for the {@code n} keys read, and keeps them. */
    void sort(byte[] json, int n) {
      int total = 0;
      for (int i = 0; i < n; i++) {
        int k = i;
        while (k > 0 && compare(json, bounds, order[k - 1], i) > 0) {
          order[k] = order[k - 1];
          k--;
        }
        order[k] = i;
        total += bounds[3 * i + 1] - bounds[3 * i];
      }
      unchanged = true;
      for (int i = 0; i < n; i++) {
        unchanged &= order[i] == i;
      }
      if (keys.length < total) {
        keys = new byte[Math.max(total, 2 * keys.length)];
      }
      int k = 0;
      for (int i = 0; i < n; i++) {
        int from = bounds[3 * i], length = bounds[3 * i + 1] - from;
        System.arraycopy(json, from, keys, k, length);
        keyLengths[i] = length;
        k += length;
      }
      members = n;
    }
  }

  private JsonbKeyOrder() {}

  /**
   * Writes {@code json} into {@code out} from {@code at}, its top-level members in jsonb's order;
   * returns the position after it ({@code at + json.length}).
   */
  static int write(byte[] json, byte[] out, int at) {
    if (!reorder(json, out, at)) {
      System.arraycopy(json, 0, out, at, json.length);
    }
    return at + json.length;
  }

  /**
   * {@code json} with its top-level members in jsonb's order (itself when there is nothing to do).
   */
  static byte[] reordered(byte[] json) {
    byte[] out = new byte[json.length];
    return reorder(json, out, 0) ? out : json;
  }

  private static boolean reorder(byte[] json, byte[] out, int at) {
    int len = json.length;
    if (len < 2 || json[0] != '{' || json[len - 1] != '}') {
      return false;
    }
    Scratch s = SCRATCH.get();
    int[] b = s.bounds;
    int n = 0;
    int p = 1;
    while (p < len - 1) {
      if (n == MOST || json[p] != '"') {
        return false;
      }
      int keyStart = p + 1;
      int q = keyStart;
      while (q < len && json[q] != '"') {
        if (json[q] == '\\') {
          return false; // an escaped key: its decoded length is not its written one
        }
        q++;
      }
      if (q + 1 >= len || json[q + 1] != ':') {
        return false;
      }
      int end = skipValue(json, q + 2, len - 1);
      if (end < 0) {
        return false;
      }
      b[3 * n] = keyStart;
      b[3 * n + 1] = q;
      b[3 * n + 2] = end;
      n++;
      p = end;
      if (p < len - 1) {
        if (json[p] != ',') {
          return false;
        }
        p++;
      }
    }
    if (p != len - 1) {
      return false;
    }
    if (!s.sameKeys(json, n)) {
      s.sort(json, n);
    }
    if (s.unchanged) {
      return false;
    }
    int o = at;
    out[o++] = '{';
    for (int k = 0; k < n; k++) {
      if (k > 0) {
        out[o++] = ',';
      }
      int i = s.order[k];
      int from = b[3 * i] - 1;
      int to = b[3 * i + 2];
      System.arraycopy(json, from, out, o, to - from);
      o += to - from;
    }
    out[o] = '}';
    return true;
  }

  /** jsonb's key order: by length, then by unsigned bytes. */
  private static int compare(byte[] json, int[] b, int x, int y) {
    int xs = b[3 * x], xl = b[3 * x + 1] - xs;
    int ys = b[3 * y], yl = b[3 * y + 1] - ys;
    if (xl != yl) {
      return Integer.compare(xl, yl);
    }
    for (int i = 0; i < xl; i++) {
      int c = (json[xs + i] & 0xff) - (json[ys + i] & 0xff);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /** What a byte is to the scan: most bytes are nothing to it and cost one table read. */
  private static final byte[] CLASS = new byte[256];

  private static final byte QUOTE = 1, BACKSLASH = 2, OPEN = 3, CLOSE = 4, COMMA = 5;

  static {
    CLASS['"'] = QUOTE;
    CLASS['\\'] = BACKSLASH;
    CLASS['{'] = OPEN;
    CLASS['['] = OPEN;
    CLASS['}'] = CLOSE;
    CLASS[']'] = CLOSE;
    CLASS[','] = COMMA;
  }

  /**
   * The position just after the value starting at {@code p} (a comma or {@code limit}), or -1 when
   * it does not end there.
   */
  private static int skipValue(byte[] json, int p, int limit) {
    int depth = 0;
    while (p < limit) {
      byte c = CLASS[json[p] & 0xff];
      if (c == 0) {
        p++;
      } else if (c == QUOTE) {
        p = skipString(json, p, limit);
        if (p < 0) {
          return -1;
        }
      } else if (c == OPEN) {
        depth++;
        p++;
      } else if (c == CLOSE) {
        if (depth == 0) {
          return -1;
        }
        depth--;
        p++;
      } else if (c == COMMA && depth == 0) {
        return p;
      } else {
        p++; // a comma inside a container; a backslash outside a string is not JSON, jsonb says so
      }
    }
    return depth == 0 ? p : -1;
  }

  /** The position after the string whose quote is at {@code p}, or -1. */
  private static int skipString(byte[] json, int p, int limit) {
    for (int q = p + 1; q < limit; q++) {
      byte c = CLASS[json[q] & 0xff];
      if (c == BACKSLASH) {
        q++;
      } else if (c == QUOTE) {
        return q + 1;
      }
    }
    return -1;
  }
}
