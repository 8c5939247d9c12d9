package org.rostersync.transforms;

import java.util.UUID;

/** UUID validation and compact conversions for record and integration ids. */
public final class Ids {

  private Ids() {}

  /**
   * True for the 36-character form: hex digits (either case) in groups of 8, 4, 4, 4 and 12 joined
   * by dashes. Checked by hand, not by a regular expression: it runs once per fetched record.
   */
  public static boolean isUuid(String s) {
    if (s == null || s.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(i);
      boolean ok =
          i == 8 || i == 13 || i == 18 || i == 23
              ? c == '-'
              : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Each byte's value as a hex digit, or -1. */
  private static final byte[] HEX = new byte[256];

  static {
    java.util.Arrays.fill(HEX, (byte) -1);
    for (int c = '0'; c <= '9'; c++) {
      HEX[c] = (byte) (c - '0');
    }
    for (int c = 'a'; c <= 'f'; c++) {
      HEX[c] = (byte) (c - 'a' + 10);
      HEX[c - 'a' + 'A'] = (byte) (c - 'a' + 10);
    }
  }

  /**
   * The UUID {@code s} spells in the form {@link #isUuid} takes, or null for any other string. One
   * pass over the string's bytes: it runs once per fetched record, where {@code isUuid} and then
   * {@link UUID#fromString} read every character twice, each a call under the fast compiler.
   */
  public static UUID uuidOrNull(String s) {
    if (s == null || s.length() != 36) {
      return null;
    }
    // Characters past U+00FF become '?', which is no hex digit.
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    if (b[8] != '-' || b[13] != '-' || b[18] != '-' || b[23] != '-') {
      return null;
    }
    long msb = 0;
    long lsb = 0;
    int bad = 0;
    for (int i = 0; i < 18; i++) {
      if (i != 8 && i != 13) {
        int d = HEX[b[i] & 0xFF];
        bad |= d;
        msb = msb << 4 | (d & 0xF);
      }
    }
    for (int i = 19; i < 36; i++) {
      if (i != 23) {
        int d = HEX[b[i] & 0xFF];
        bad |= d;
        lsb = lsb << 4 | (d & 0xF);
      }
    }
    return bad < 0 ? null : new UUID(msb, lsb);
  }

  /** Returns the lower-case UUID text, or throws with a message naming {@code what}. */
  public static String requireUuid(String s, String what) {
    if (!isUuid(s)) {
      throw new IllegalArgumentException(what + " must be a UUID, got " + describe(s));
    }
    return s.toLowerCase(java.util.Locale.ROOT);
  }

  /** A short, log-safe rendering of untrusted input. */
  public static String describe(String s) {
    if (s == null) {
      return "nothing";
    }
    String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
  }

  public static UUID parse(String s) {
    return UUID.fromString(s);
  }
}
