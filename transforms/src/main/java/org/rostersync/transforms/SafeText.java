package org.rostersync.transforms;

/**
 * Text from outside (Edlink messages, record excerpts, ids) made storable before it reaches SQL.
 * PostgreSQL text and jsonb refuse NUL and cannot encode an unpaired surrogate, and a bookkeeping
 * insert that fails for good would hold a streaming run's lease forever; so both become U+FFFD, and
 * the length is capped.
 */
public final class SafeText {
  /** Cap for messages stored in {@code sync_runs} and {@code dead_letter_records}. */
  public static final int MAX_CHARS = 2_000;

  private SafeText() {}

  public static String clean(String s) {
    return clean(s, MAX_CHARS);
  }

  /**
   * {@code s} without NULs or unpaired surrogates, cut to at most {@code maxChars} chars (null
   * stays null).
   */
  public static String clean(String s, int maxChars) {
    if (s == null) {
      return null;
    }
    int n = Math.min(s.length(), maxChars);
    StringBuilder out = null;
    for (int i = 0; i < n; i++) {
      char ch = s.charAt(i);
      boolean bad;
      if (ch == 0) {
        bad = true;
      } else if (Character.isHighSurrogate(ch)) {
        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          if (out != null) {
            out.append(ch).append(s.charAt(i + 1));
          }
          i++;
          continue;
        }
        bad = true;
      } else {
        bad = Character.isLowSurrogate(ch);
      }
      if (bad && out == null) {
        out = new StringBuilder(n).append(s, 0, i);
      }
      if (out != null) {
        out.append(bad ? '\uFFFD' : ch);
      }
    }
    String cleaned = out != null ? out.toString() : s.substring(0, n);
    return n < s.length() ? cleaned + "…" : cleaned;
  }
}
