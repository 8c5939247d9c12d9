package org.rostersync.sandbox.simulator;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Writes Gson trees to a stream, optionally with every object's keys in a random order. */
final class JsonOut {
  private JsonOut() {}

  /**
   * @param shuffle null keeps insertion order
   */
  static void write(JsonWriter w, JsonElement e, Random shuffle) throws IOException {
    if (e == null || e.isJsonNull()) {
      w.nullValue();
    } else if (e.isJsonPrimitive()) {
      var p = e.getAsJsonPrimitive();
      if (p.isBoolean()) {
        w.value(p.getAsBoolean());
      } else if (p.isNumber()) {
        w.value(p.getAsNumber());
      } else {
        w.value(p.getAsString());
      }
    } else if (e.isJsonArray()) {
      w.beginArray();
      for (JsonElement item : (JsonArray) e) {
        write(w, item, shuffle);
      }
      w.endArray();
    } else {
      List<Map.Entry<String, JsonElement>> entries = new ArrayList<>(((JsonObject) e).entrySet());
      if (shuffle != null) {
        Collections.shuffle(entries, shuffle);
      }
      w.beginObject();
      for (Map.Entry<String, JsonElement> entry : entries) {
        w.name(entry.getKey());
        write(w, entry.getValue(), shuffle);
      }
      w.endObject();
    }
  }
}
