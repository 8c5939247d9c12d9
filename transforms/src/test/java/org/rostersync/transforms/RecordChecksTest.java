package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.Page;
import org.rostersync.hash.CanonicalHash;

/** Hostile records: each gets a clear reason, and none can turn into a delete of what is stored. */
class RecordChecksTest {
  private static final TypeTask TASK =
      new TypeTask(
          new SyncJob(
              "r",
              UUID.randomUUID().toString(),
              List.of(EntityType.PEOPLE),
              SyncJob.Mode.FULL,
              null,
              false,
              0),
          EntityType.PEOPLE);

  private static JsonObject obj(String json) {
    return JsonParser.parseString(json).getAsJsonObject();
  }

  @Test
  void acceptsOrdinaryUnicode() {
    assertThat(RecordChecks.problem(obj("{\"name\":\"Zoë 山田 🎓 עברית\"}"), 40), nullValue());
  }

  @Test
  void rejectsNulUnpairedSurrogatesSizeAndDepth() {
    assertThat(RecordChecks.problem(obj("{\"name\":\"a\\u0000b\"}"), 10), containsString("NUL"));
    assertThat(
        RecordChecks.problem(obj("{\"name\":\"\\ud800x\"}"), 10),
        containsString("unpaired surrogate"));
    assertThat(
        RecordChecks.problem(obj("{\"\\udc00\":1}"), 10), containsString("unpaired surrogate"));
    assertThat(
        RecordChecks.problem(obj("{}"), RecordChecks.MAX_RECORD_BYTES + 1),
        containsString("bytes"));
    String deep = "{\"a\":" + "[".repeat(40) + "]".repeat(40) + "}";
    assertThat(RecordChecks.problem(obj(deep), 100), containsString("nests deeper"));
  }

  @Test
  void whatTheCanonicalWriterSawGivesTheWalksAnswer() {
    List<String> records =
        List.of(
            "{\"name\":\"Zoë 山田 🎓 עברית\",\"n\":1.5,\"ok\":true,\"x\":null}",
            "{\"name\":\"a\\u0000b\"}",
            "{\"\\u0000\":1}",
            "{\"name\":\"\\ud800x\"}",
            "{\"name\":\"x\\udc00\"}",
            "{\"name\":\"\\ud83c\\udf93\"}",
            "{\"text\":\"\\\\u0000 is six characters, not a NUL\"}",
            "{\"text\":\"\\\\ud800 is text\"}",
            "{\"s\":\"\\\"{[\\\\\",\"t\":[1,{\"u\":[]}]}",
            "{\"b\":\"}}}}]]]]\",\"a\":" + "[".repeat(40) + "]".repeat(40) + "}",
            "{\"a\":" + "[".repeat(30) + "1" + "]".repeat(30) + "}",
            "{\"a\":" + "[".repeat(31) + "]".repeat(31) + "}",
            "{\"a\":" + "[".repeat(31) + "1" + "]".repeat(31) + "}",
            "{\"a\":" + "[".repeat(32) + "1" + "]".repeat(32) + "}");
    for (String r : records) {
      JsonObject o = obj(r);
      CanonicalHash.Canonical canonical = CanonicalHash.canonical(o);
      assertThat(
          r,
          RecordChecks.problem(() -> o, canonical),
          is(RecordChecks.problem(o, canonical.bytes().length)));
    }
    // The writer clears ordinary records, text that only looks like an escape, and nesting to the
    // limit; a NUL, a lone surrogate or deeper nesting is walked.
    for (int i = 0; i < records.size(); i++) {
      boolean clears = java.util.Set.of(0, 5, 6, 7, 8, 10, 11, 12).contains(i);
      assertThat(
          records.get(i),
          RecordChecks.cleared(CanonicalHash.canonical(obj(records.get(i)))),
          is(clears));
    }

    // Random records over an alphabet of the characters that matter.
    String[] pieces = {
      "a",
      "d",
      "u",
      "0",
      "\\",
      "\"",
      "{",
      "}",
      "[",
      "]",
      "\u0000",
      "\ud800",
      "\udc00",
      "\ud83c\udf93",
      "é"
    };
    Random random = new Random(42);
    int walked = 0;
    for (int n = 0; n < 3_000; n++) {
      JsonObject o = new JsonObject();
      JsonElement at = o;
      int depth = random.nextInt(36);
      for (int d = 0; d < depth; d++) {
        JsonArray a = new JsonArray();
        if (at.isJsonObject()) {
          at.getAsJsonObject().add(text(random, pieces), a);
        } else {
          at.getAsJsonArray().add(a);
        }
        at = a;
      }
      if (random.nextBoolean()) {
        if (at.isJsonObject()) {
          at.getAsJsonObject().addProperty(text(random, pieces), text(random, pieces));
        } else {
          at.getAsJsonArray().add(text(random, pieces));
        }
      }
      o.addProperty(text(random, pieces), text(random, pieces));
      CanonicalHash.Canonical canonical = CanonicalHash.canonical(o);
      assertThat(canonical.bytes(), is(CanonicalHash.canonicalBytes(o)));
      String expected = RecordChecks.problem(o, canonical.bytes().length);
      assertThat(o.toString(), RecordChecks.problem(() -> o, canonical), is(expected));
      if (!RecordChecks.cleared(canonical)) {
        walked++;
        continue;
      }
      assertThat(o.toString(), expected, nullValue());
    }
    assertThat(walked > 0 && walked < 3_000, is(true));
  }

  private static String text(Random random, String[] pieces) {
    StringBuilder b = new StringBuilder();
    int n = random.nextInt(6);
    for (int i = 0; i < n; i++) {
      // Mostly harmless pieces, so that many records are clean.
      b.append(pieces[random.nextInt(10) < 8 ? random.nextInt(10) : random.nextInt(pieces.length)]);
    }
    return b.toString();
  }

  @Test
  void aRejectedRecordIsKeptAsAnIdWithoutPayload() throws Exception {
    RemoteShard all = new RemoteShard(TASK.job(), null, 2);
    List<RejectedRecord> rejected = new ArrayList<>();
    String id = UUID.randomUUID().toString();
    FetchEntities.FetchEntitiesFn.addRecord(
        all, null, page("[{\"id\":\"" + id + "\",\"name\":\"x\\u0000\"}]"), 0, TASK, rejected);
    assertThat(all.size(), is(1));
    assertThat(all.json(0), nullValue());
    assertThat(rejected.get(0).id(), is(id));
    assertThat(rejected.get(0).reason(), containsString("NUL"));

    // The stored row of a rejected record is neither updated nor deleted.
    UUID u = UUID.fromString(id);
    ClassifyChanges.Diff d =
        ClassifyChanges.classify(
            new ShardKey("r", TASK.job().integrationId(), EntityType.PEOPLE, 0, 1),
            all,
            new StoredShard(
                1,
                new long[] {u.getMostSignificantBits()},
                new long[] {u.getLeastSignificantBits()},
                new byte[][] {new byte[32]}),
            new ClassifyChanges.WriteLimits(
                SyncDefaults.ROWS_PER_WRITE, SyncDefaults.BYTES_PER_WRITE));
    assertThat(d.shard().deletes(), is(0));
    assertThat(d.shard().rowBatches(), is(0));
  }

  @Test
  void recordsWithoutAUsableIdFailTheType() throws Exception {
    RemoteShard all = new RemoteShard(TASK.job(), null, 2);
    List<RejectedRecord> rejected = new ArrayList<>();
    assertThat(
        assertThrows(
                FetchEntities.BadRecordException.class,
                () ->
                    FetchEntities.FetchEntitiesFn.addRecord(
                        all, null, page("[{\"name\":\"no id\"}]"), 0, TASK, rejected))
            .getMessage(),
        containsString("no string id"));
    assertThat(
        assertThrows(
                FetchEntities.BadRecordException.class,
                () ->
                    FetchEntities.FetchEntitiesFn.addRecord(
                        all, null, page("[{\"id\":\"1234\"}]"), 0, TASK, rejected))
            .getMessage(),
        containsString("is not a UUID"));
    assertThat(
        assertThrows(
                FetchEntities.BadRecordException.class,
                () ->
                    FetchEntities.FetchEntitiesFn.addRecord(
                        all, null, page("[{\"id\":42}]"), 0, TASK, rejected))
            .getMessage(),
        containsString("no string id"));
    // Of a repeated id the last counts, as in a parsed record.
    assertThat(
        assertThrows(
                FetchEntities.BadRecordException.class,
                () ->
                    FetchEntities.FetchEntitiesFn.addRecord(
                        all, null, page("[{\"id\":\"a\",\"id\":42}]"), 0, TASK, rejected))
            .getMessage(),
        containsString("no string id"));
  }

  private static Page page(String json) throws Exception {
    return FetchEntitiesRecordTest.page(json);
  }

  /**
   * A NUL or a lone surrogate in a record of a page (seen by the canonical writer, then walked)
   * rejects it with the reason the walk of the parsed record gives; a clean record is kept as its
   * canonical JSON.
   */
  @Test
  void recordsOfAPageAreRejectedForWhatTheWalkFinds() throws Exception {
    String id = UUID.randomUUID().toString();
    String[] rejects = {
      "{\"id\":\"" + id + "\",\"name\":\"x\\u0000\"}",
      "{\"name\":{\"b\":\"\\ud800\",\"a\":1},\"id\":\"" + id + "\"}"
    };
    for (String json : rejects) {
      RemoteShard all = new RemoteShard(TASK.job(), null, 2);
      List<RejectedRecord> rejected = new ArrayList<>();
      FetchEntities.FetchEntitiesFn.addRecord(all, null, page("[" + json + "]"), 0, TASK, rejected);
      assertThat(json, rejected.size(), is(1));
      assertThat(rejected.get(0).reason(), is(RecordChecks.problem(obj(json), json.length())));
      assertThat(all.json(0), nullValue());
    }

    RemoteShard all = new RemoteShard(TASK.job(), null, 2);
    List<RejectedRecord> rejected = new ArrayList<>();
    FetchEntities.FetchEntitiesFn.addRecord(
        all, null, page("[{\"name\":\"ok\",\"id\":\"" + id + "\"}]"), 0, TASK, rejected);
    assertThat(rejected.size(), is(0));
    assertThat(
        new String(all.json(0), java.nio.charset.StandardCharsets.UTF_8),
        is("{\"id\":\"" + id + "\",\"name\":\"ok\"}"));
  }
}
