package org.rostersync.transforms;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.rostersync.edlink.EntityType;

/**
 * Parses a job message body (docs/design.md, "Job messages"): {@code {"integration_id": "<uuid>"}}
 * or {@code {"all": true}}, with optional {@code mode}, {@code entity_types}, {@code request_id}
 * and {@code approve_deletes}. Unknown fields are ignored; anything else that is off is rejected
 * with a reason a person can act on. Duplicate keys are refused.
 */
public final class JobMessages {
  public static final int MAX_BYTES = 16 * 1024;
  private static final int MAX_REQUEST_ID = 200;
  private static final com.google.gson.TypeAdapter<JsonElement> ELEMENTS =
      new com.google.gson.Gson().getAdapter(JsonElement.class);

  /** A message that is not a valid job. */
  public static final class InvalidJobException extends Exception {
    public InvalidJobException(String reason) {
      super(reason);
    }
  }

  private JobMessages() {}

  public static JobRequest parse(byte[] body) throws InvalidJobException {
    if (body == null || body.length == 0) {
      throw new InvalidJobException("empty message body");
    }
    if (body.length > MAX_BYTES) {
      throw new InvalidJobException(
          "message body is " + body.length + " bytes, more than " + MAX_BYTES);
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(body))
              .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidJobException("message body is not valid UTF-8");
    }
    JsonObject o = parseObject(text);
    boolean all = false;
    if (o.has("all")) {
      JsonElement a = o.get("all");
      if (!a.isJsonPrimitive() || !a.getAsJsonPrimitive().isBoolean()) {
        throw new InvalidJobException("\"all\" must be true or false");
      }
      all = a.getAsBoolean();
    }
    String integrationId = null;
    if (o.has("integration_id") && !o.get("integration_id").isJsonNull()) {
      integrationId = string(o, "integration_id");
      if (!Ids.isUuid(integrationId)) {
        throw new InvalidJobException(
            "integration_id must be a UUID, got " + Ids.describe(integrationId));
      }
    }
    if (all && integrationId != null) {
      throw new InvalidJobException("give either integration_id or \"all\": true, not both");
    }
    if (!all && integrationId == null) {
      throw new InvalidJobException("a job needs integration_id or \"all\": true");
    }
    SyncJob.Mode mode = SyncJob.Mode.AUTO;
    if (o.has("mode") && !o.get("mode").isJsonNull()) {
      String m = string(o, "mode");
      if (!m.equals("auto") && !m.equals("full")) {
        throw new InvalidJobException("mode must be \"auto\" or \"full\", got " + Ids.describe(m));
      }
      mode = SyncJob.Mode.valueOf(m.toUpperCase(Locale.ROOT));
    }
    List<String> types = new ArrayList<>();
    if (o.has("entity_types") && !o.get("entity_types").isJsonNull()) {
      JsonElement t = o.get("entity_types");
      if (!t.isJsonArray() || t.getAsJsonArray().isEmpty()) {
        throw new InvalidJobException("entity_types must be a non-empty array of type names");
      }
      for (JsonElement e : t.getAsJsonArray()) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
          throw new InvalidJobException("entity_types must hold strings");
        }
        try {
          String path = EntityType.fromPath(e.getAsString()).path();
          if (!types.contains(path)) {
            types.add(path);
          }
        } catch (IllegalArgumentException ex) {
          throw new InvalidJobException(ex.getMessage());
        }
      }
    }
    String requestId = null;
    if (o.has("request_id") && !o.get("request_id").isJsonNull()) {
      requestId = string(o, "request_id");
      if (requestId.length() > MAX_REQUEST_ID
          || requestId.chars().anyMatch(Character::isISOControl)) {
        throw new InvalidJobException(
            "request_id must be at most " + MAX_REQUEST_ID + " printable characters");
      }
    }
    boolean approve = false;
    if (o.has("approve_deletes") && !o.get("approve_deletes").isJsonNull()) {
      JsonElement a = o.get("approve_deletes");
      if (!a.isJsonPrimitive() || !a.getAsJsonPrimitive().isBoolean()) {
        throw new InvalidJobException("approve_deletes must be true or false");
      }
      approve = a.getAsBoolean();
    }
    return new JobRequest(integrationId, all, mode, types, requestId, approve);
  }

  private static JsonObject parseObject(String text) throws InvalidJobException {
    try (JsonReader reader = new JsonReader(new StringReader(text))) {
      reader.setStrictness(Strictness.STRICT);
      reader.setNestingLimit(32);
      JsonElement e = readValue(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new InvalidJobException("trailing data after the JSON object");
      }
      if (!e.isJsonObject()) {
        throw new InvalidJobException("message body must be a JSON object");
      }
      return e.getAsJsonObject();
    } catch (JsonParseException | IOException | IllegalStateException e) {
      throw new InvalidJobException("message body is not valid JSON: " + oneLine(e));
    } catch (StackOverflowError e) {
      throw new InvalidJobException("message body nests too deeply");
    }
  }

  /**
   * Reads one JSON value, refusing duplicate member names at any depth: a checker upstream that
   * reads the first of two {@code integration_id}s must never approve a different integration than
   * the one that runs.
   */
  private static JsonElement readValue(JsonReader reader) throws IOException, InvalidJobException {
    switch (reader.peek()) {
      case BEGIN_OBJECT -> {
        JsonObject o = new JsonObject();
        reader.beginObject();
        while (reader.hasNext()) {
          String path = reader.getPath();
          String name = reader.nextName();
          if (o.has(name)) {
            throw new InvalidJobException(
                "duplicate key "
                    + Ids.describe(name)
                    + " at "
                    + (path.endsWith(".") ? path + name : path));
          }
          o.add(name, readValue(reader));
        }
        reader.endObject();
        return o;
      }
      case BEGIN_ARRAY -> {
        com.google.gson.JsonArray a = new com.google.gson.JsonArray();
        reader.beginArray();
        while (reader.hasNext()) {
          a.add(readValue(reader));
        }
        reader.endArray();
        return a;
      }
      default -> {
        return ELEMENTS.read(reader);
      }
    }
  }

  /**
   * Gson's messages end with advice for programmers ("Use JsonReader.setStrictness(...)", a
   * troubleshooting link); an operator needs what is wrong and where, on one line.
   */
  static String oneLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    if (nl >= 0) {
      m = m.substring(0, nl);
    }
    m =
        m.replace(
            "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON",
            "malformed JSON (unquoted text, single quotes, comments, NaN or a missing comma or colon)");
    m = m.strip();
    return m.length() > 200 ? m.substring(0, 200) + "…" : m;
  }

  private static String string(JsonObject o, String field) throws InvalidJobException {
    JsonElement e = o.get(field);
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new InvalidJobException(field + " must be a string");
    }
    return e.getAsString();
  }
}
