package org.rostersync.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

/** Command-line flags of the sandbox commands: {@code --name=value} and {@code --name}. */
public final class Flags {
  private Flags() {}

  /**
   * Parses the flags; exec:exec hands several over as one argument, so each argument is split on
   * spaces.
   */
  public static Map<String, String> parse(String[] args, String usage) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (String arg : args) {
      for (String a : arg.trim().split("\\s+")) {
        if (a.isEmpty()) {
          continue;
        }
        if (!a.startsWith("--")) {
          throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + usage);
        }
        int eq = a.indexOf('=');
        flags.put(
            eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? "true" : a.substring(eq + 1));
      }
    }
    return flags;
  }
}
