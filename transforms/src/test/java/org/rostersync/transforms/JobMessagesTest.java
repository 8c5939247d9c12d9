package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobMessagesTest {
  private static final String ID = "dd62026c-1180-40ca-a614-ae537f766cb4";

  private static JobRequest parse(String s) throws JobMessages.InvalidJobException {
    return JobMessages.parse(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void parsesOneIntegrationWithOptionsAndIgnoresUnknownFields() throws Exception {
    JobRequest r =
        parse(
            "{\"integration_id\":\""
                + ID.toUpperCase()
                + "\",\"mode\":\"full\","
                + "\"entity_types\":[\"people\",\"Enrollments\",\"people\"],\"request_id\":\"r-1\",\"extra\":{\"x\":1}}");
    assertThat(r.integrationId(), equalTo(ID));
    assertThat(r.all(), is(false));
    assertThat(r.mode(), is(SyncJob.Mode.FULL));
    assertThat(r.entityTypes(), contains("people", "enrollments"));
    assertThat(r.requestId(), equalTo("r-1"));
  }

  @Test
  void parsesTheSchedulerTick() throws Exception {
    JobRequest r = parse("{\"all\": true}");
    assertThat(r.all(), is(true));
    assertThat(r.integrationId(), nullValue());
    assertThat(r.mode(), is(SyncJob.Mode.AUTO));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "not json at all|not valid JSON",
        "[1,2]|must be a JSON object",
        "{}|needs integration_id",
        "{\"all\":false}|needs integration_id",
        "{\"all\":\"yes\"}|\"all\" must be true or false",
        "{\"integration_id\":\"42\"}|must be a UUID",
        "{\"integration_id\":\"'; DROP TABLE sync_runs; --\"}|must be a UUID",
        "{\"integration_id\":7}|must be a string",
        "{\"all\":true,\"integration_id\":\"" + ID + "\"}|not both",
        "{\"all\":true,\"mode\":\"sometimes\"}|mode must be",
        "{\"all\":true,\"entity_types\":[]}|non-empty array",
        "{\"all\":true,\"entity_types\":[\"grades\"]}|unknown entity type",
        "{\"all\":true} trailing|JSON",
        "{\"all\":true,\"n\":NaN}|not valid JSON",
        "{\"all\":true,\"approve_deletes\":\"y\"}|approve_deletes",
      })
  void rejectsInvalidJobsWithAReason(String body, String reason) {
    JobMessages.InvalidJobException e =
        assertThrows(JobMessages.InvalidJobException.class, () -> parse(body));
    assertThat(e.getMessage(), containsString(reason));
  }

  @Test
  void rejectsOversizedDeepAndNonUtf8Bodies() {
    String big = "{\"all\":true,\"pad\":\"" + "x".repeat(JobMessages.MAX_BYTES) + "\"}";
    assertThat(
        assertThrows(JobMessages.InvalidJobException.class, () -> parse(big)).getMessage(),
        containsString("more than"));
    String deep = "[".repeat(5000) + "]".repeat(5000);
    assertThat(
        assertThrows(JobMessages.InvalidJobException.class, () -> parse(deep)).getMessage(),
        containsString("JSON"));
    byte[] latin1 = {'{', '"', 'a', (byte) 0xe9, '"', ':', '1', '}'};
    assertThat(
        assertThrows(JobMessages.InvalidJobException.class, () -> JobMessages.parse(latin1))
            .getMessage(),
        containsString("UTF-8"));
    assertThat(
        assertThrows(JobMessages.InvalidJobException.class, () -> JobMessages.parse(new byte[0]))
            .getMessage(),
        containsString("empty"));
  }

  @Test
  void rejectsDuplicateKeysAtAnyDepth() {
    String other = "0f9c1a52-6a3e-4a5e-9f49-2b8f6f3c1d77";
    JobMessages.InvalidJobException top =
        assertThrows(
            JobMessages.InvalidJobException.class,
            () ->
                parse("{\"integration_id\":\"" + ID + "\",\"integration_id\":\"" + other + "\"}"));
    assertThat(top.getMessage(), containsString("duplicate key 'integration_id'"));
    JobMessages.InvalidJobException nested =
        assertThrows(
            JobMessages.InvalidJobException.class,
            () -> parse("{\"all\":true,\"meta\":{\"a\":1,\"a\":2}}"));
    assertThat(nested.getMessage(), containsString("duplicate key 'a' at $.meta.a"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{all: true}|line 1 column 3",
        "{\"all\": tru}|line 1",
        "{\"all\": true,}|line 1",
        "{'all': true}|line 1 column 3",
      })
  void invalidJsonIsOneLineThatSaysWhereNotHowToConfigureGson(String body, String where) {
    String reason =
        assertThrows(JobMessages.InvalidJobException.class, () -> parse(body)).getMessage();
    assertThat(reason, containsString("not valid JSON"));
    assertThat(reason, containsString(where));
    assertThat(reason.contains("\n"), is(false));
    assertThat(reason.contains("setStrictness"), is(false));
    assertThat(reason.contains("http"), is(false));
  }
}
