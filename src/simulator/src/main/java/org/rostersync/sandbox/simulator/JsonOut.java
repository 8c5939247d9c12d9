package org.rostersync.sandbox.simulator;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.stream.JsonWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Writes Gson trees to a stream, optionally with every object's keys in a random order. */
final class JsonOut {
  private JsonOut() {}

  /** One value as a page's envelope writes it, keys in insertion order: its UTF-8 bytes. */
  static byte[] bytes(JsonElement e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try {
      JsonWriter w = new JsonWriter(new Utf8Writer(out, 1024));
      w.setSerializeNulls(true);
      write(w, e, null);
      w.flush();
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    return out.toByteArray();
  }

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
      // no copy of the entries unless they are shuffled: most pages are served in insertion order
      Iterable<Map.Entry<String, JsonElement>> entries = ((JsonObject) e).entrySet();
      if (shuffle != null) {
        List<Map.Entry<String, JsonElement>> copy = new ArrayList<>(((JsonObject) e).entrySet());
        Collections.shuffle(copy, shuffle);
        entries = copy;
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
