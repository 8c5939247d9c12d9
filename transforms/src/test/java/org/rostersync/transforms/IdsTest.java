package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written UUID check accepts exactly what the regular expression it replaced accepted. */
class IdsTest {
  private static final Pattern UUID_TEXT =
      Pattern.compile(
          "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  @Test
  void acceptsExactlyWhatTheRegularExpressionAccepts() {
    String good = UUID.randomUUID().toString();
    List<String> cases =
        List.of(
            good,
            good.toUpperCase(java.util.Locale.ROOT),
            good + "\n",
            good.substring(1),
            good + "0",
            good.replace('-', '_'),
            good.substring(0, 8) + "g" + good.substring(9),
            good.substring(0, 35) + "G",
            good.substring(0, 7) + "-" + good.substring(8),
            "\u0660" + good.substring(1),
            "",
            "not-a-uuid");
    for (String s : cases) {
      assertThat(s, Ids.isUuid(s), is(UUID_TEXT.matcher(s).matches()));
      assertSameAsFromString(s);
    }
    assertThat(Ids.isUuid(good), is(true));
    assertThat(Ids.isUuid(null), is(false));
    // Random strings over an alphabet of the characters that matter, at lengths around 36.
    String alphabet = "0123456789abcdefABCDEFgG-_ z\n\u0660\u00e0\u0130\u0100:/@`";
    Random random = new Random(7);
    int accepted = 0;
    for (int n = 0; n < 20_000; n++) {
      char[] c = good.toCharArray();
      for (int k = random.nextInt(3); k >= 0; k--) {
        c[random.nextInt(c.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
      }
      String s = new String(c);
      if (random.nextInt(10) == 0) {
        s = random.nextBoolean() ? s.substring(1) : s + alphabet.charAt(random.nextInt(10));
      }
      boolean expected = UUID_TEXT.matcher(s).matches();
      assertThat(s, Ids.isUuid(s), is(expected));
      assertSameAsFromString(s);
      accepted += expected ? 1 : 0;
    }
    assertThat(accepted > 1_000 && accepted < 19_000, is(true));
    assertThat(Ids.uuidOrNull(null) == null, is(true));
    for (int n = 0; n < 1_000; n++) {
      UUID u = new UUID(random.nextLong(), random.nextLong());
      assertThat(Ids.uuidOrNull(u.toString()), is(u));
    }
  }

  /**
   * {@link Ids#uuidOrNull}: null where {@link Ids#isUuid} refuses, else {@link UUID#fromString}.
   */
  private static void assertSameAsFromString(String s) {
    assertThat(s, Ids.uuidOrNull(s), is(Ids.isUuid(s) ? UUID.fromString(s) : null));
  }
}
