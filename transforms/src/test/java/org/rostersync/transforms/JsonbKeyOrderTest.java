package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.sameInstance;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rostersync.hash.CanonicalHash;
import org.rostersync.testing.TestDatabase;

/** Records sent to PostgreSQL with their top-level keys in jsonb's own order, values unchanged. */
class JsonbKeyOrderTest {
  @RegisterExtension static final TestDatabase.PerClass DB = TestDatabase.perClass();

  private static byte[] canonical(String json) {
    return CanonicalHash.canonicalBytes(JsonParser.parseString(json));
  }

  private static List<String> keysInOrder(byte[] json) {
    return new ArrayList<>(
        JsonParser.parseString(new String(json, StandardCharsets.UTF_8))
            .getAsJsonObject()
            .keySet());
  }

  /** The keys in the order jsonb keeps them, as PostgreSQL lists them. */
  private static List<String> jsonbKeys(Connection c, byte[] json) throws Exception {
    List<String> keys = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT k FROM jsonb_object_keys(?::jsonb) WITH ORDINALITY AS t(k, n) ORDER BY n")) {
      ps.setString(1, new String(json, StandardCharsets.UTF_8));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          keys.add(rs.getString(1));
        }
      }
    }
    return keys;
  }

  @Test
  void topLevelKeysComeInTheOrderJsonbKeepsThemWithTheSameValue() throws Exception {
    JsonObject person = new JsonObject();
    person.addProperty("id", "60004512-7c34-4adf-aece-a5422bab7983");
    person.addProperty("first_name", "王芳");
    person.addProperty("last_name", "van der \"Berg\", {jr}");
    person.addProperty("email", "a@example.edu");
    person.addProperty("gpa", 1.52);
    person.add("roles", JsonParser.parseString("[\"student\",\"a,b]\"]"));
    person.add(
        "properties", JsonParser.parseString("{\"z\":{\"y\":[1,{\"x\":\"}\"}]},\"a\":null}"));
    person.addProperty("école", "accent in a key");
    person.addProperty("名前", "keys beyond ASCII");
    person.addProperty("zz", true);
    person.addProperty("aa", false);
    person.add("identifiers", JsonParser.parseString("[]"));
    person.addProperty("note", "back\\slash and \u2028 and \ud83d\ude00");
    List<byte[]> records = List.of(canonical(person.toString()), canonical("{\"bb\":1,\"c\":2}"));
    try (Connection c = DriverManager.getConnection(DB.get().jdbcUrl(), "postgres", "postgres")) {
      for (byte[] json : records) {
        byte[] sent = JsonbKeyOrder.reordered(json);
        assertThat("the canonical order is not jsonb's", sent, not(sameInstance(json)));
        assertThat(sent.length, is(json.length));
        assertThat(
            JsonParser.parseString(new String(sent, StandardCharsets.UTF_8)),
            equalTo(JsonParser.parseString(new String(json, StandardCharsets.UTF_8))));
        assertThat(keysInOrder(sent), equalTo(jsonbKeys(c, json)));
      }
    }
  }

  @Test
  void writesAtItsPositionInTheBuffer() {
    byte[] json = canonical("{\"bb\":[1,2],\"a\":\"x\"}");
    byte[] out = new byte[json.length + 4];
    out[0] = 7;
    out[1] = 8;
    int end = JsonbKeyOrder.write(json, out, 2);
    assertThat(end, is(json.length + 2));
    assertThat(
        new String(out, 2, json.length, StandardCharsets.UTF_8),
        equalTo("{\"a\":\"x\",\"bb\":[1,2]}"));
    assertThat(out[0], is((byte) 7));
    assertThat(out[1], is((byte) 8));
    // Whitespace inside a value is the value's: the members still move whole.
    byte[] spaced = "{\"bb\": [1, 2],\"c\":\"x y\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(
        new String(JsonbKeyOrder.reordered(spaced), StandardCharsets.UTF_8),
        equalTo("{\"c\":\"x y\",\"bb\": [1, 2]}"));
  }

  /** It is only a hint: what it cannot read, or need not change, goes as it is. */
  @Test
  void sendsAsItIsWhatItCannotReadOrNeedNotChange() {
    StringBuilder many = new StringBuilder("{");
    for (int i = JsonbKeyOrder.MOST; i >= 0; i--) {
      many.append(i == JsonbKeyOrder.MOST ? "" : ",").append("\"k").append(1000 + i).append("\":1");
    }
    many.append('}');
    for (String json :
        List.of(
            "{}",
            "[\"b\",\"a\"]",
            "{\"a\":1,\"bb\":2}",
            "{ \"b\":1,\"a\":2}",
            "{\"b\\\"\":1,\"a\":2}",
            "{\"b\":1,\"a\":2",
            "{\"b\":{\"c\":1,\"a\":2}",
            many.toString())) {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      assertThat(json, JsonbKeyOrder.reordered(bytes), sameInstance(bytes));
      byte[] out = new byte[bytes.length];
      JsonbKeyOrder.write(bytes, out, 0);
      assertThat(json, out, equalTo(bytes));
    }
  }
}
