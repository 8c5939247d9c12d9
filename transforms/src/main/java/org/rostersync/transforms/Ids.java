package org.rostersync.transforms;

import java.util.UUID;
import java.util.regex.Pattern;

/** UUID validation and compact conversions for record and integration ids. */
public final class Ids {
  private static final Pattern UUID_TEXT =
      Pattern.compile(
          "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  private Ids() {}

  public static boolean isUuid(String s) {
    return s != null && UUID_TEXT.matcher(s).matches();
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
