package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The failure alert and the dashboard count the run lines RecordRuns logs, with the filter and
 * regular expressions in terraform/monitoring.tf. A reworded line would silently stop the alert;
 * this keeps both in step.
 */
class RecordRunsLogTest {
  static final Path MONITORING = Path.of("../terraform/monitoring.tf");

  static String local(String text, String name) {
    Matcher m = Pattern.compile("(?m)^\\s*" + name + "\\s*=\\s*\"(.*)\"\\s*$").matcher(text);
    assertThat(name + " in monitoring.tf", m.find(), is(true));
    return m.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
  }

  static String extract(String regex, String line) {
    Matcher m = Pattern.compile(regex).matcher(line);
    return m.find() ? m.group(1) : null;
  }

  @Test
  void runLinesMatchTheLogBasedMetrics() throws IOException {
    String tf = Files.readString(MONITORING);
    String message = local(tf, "run_line_regex");
    String statusRegex = local(tf, "run_status_regex");
    String ageRegex = local(tf, "run_age_regex");

    long now = 1_800_000_000_000L;
    RunResult failed =
        new RunResult(
            "run-1",
            "8f1b5f4e-55c1-4c39-9d3e-1d2f0c6a7b10",
            RunResult.Status.FAILED,
            "gate",
            now - 60_000,
            now,
            List.of(),
            "people: HTTP 500 status=partial full_sync_age_s=1");
    String line = RecordRuns.RecordRunFn.summaryLine(failed, new Timestamp(now - 7_200_000), now);

    assertThat(line, Pattern.compile(message).matcher(line).find(), is(true));
    // The error comes last, so text in it cannot shadow the fields.
    assertThat(extract(statusRegex, line), is("failed"));
    assertThat(extract(ageRegex, line), is("7200"));

    for (RunResult.Status status : RunResult.Status.values()) {
      RunResult r =
          new RunResult("run-2", failed.integrationId(), status, null, now, now, List.of(), null);
      assertThat(
          extract(statusRegex, RecordRuns.RecordRunFn.summaryLine(r, null, now)),
          is(status.dbValue()));
    }
    // Never fully synced: no number, so the age distribution skips it rather than counting 0.
    RunResult skipped =
        new RunResult(
            "run-3",
            failed.integrationId(),
            RunResult.Status.SKIPPED,
            null,
            now,
            now,
            List.of(),
            null);
    assertThat(
        extract(ageRegex, RecordRuns.RecordRunFn.summaryLine(skipped, null, now)),
        is((String) null));
  }

  @Test
  void retryLinesMatchTheRetryMetric() throws IOException {
    String tf = Files.readString(MONITORING);
    String reason = local(tf, "retry_reason_regex");
    // EdlinkClient: LOG.warn("GET {} attempt {}/{} failed: {}; retrying in {} ms", ...) with
    // Failure.describe().
    String rateLimited =
        "GET /api/v2/graph/people attempt 2/8 failed: HTTP 429; retrying in 4000 ms";
    String timeout =
        "GET /api/v2/graph/people attempt 1/8 failed: timeout (HttpTimeoutException: request timed out);"
            + " retrying in 1000 ms";
    assertThat(extract(reason, rateLimited), is("HTTP 429"));
    assertThat(extract(reason, timeout), is("timeout"));
    assertThat(
        Pattern.compile(local(tf, "retry_line_regex")).matcher(rateLimited).find(), is(true));
    assertThat(Pattern.compile(local(tf, "retry_line_regex")).matcher(timeout).find(), is(true));
  }
}
