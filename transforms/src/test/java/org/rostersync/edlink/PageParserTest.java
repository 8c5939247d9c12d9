package org.rostersync.edlink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.rostersync.hash.CanonicalHash;
import org.rostersync.testing.RandomJson;

/**
 * The page Jackson reads ({@link PageParser}) is the page the general reader (Gson) reads, and a
 * page Gson refuses is never taken by Jackson: the canonical form is frozen, so a second reader
 * must not change one stored hash, nor let through one page the first refused.
 */
class PageParserTest {

  @Test
  void randomPagesAreAllReadByJacksonAsGsonReadsThem() throws IOException {
    Random random = new Random(20261130);
    int records = 0;
    int warned = 0;
    for (int i = 0; i < 2000; i++) {
      byte[] body = randomPage(random).getBytes(UTF_8);
      EdlinkClient.Envelope<Page> general = generally(body);
      assertNotNull(general, "a well-formed page: " + new String(body, UTF_8));
      PageParser.Body fast = jackson(body);
      assertNotNull(fast, "Jackson refused a well-formed page: " + new String(body, UTF_8));
      assertSamePage(general, fast, body);
      records += general.data().size();
      warned += general.warnings().isEmpty() ? 0 : 1;
    }
    assertTrue(records > 10_000, "records compared: " + records);
    assertTrue(warned > 50, "pages with warnings: " + warned);
  }

  /**
   * Pages broken at random (bytes flipped, cut, or ill-formed UTF-8, NUL, control characters and
   * stray punctuation put in): whatever Jackson takes, Gson takes alike; what Gson refuses, Jackson
   * leaves to it.
   */
  @Test
  void brokenPagesAreNeverTakenWhereGsonRefusesThem() throws IOException {
    Random random = new Random(7);
    byte[][] inserts = {
      {0},
      {(byte) 0xc0, (byte) 0x80},
      {(byte) 0xc1, (byte) 0x81},
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
      {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
      {(byte) 0xe2, (byte) 0x82},
      {(byte) 0xff},
      {(byte) 0xc3, (byte) 0xa9},
      {'\t'},
      {'\n'},
      {1},
      {'\\'},
      {'\\', 'q'},
      {'\\', 'u', '0', '0'},
      {'\''},
      {','},
      {'}'},
      {']'},
      {'{'},
      {'"'},
      {'0'},
      {'-'},
      {'.'},
      {'e'},
      {'N', 'a', 'N'},
      {'/', '/'},
      {' '}
    };
    int refused = 0;
    int taken = 0;
    for (int i = 0; i < 4000; i++) {
      byte[] body = randomPage(random).getBytes(UTF_8);
      for (int m = 1 + random.nextInt(2); m > 0; m--) {
        int at = random.nextInt(body.length + 1);
        body =
            switch (random.nextInt(4)) {
              case 0 -> Arrays.copyOf(body, at); // cut
              case 1 -> {
                if (at < body.length) {
                  body[at] = (byte) random.nextInt(256);
                }
                yield body;
              }
              default -> insert(body, at, inserts[random.nextInt(inserts.length)]);
            };
      }
      EdlinkClient.Envelope<Page> general = generally(body);
      PageParser.Body fast = jackson(body);
      if (general == null) {
        refused++;
        assertNull(fast, "Jackson took a page Gson refuses: " + new String(body, UTF_8));
      } else if (fast != null) {
        taken++;
        assertSamePage(general, fast, body);
      }
    }
    assertTrue(refused > 1000, "pages Gson refused: " + refused);
    assertTrue(taken > 200, "broken pages still taken alike: " + taken);
  }

  /**
   * The check in front of Jackson takes exactly the bytes the JDK's strict UTF-8 decoder takes,
   * less NUL, whatever the chunks they arrive in: random bytes drawn mostly from where UTF-8's
   * ranges begin and end, and runs of ASCII long enough for the eight-byte steps.
   */
  @Test
  void theUtf8CheckTakesWhatTheJdksStrictDecoderTakes() throws IOException {
    Random random = new Random(11);
    int[] edges = {
      0x00, 0x01, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
      0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF, 0x8F, 0x90, 0x9F, 0xA0
    };
    int taken = 0;
    for (int i = 0; i < 200_000; i++) {
      byte[] body = new byte[random.nextInt(24)];
      for (int j = 0; j < body.length; j++) {
        body[j] =
            (byte)
                (random.nextInt(3) == 0
                    ? 'a' + random.nextInt(26)
                    : edges[random.nextInt(edges.length)]);
      }
      if (random.nextBoolean()) {
        body = concat("x".repeat(random.nextInt(20)), body, "y".repeat(random.nextInt(20)));
      }
      byte[] bytes = body;
      boolean jdk = strictlyDecodes(bytes) && indexOfNul(bytes) < 0;
      boolean check = passesCheck(bytes, random);
      assertEquals(jdk, check, () -> java.util.HexFormat.of().formatHex(bytes));
      taken += check ? 1 : 0;
    }
    assertTrue(taken > 5_000 && taken < 190_000, "taken: " + taken);
  }

  private static boolean strictlyDecodes(byte[] body) {
    try {
      UTF_8
          .newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(body));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  private static int indexOfNul(byte[] body) {
    for (int i = 0; i < body.length; i++) {
      if (body[i] == 0) {
        return i;
      }
    }
    return -1;
  }

  /** Reads {@code body} through the check in chunks of random sizes. */
  private static boolean passesCheck(byte[] body, Random random) throws IOException {
    java.io.InputStream in =
        new PageParser.WellFormedUtf8(
            new ByteArrayInputStream(body) {
              @Override
              public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + random.nextInt(12)));
              }
            });
    byte[] buffer = new byte[64];
    try {
      while (in.read(buffer, random.nextInt(8), 40) >= 0) {
        // drained
      }
      return true;
    } catch (IllegalStateException e) {
      assertTrue(e.getMessage().startsWith("not well-formed UTF-8: "), e.getMessage());
      return false;
    }
  }

  @Test
  void craftedPages() throws IOException {
    String record = "{\"id\":\"00000000-0000-0000-0000-000000000001\",\"name\":\"Zoë\"}";
    // Taken by Jackson, as Gson reads them.
    for (String page :
        List.of(
            "{\"$data\":[" + record + "],\"$next\":\"https://x/y?$cursor=1\",\"$request\":\"r\"}",
            "\ufeff{\"$data\":[" + record + "]}",
            " {\n\t\"$next\" : null ,\"$data\" : [ ]\r\n} ",
            "{\"$data\":null,\"$next\":12.50}",
            "{\"$data\":["
                + record
                + "],\"$warnings\":null,\"other\":{\"a\":[1,{\"b\":\"\\u0000\"}]}}",
            "{\"$data\":[{\"id\":\"\\ud800\",\"n\":1e99999}]}",
            "{\"$data\":[],\"$warnings\":[{\"code\":\"W\",\"n\":[1.50,{\"x\":null}]},{}]}")) {
      byte[] body = page.getBytes(UTF_8);
      PageParser.Body fast = jackson(body);
      assertNotNull(fast, page);
      assertSamePage(generally(body), fast, body);
    }
    // Ill-formed UTF-8, NUL: left to Gson, which reads the JDK decoder's U+FFFD.
    for (byte[] body :
        List.of(
            concat("{\"$data\":[{\"id\":\"a", new byte[] {(byte) 0xc3, '('}, "\"}]}"),
            concat("{\"$data\":[{\"id\":\"", new byte[] {(byte) 0xc1, (byte) 0x81}, "\"}]}"),
            concat(
                "{\"$data\":[{\"x\":\"",
                new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                "\"}]}"),
            concat(
                "{\"$data\":[{\"x\":\"",
                new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80},
                "\"}]}"),
            concat("{\"$data\":[{\"x\":\"", new byte[] {(byte) 0xe2, (byte) 0x82}, "\"}]}"),
            concat("{\"$data\":[{\"x\":\"a\"}]}", new byte[] {(byte) 0xc3}, ""),
            concat("{\"$data\":[{\"x\":\"a\"}]}", new byte[] {0}, ""))) {
      assertNull(jackson(body), new String(body, UTF_8));
      EdlinkClient.Envelope<Page> general = generally(body);
      if (general != null) {
        assertTrue(new String(general.data().canonical(0).bytes(), UTF_8).contains("\ufffd"));
      }
    }
    // Well-formed at every length, and at the ends of the ranges the check draws.
    String wide = "\u0080\u07ff\u0800\ud7ff\ue000\uffff\ud800\udc00\udbff\udfff Zoë ☃ 𝄞";
    byte[] wideBody = ("{\"$data\":[{\"id\":\"a\",\"x\":\"" + wide + "\"}]}").getBytes(UTF_8);
    PageParser.Body wideRead = jackson(wideBody);
    assertNotNull(wideRead);
    assertSamePage(generally(wideBody), wideRead, wideBody);
    assertTrue(new String(wideRead.page().canonical(0).bytes(), UTF_8).contains(wide));
    // Left to Gson, which reads it: a control character in a string Gson skips without looking.
    byte[] tab = "{\"$data\":[],\"x\":\"tab\there\"}".getBytes(UTF_8);
    assertNull(jackson(tab));
    assertNotNull(generally(tab));
    // Refused by both.
    for (String page :
        List.of(
            "{\"$data\":[]} {}",
            "{\"$data\":[],\"$data\":[]}",
            "{\"$next\":\"x\"}",
            "{\"$data\":[1]}",
            "{\"$data\":[{\"a\":\"tab\there\"}]}",
            "{\"$data\":[],\"x\":\"\\q\"}",
            "{\"$data\":[{\"a\":01}]}",
            "{\"$data\":[{\"a\":NaN}]}",
            "{\"$data\":[{'a':1}]}",
            "{\"$data\":[],\"$next\":true}",
            "{\"$data\":[{\"n\":" + "1".repeat(1500) + "}]}",
            "[]")) {
      byte[] body = page.getBytes(UTF_8);
      assertNull(generally(body), page);
      assertNull(jackson(body), page);
    }
    byte[] utf16 = "{\"$data\":[]}".getBytes(StandardCharsets.UTF_16BE);
    assertNull(generally(utf16), "UTF-16 is not UTF-8");
    assertNull(jackson(utf16), "UTF-16 is not UTF-8");
  }

  /**
   * Records sharing their names in one order take the order worked out for the first; a record with
   * the same names in another order, one more or one repeated, is ordered afresh.
   */
  @Test
  void recordsSharingTheirNamesReadAlike() throws IOException {
    List<String> layouts =
        List.of(
            "{\"z\":%d,\"id\":\"r%d\",\"a\":{\"y\":1,\"x\":[{\"q\":2,\"p\":3}]}}",
            "{\"z\":%d,\"id\":\"r%d\",\"a\":{\"y\":1,\"x\":[{\"q\":2,\"p\":3}]},\"z\":0}",
            "{\"id\":\"r%2$d\",\"z\":%1$d,\"a\":{\"x\":[],\"y\":1}}",
            "{\"z\":%d,\"id\":\"r%d\"}",
            "{\"z\":%d,\"id\":\"r%d\",\"z\":{\"b\":1,\"a\":2}}");
    Random random = new Random(11);
    StringBuilder page = new StringBuilder("{\"$data\":[");
    for (int i = 0; i < 400; i++) {
      // Runs of one layout, then another.
      String layout = layouts.get((i / (1 + random.nextInt(4))) % layouts.size());
      page.append(i > 0 ? "," : "").append(String.format(layout, i, i));
    }
    byte[] body = page.append("]}").toString().getBytes(UTF_8);
    PageParser.Body fast = jackson(body);
    assertNotNull(fast);
    assertEquals(400, fast.page().size());
    assertSamePage(generally(body), fast, body);
  }

  /** The page Jackson reads, or null when it refuses it. */
  private static PageParser.Body jackson(byte[] body) {
    try {
      return PageParser.read(new ByteArrayInputStream(body));
    } catch (IOException | IllegalStateException e) {
      return null; // refused: the client's next attempt reads the page with Gson
    }
  }

  private static EdlinkClient.Envelope<Page> generally(byte[] body) {
    try {
      return EdlinkClient.readPageGenerally(new ByteArrayInputStream(body));
    } catch (IOException | RuntimeException e) {
      return null; // refused: the client retries such a page, then fails its type
    }
  }

  private static void assertSamePage(
      EdlinkClient.Envelope<Page> general, PageParser.Body fast, byte[] body) {
    assertSamePage(
        general,
        new EdlinkClient.Envelope<>(fast.page(), fast.next(), fast.requestId(), fast.warnings()),
        body);
  }

  private static void assertSamePage(
      EdlinkClient.Envelope<Page> expected, EdlinkClient.Envelope<Page> actual, byte[] body) {
    String what = new String(body, UTF_8);
    assertEquals(expected.next(), actual.next(), what);
    assertEquals(expected.requestId(), actual.requestId(), what);
    assertEquals(expected.warnings(), actual.warnings(), what);
    Page a = expected.data();
    Page b = actual.data();
    assertEquals(a.size(), b.size(), what);
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.id(i), b.id(i), what);
      assertEquals(describe(a, i), describe(b, i), what);
    }
  }

  /** A record's canonical bytes and what the writer saw, or its problem. */
  private static String describe(Page page, int i) {
    try {
      CanonicalHash.Canonical c = page.canonical(i);
      return new String(c.bytes(), UTF_8)
          + " depth "
          + c.depth()
          + " "
          + c.escapedNulOrLoneSurrogate();
    } catch (IllegalArgumentException e) {
      return "problem: " + e.getMessage();
    }
  }

  /** An envelope around random records, its members in random order, with random spacing. */
  private static String randomPage(Random random) {
    List<String> members = new ArrayList<>();
    int n = random.nextInt(12);
    StringBuilder data = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      data.append(i > 0 ? "," : "").append(space(random)).append(RandomJson.value(random, 0, true));
    }
    members.add(
        "\"$data\":" + space(random) + (n == 0 && random.nextInt(8) == 0 ? "null" : data + "]"));
    if (random.nextBoolean()) {
      members.add(
          "\"$next\":"
              + List.of("null", "\"https://ed.link/api/v2/graph/people?$cursor=abc\"", "7")
                  .get(random.nextInt(3)));
    }
    if (random.nextBoolean()) {
      members.add("\"$request\":\"req-" + random.nextInt(1000) + "\"");
    }
    if (random.nextInt(20) == 0) {
      members.add("\"$warnings\":[{\"code\":\"DEPRECATED\",\"message\":\"m\"}]");
    }
    if (random.nextInt(3) == 0) {
      members.add("\"$extra\":" + RandomJson.value(random, 1, false));
    }
    java.util.Collections.shuffle(members, random);
    return space(random) + "{" + String.join("," + space(random), members) + "}" + space(random);
  }

  private static String space(Random random) {
    return List.of("", "", "", " ", "\n", "\r\n\t ").get(random.nextInt(6));
  }

  private static byte[] insert(byte[] body, int at, byte[] what) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(body, 0, at);
    out.writeBytes(what);
    out.write(body, at, body.length - at);
    return out.toByteArray();
  }

  private static byte[] concat(String before, byte[] middle, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(UTF_8));
    out.writeBytes(middle);
    out.writeBytes(after.getBytes(UTF_8));
    return out.toByteArray();
  }
}
