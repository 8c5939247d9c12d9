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
