package org.rostersync.hash;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.rostersync.testing.RandomJson;

class CanonicalHashTest {

  private static String canonical(String json) {
    return new String(
        CanonicalHash.canonicalBytes(JsonParser.parseString(json)), StandardCharsets.UTF_8);
  }

  private static String hash(String json) {
    return CanonicalHash.hex(CanonicalHash.sha256(JsonParser.parseString(json)));
  }

  // Expected digests were computed outside Java: printf '%s' '<canonical>' | sha256sum
  @Test
  void fixedDigests() {
    assertFixed(
        "{ \"c\": {\"z\": 0.50, \"x\": \"y\"}, \"b\": [true, false, null], \"a\": 1.0 }",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"x\":\"y\",\"z\":0.5}}",
        "cff7399cf20c20c9397e17b010f7ee81804a3d8c6b92dd66f93fb72d84d8ab65");
    assertFixed(
        "{\"note\":\"line\\nbreak \\\"q\\\" \\\\ tab\\t\\u0001\",\"name\":\"Jos\\u00e9 東京 \\ud83d\\ude00\"}",
        "{\"name\":\"José 東京 😀\",\"note\":\"line\\nbreak \\\"q\\\" \\\\ tab\\t\\u0001\"}",
        "b4e14915325d6755d22221fadc7b3da9111530172c5779f437909b597b9f2997");
    assertFixed(
        "{\"zero\":-0.0,\"small\":1.50e-3,\"neg\":-25E-9,\"int\":1E2,\"big\":1000000000000000000000}",
        "{\"big\":1e21,\"int\":100,\"neg\":-2.5e-8,\"small\":0.0015,\"zero\":0}",
        "998560bdcf1f95c35be628636a513c3741228e2a4074b43c2adfe1d4040a6cbc");
    assertFixed(
        "{\"school_ids\":[],\"roles\":[\"student\",\"teacher\"],\"id\":\"00000000-0000-0000-0000-000000000001\"}",
        "{\"id\":\"00000000-0000-0000-0000-000000000001\",\"roles\":[\"student\",\"teacher\"],\"school_ids\":[]}",
        "3a42f80dd2dcdd013e36505e80eb7cbecfc1af2f0fa4724a23e0e1679d369fc1");
    assertFixed("{ }", "{}", "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  }

  private static void assertFixed(String input, String expectedCanonical, String expectedHex) {
    byte[] bytes = CanonicalHash.canonicalBytes(JsonParser.parseString(input));
    assertEquals(expectedCanonical, new String(bytes, StandardCharsets.UTF_8));
    assertEquals(expectedHex, CanonicalHash.hex(CanonicalHash.sha256(bytes)));
    assertEquals(expectedHex, hash(input));
  }

  @Test
  void keyOrderDoesNotMatterAtAnyDepth() {
    String a =
        "{\"id\":\"1\",\"demographics\":{\"race\":\"x\",\"gender\":\"f\",\"birth\":{\"y\":2001,\"m\":3}},"
            + "\"identifiers\":[{\"type\":\"sis_id\",\"value\":\"9\"}]}";
    String b =
        "{\"identifiers\":[{\"value\":\"9\",\"type\":\"sis_id\"}],"
            + "\"demographics\":{\"birth\":{\"m\":3,\"y\":2001},\"gender\":\"f\",\"race\":\"x\"},\"id\":\"1\"}";
    assertEquals(hash(a), hash(b));
    assertEquals(canonical(a), canonical(b));
  }

  @Test
  void keysSortByUtf16CodeUnits() {
    // U+FF61 sorts after U+1F600 in code points but before it in UTF-16 units (0xD83D < 0xFF61).
    assertEquals(
        "{\"A\":1,\"a\":2,\"é\":3,\"😀\":5,\"｡\":4}",
        canonical("{\"｡\":4,\"😀\":5,\"é\":3,\"a\":2,\"A\":1}"));
  }

  @Test
  void everyValueChangeChangesTheHash() {
    List<String> variants =
        List.of(
            "{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true},\"f\":null}",
            "{\"a\":2,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true},\"f\":null}",
            "{\"a\":1,\"b\":\"X\",\"c\":[1,2],\"d\":{\"e\":true},\"f\":null}",
            "{\"a\":1,\"b\":\"x \",\"c\":[1,2],\"d\":{\"e\":true},\"f\":null}",
            "{\"a\":1,\"b\":\"x\",\"c\":[1,3],\"d\":{\"e\":true},\"f\":null}",
            "{\"a\":1,\"b\":\"x\",\"c\":[2,1],\"d\":{\"e\":true},\"f\":null}",
            "{\"a\":1,\"b\":\"x\",\"c\":[1,2,2],\"d\":{\"e\":true},\"f\":null}",
            "{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":false},\"f\":null}",
            "{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"E\":true},\"f\":null}",
            "{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true},\"f\":\"\"}",
            "{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true}}",
            "{\"a\":\"1\",\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true},\"f\":null}",
            "{\"a\":1.0000001,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true},\"f\":null}",
            "{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":\"true\"},\"f\":null}",
            "{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":{\"e\":true},\"f\":null,\"g\":null}");
    Set<String> hashes = new HashSet<>();
    for (String v : variants) {
      hashes.add(hash(v));
    }
    assertEquals(variants.size(), hashes.size());
  }

  @Test
  void equalNumbersHashTheSame() {
    String one = hash("{\"n\":1}");
    for (String n : List.of("1.0", "1e0", "10E-1", "1.000", "0.1e1", "1E+0")) {
      assertEquals(one, hash("{\"n\":" + n + "}"), n);
    }
    assertNotEquals(one, hash("{\"n\":2}"));
    assertNotEquals(one, hash("{\"n\":-1}"));
    assertEquals(hash("{\"n\":0}"), hash("{\"n\":-0.0}"));
    // Numbers built in Java (Integer, Long, Double) match the parsed forms.
    assertEquals("1", CanonicalHash.canonicalNumber(new JsonPrimitive(1.0d)));
    assertEquals("1", CanonicalHash.canonicalNumber(new JsonPrimitive(1L)));
    assertEquals("0.1", CanonicalHash.canonicalNumber(new JsonPrimitive(0.1d)));
    assertEquals("1.5e21", CanonicalHash.canonicalNumber(new JsonPrimitive(1.5e21d)));
    assertEquals("-1.5e-8", CanonicalHash.canonicalNumber(new JsonPrimitive(-1.5e-8d)));
    assertEquals("0.00000015", canonical("1.5e-7"));
    assertEquals("123456789012345678901", canonical("123456789012345678901"));
    assertEquals("1e400", canonical("10e399"));
  }

  @Test
  void nonFiniteNumbersAreRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> CanonicalHash.canonicalBytes(new JsonPrimitive(Double.NaN)));
    assertThrows(
        IllegalArgumentException.class,
        () -> CanonicalHash.canonicalBytes(new JsonPrimitive(Double.POSITIVE_INFINITY)));
  }

  @Test
  void stringEscapesAndUnicode() {
    JsonArray a = new JsonArray();
    a.add("\b\f\n\r\t\u0000\u001f\u007f");
    a.add("</script>&'\u2028\u2029");
    a.add("Zoë Ñandú 北京 한국어 😀👩‍🏫");
    a.add("\ud800 lone");
    String expected =
        "[\"\\b\\f\\n\\r\\t\\u0000\\u001f\u007f\",\"</script>&'\u2028\u2029\","
            + "\"Zoë Ñandú 北京 한국어 😀👩‍🏫\",\"\\ud800 lone\"]";
    byte[] bytes = CanonicalHash.canonicalBytes(a);
    assertEquals(expected, new String(bytes, StandardCharsets.UTF_8));
    // Raw UTF-8 for everything valid: compare with the JDK encoder on the emoji string.
    assertArrayEquals(
        "\"Zoë Ñandú 北京 한국어 😀👩‍🏫\"".getBytes(StandardCharsets.UTF_8),
        CanonicalHash.canonicalBytes(new JsonPrimitive("Zoë Ñandú 北京 한국어 😀👩‍🏫")));
    // Escaped and raw spellings of the same string are the same value.
    assertEquals(hash("\"\\u00e9\\ud83d\\ude00\\/\""), hash("\"é😀/\""));
    // Composed and decomposed accents are different code points and stay different (no Unicode
    // normalisation).
    assertNotEquals(hash("\"\u00e9\""), hash("\"e\u0301\""));
  }

  @Test
  void arraysAreOrderSensitive() {
    assertNotEquals(hash("[1,2,3]"), hash("[3,2,1]"));
    assertNotEquals(hash("{\"school_ids\":[\"a\",\"b\"]}"), hash("{\"school_ids\":[\"b\",\"a\"]}"));
  }

  @Test
  void literalsAndNesting() {
    JsonObject o = new JsonObject();
    o.add("n", null);
    o.addProperty("t", true);
    o.addProperty("f", false);
    JsonArray inner = new JsonArray();
    inner.add(new JsonArray());
    inner.add(new JsonObject());
    o.add("x", inner);
    assertEquals(
        "{\"f\":false,\"n\":null,\"t\":true,\"x\":[[],{}]}",
        new String(CanonicalHash.canonicalBytes(o), StandardCharsets.UTF_8));
  }

  @Test
  void largeDocumentsGrowTheBuffer() {
    JsonArray a = new JsonArray();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      a.add("é" + i);
      expected.add("\"é" + i + "\"");
    }
    String canonical = new String(CanonicalHash.canonicalBytes(a), StandardCharsets.UTF_8);
    assertEquals("[" + String.join(",", expected) + "]", canonical);
  }

  @Test
  void hexIsLowerCase() {
    assertEquals("00ff7f80", CanonicalHash.hex(new byte[] {0, (byte) 0xff, 0x7f, (byte) 0x80}));
    JsonElement e = JsonParser.parseString("{}");
    assertEquals(32, CanonicalHash.sha256(e).length);
  }

  private static CanonicalHash.Read read(String json, String member) throws IOException {
    JsonReader reader = new JsonReader(new StringReader(json));
    reader.setStrictness(Strictness.STRICT);
    return CanonicalHash.read(reader, member);
  }

  /**
   * Canonical bytes written from the token stream are those of the parsed tree, for documents of
   * every kind: keys in any order, repeated keys, nesting, escapes, surrogates and numbers in all
   * spellings. What the writer saw (depth, escapes) is never less, and canonical JSON is its own
   * canonical form.
   */
  /**
   * A thread writes every value into one buffer: what it saw of one value (depth, escapes, bytes)
   * must not leak into the next, nor after a value larger than the buffer it keeps.
   */
  @Test
  void eachValueReadStartsFromAnEmptyBuffer() throws IOException {
    CanonicalHash.Read deep = read("{\"b\":[[[[\"\\ud800\"]]]],\"a\":\"x\\u0000\"}", "id");
    assertTrue(deep.canonical().escapedNulOrLoneSurrogate());
    assertTrue(deep.canonical().depth() >= 5);
    CanonicalHash.Read flat = read("{\"id\":\"r1\",\"a\":1}", "id");
    assertEquals("{\"a\":1,\"id\":\"r1\"}", new String(flat.canonical().bytes(), UTF_8));
    assertFalse(flat.canonical().escapedNulOrLoneSurrogate());
    assertEquals(1, flat.canonical().depth());
    assertEquals("r1", flat.member());
    String big = "y".repeat(3 << 20);
    CanonicalHash.Read large = read("{\"z\":\"" + big + "\",\"id\":\"r2\"}", "id");
    assertEquals(
        "{\"id\":\"r2\",\"z\":\"" + big + "\"}", new String(large.canonical().bytes(), UTF_8));
    CanonicalHash.Read after = read("{\"b\":2,\"a\":1}", null);
    assertEquals("{\"a\":1,\"b\":2}", new String(after.canonical().bytes(), UTF_8));
    assertNull(after.member());
  }

  @Test
  void readingTokensWritesWhatTheTreeWrites() throws IOException {
    Random random = new Random(20261129);
    int unsorted = 0;
    for (int i = 0; i < 3000; i++) {
      String json = RandomJson.value(random, 0, true);
      JsonElement tree = JsonParser.parseString(json);
      CanonicalHash.Canonical expected = CanonicalHash.canonical(tree);
      CanonicalHash.Read read = read(json, "id");
      assertNull(read.problem(), json);
      String canonical = new String(expected.bytes(), StandardCharsets.UTF_8);
      assertEquals(canonical, new String(read.canonical().bytes(), StandardCharsets.UTF_8), json);
      // A repeated key's dropped value was seen too: "walk it" may only be said more often.
      assertTrue(read.canonical().depth() >= expected.depth(), json);
      assertTrue(
          read.canonical().escapedNulOrLoneSurrogate() || !expected.escapedNulOrLoneSurrogate(),
          json);
      JsonElement id = tree.isJsonObject() ? tree.getAsJsonObject().get("id") : null;
      assertEquals(
          id != null && id.isJsonPrimitive() && id.getAsJsonPrimitive().isString()
              ? id.getAsString()
              : null,
          read.member(),
          json);
      assertEquals(canonical, new String(read(canonical, null).canonical().bytes(), UTF_8));
      unsorted += canonical.equals(json) ? 0 : 1;
    }
    assertTrue(unsorted > 2000, "most documents were not canonical already: " + unsorted);
  }

  @Test
  void readingTokensKeepsTheLastOfARepeatedKeyAndItsMember() throws IOException {
    CanonicalHash.Read read =
        read("{\"id\":\"a\",\"b\":{\"y\":1,\"x\":2,\"y\":3},\"id\":\"z\",\"b\":[0.50]}", "id");
    assertEquals("{\"b\":[0.5],\"id\":\"z\"}", new String(read.canonical().bytes(), UTF_8));
    assertEquals("z", read.member());
    assertNull(read("{\"id\":\"a\",\"id\":7}", "id").member(), "the last id is no string");
    assertNull(read("{\"x\":{\"id\":\"a\"}}", "id").member(), "only a top-level member");
    assertEquals("1", new String(read("1.0", "id").canonical().bytes(), UTF_8));
  }

  /**
   * A number the tree cannot hash either is named as the problem; the value is read to its end (the
   * next one reads cleanly) and kept, sorted, with the number as written.
   */
  @Test
  void readingTokensNamesANumberThatHasNoCanonicalForm() throws IOException {
    String huge = "1e99999"; // a scale BigDecimal refuses
    JsonElement tree = JsonParser.parseString("{\"n\":" + huge + "}");
    IllegalArgumentException fromTree =
        assertThrows(IllegalArgumentException.class, () -> CanonicalHash.canonical(tree));
    JsonReader reader =
        new JsonReader(new StringReader("[{\"n\":" + huge + ",\"a\":1},{\"b\":2}]"));
    reader.beginArray();
    CanonicalHash.Read bad = CanonicalHash.read(reader, "id");
    assertEquals(fromTree.getMessage(), bad.problem());
    assertEquals("{\"a\":1,\"n\":" + huge + "}", new String(bad.canonical().bytes(), UTF_8));
    assertEquals(
        "{\"b\":2}", new String(CanonicalHash.read(reader, "id").canonical().bytes(), UTF_8));
  }
}
