package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;

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
  void aRejectedRecordIsKeptAsAnIdWithoutPayload() throws Exception {
    RemoteShard all = new RemoteShard(TASK.job(), null, 2);
    List<RejectedRecord> rejected = new ArrayList<>();
    String id = UUID.randomUUID().toString();
    FetchEntities.FetchEntitiesFn.addRecord(
        all, obj("{\"id\":\"" + id + "\",\"name\":\"x\\u0000\"}"), TASK, rejected);
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
  void recordsWithoutAUsableIdFailTheType() {
    RemoteShard all = new RemoteShard(TASK.job(), null, 2);
    List<RejectedRecord> rejected = new ArrayList<>();
    assertThat(
        assertThrows(
                FetchEntities.BadRecordException.class,
                () ->
                    FetchEntities.FetchEntitiesFn.addRecord(
                        all, obj("{\"name\":\"no id\"}"), TASK, rejected))
            .getMessage(),
        containsString("no string id"));
    assertThat(
        assertThrows(
                FetchEntities.BadRecordException.class,
                () ->
                    FetchEntities.FetchEntitiesFn.addRecord(
                        all, obj("{\"id\":\"1234\"}"), TASK, rejected))
            .getMessage(),
        containsString("is not a UUID"));
    assertThat(
        assertThrows(
                FetchEntities.BadRecordException.class,
                () ->
                    FetchEntities.FetchEntitiesFn.addRecord(
                        all, obj("{\"id\":42}"), TASK, rejected))
            .getMessage(),
        containsString("no string id"));
  }
}
