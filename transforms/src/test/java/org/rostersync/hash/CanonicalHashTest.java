package org.rostersync.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

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
}
