package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;

/**
 * How FetchEntities takes one record: bad remote data fails the type with a reason, not with a
 * runtime error.
 */
class FetchEntitiesRecordTest {
  private static final TypeTask TASK =
      new TypeTask(
          new SyncJob(
              "run-1",
              UUID.randomUUID().toString(),
              List.of(EntityType.PEOPLE),
              SyncJob.Mode.FULL,
              "req",
              false,
              1_000L),
          EntityType.PEOPLE);

  @Test
  void aNumberThatCannotBeHashedFailsTheTypeWithAReason() {
    JsonObject record = new JsonObject();
    String id = UUID.randomUUID().toString();
    record.addProperty("id", id);
    record.add("grade", new JsonPrimitive(Double.NaN));
    RemoteShard all = new RemoteShard(TASK.job(), null, 4);
    FetchEntities.BadRecordException e =
        assertThrows(
            FetchEntities.BadRecordException.class,
            () -> FetchEntities.FetchEntitiesFn.addRecord(all, record, TASK, new ArrayList<>()));
    assertThat(e.getMessage(), containsString(id));
    assertThat(e.getMessage(), containsString("not a finite JSON number"));
  }

  @Test
  void aRecordWithoutAnIdFailsTheType() {
    JsonObject record = new JsonObject();
    record.addProperty("name", "x");
    RemoteShard all = new RemoteShard(TASK.job(), null, 4);
    FetchEntities.BadRecordException e =
        assertThrows(
            FetchEntities.BadRecordException.class,
            () -> FetchEntities.FetchEntitiesFn.addRecord(all, record, TASK, new ArrayList<>()));
    assertThat(e.getMessage(), containsString("no string id"));
    assertThat(all.size(), is(0));
  }
}
