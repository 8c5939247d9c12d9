package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.rostersync.edlink.EntityType;
import org.rostersync.edlink.Page;

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

  /** {@code json}, an array of objects, as the Edlink client hands it over. */
  static Page page(String json) throws IOException {
    return Page.read(new JsonReader(new StringReader(json)));
  }

  @Test
  void aNumberThatCannotBeHashedFailsTheTypeWithAReason() throws IOException {
    String id = UUID.randomUUID().toString();
    Page page = page("[{\"id\":\"" + id + "\",\"grade\":1e99999}]");
    RemoteShard all = new RemoteShard(TASK.job(), null, 4);
    FetchEntities.BadRecordException e =
        assertThrows(
            FetchEntities.BadRecordException.class,
            () ->
                FetchEntities.FetchEntitiesFn.addRecord(
                    all, null, page, 0, TASK, new ArrayList<>()));
    assertThat(e.getMessage(), containsString("record " + id + ": "));
    assertThat(e.getMessage(), containsString("1e99999"));
  }

  @Test
  void aRecordWithoutAnIdFailsTheType() throws IOException {
    Page page = page("[{\"name\":\"x\"}]");
    RemoteShard all = new RemoteShard(TASK.job(), null, 4);
    FetchEntities.BadRecordException e =
        assertThrows(
            FetchEntities.BadRecordException.class,
            () ->
                FetchEntities.FetchEntitiesFn.addRecord(
                    all, null, page, 0, TASK, new ArrayList<>()));
    assertThat(e.getMessage(), containsString("no string id"));
    assertThat(all.size(), is(0));
  }
}
