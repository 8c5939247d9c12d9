package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.runners.dataflow.DataflowPipelineJob;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Translates the real pipeline with the real DataflowRunner, offline: the job spec goes to a local
 * file ({@code --templateLocation}), credentials and path validation are no-ops, staging is a local
 * directory. Asserts what a deployment relies on: the job type, Streaming Engine, the step names
 * (the contract of {@code --update}: a renamed step makes Dataflow refuse the update, so the full
 * list must equal the checked-in one), and that no secret value reaches the spec.
 *
 * <p>After a deliberate graph change, regenerate the lists and review the diff: {@code mvn -B -pl
 * pipeline -am test -Dtest=DataflowTranslationTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dupdate.step.names=true}. A renamed or removed step of the streaming job breaks {@code --update}
 * of a running job (docs/operations.md: drain and relaunch instead).
 */
class DataflowTranslationTest {
  static final Path STEP_NAMES = Path.of("src/test/resources");
  static final String DB_SECRET =
      "projects/my-project/secrets/roster-sync-db-password/versions/latest";
  static final String APP_SECRET =
      "projects/my-project/secrets/roster-sync-edlink-app-secret/versions/latest";

  /** What a careless launcher could pass as plain values; none may reach a spec. */
  static final String PLAIN_PASSWORD = "pw-5e1f7c0a-never-in-a-spec";

  static final String PLAIN_APP_SECRET = "app-9b3d2e44-never-in-a-spec";

  @TempDir Path dir;

  @Test
  void streamingSpecIsAStreamingEngineJobWithTheCheckedInStepNames() throws IOException {
    JsonObject spec =
        translate(
            "streaming",
            "--jobsSubscription=projects/my-project/subscriptions/roster-sync-jobs",
            "--deadLetterTopic=projects/my-project/topics/roster-sync-dead-letters",
            "--enableStreamingEngine=true");

    assertThat(spec.get("type").getAsString(), is("JOB_TYPE_STREAMING"));
    List<String> experiments =
        strings(spec.getAsJsonObject("environment").getAsJsonArray("experiments"));
    assertThat(experiments, hasItem("enable_streaming_engine"));
    assertStepNames(spec, "streaming");
    assertNoSecretValue(spec);
  }

  @Test
  void batchSpecIsABatchJobWithTheCheckedInStepNames() throws IOException {
    JsonObject spec = translate("batch", "--allIntegrations=true", "--mode=auto");

    assertThat(spec.get("type").getAsString(), is("JOB_TYPE_BATCH"));
    assertStepNames(spec, "batch");
    assertNoSecretValue(spec);
  }

  @Test
  void aPlainSecretIsRefusedOnDataflowEvenNextToASecretName() {
    for (String plain :
        List.of("--jdbcPassword=" + PLAIN_PASSWORD, "--edlinkAppSecret=" + PLAIN_APP_SECRET)) {
      Path template = dir.resolve("refused.json");
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  translate(
                      template,
                      "--jobsSubscription=projects/my-project/subscriptions/roster-sync-jobs",
                      "--deadLetterTopic=projects/my-project/topics/roster-sync-dead-letters",
                      plain));
      assertThat(e.getMessage(), containsString("plain text"));
      assertThat(e.getMessage(), not(containsString(PLAIN_PASSWORD)));
      assertThat(e.getMessage(), not(containsString(PLAIN_APP_SECRET)));
      assertThat("no spec was written", Files.exists(template), is(false));
    }
  }

  /**
   * What the DataflowRunner puts into a spec: the options as Jackson serializes them, and their
   * display data.
   */
  @Test
  void serializedOptionsAndDisplayDataLeaveOutPlainSecrets() throws IOException {
    SyncOptions options =
        PipelineOptionsFactory.fromArgs(
                "--jdbcUrl=jdbc:postgresql://localhost/roster",
                "--jdbcPassword=" + PLAIN_PASSWORD,
                "--edlinkAppSecret=" + PLAIN_APP_SECRET)
            .as(SyncOptions.class);
    String json =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .registerModules(
                com.fasterxml.jackson.databind.ObjectMapper.findModules(
                    org.apache.beam.sdk.util.common.ReflectHelpers.findClassLoader()))
            .writeValueAsString(options);
    String display = org.apache.beam.sdk.transforms.display.DisplayData.from(options).toString();
    for (String text : List.of(json, display)) {
      assertThat(text, containsString("jdbc:postgresql://localhost/roster"));
      assertThat(text, not(containsString(PLAIN_PASSWORD)));
      assertThat(text, not(containsString(PLAIN_APP_SECRET)));
    }
    // Local runs still read them.
    assertThat(options.getJdbcPassword(), is(PLAIN_PASSWORD));
  }

  private JsonObject translate(String name, String... args) throws IOException {
    Path template = dir.resolve(name + ".json");
    translate(template, args);
    return JsonParser.parseString(Files.readString(template)).getAsJsonObject();
  }

  private void translate(Path template, String... extra) {
    Path staging = dir.resolve("staging");
    Path stub = dir.resolve("stub.jar");
    try {
      Files.createDirectories(staging);
      Files.write(
          stub, new byte[] {'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    List<String> args =
        new ArrayList<>(
            List.of(
                "--runner=DataflowRunner",
                "--project=my-project",
                "--region=us-central1",
                "--jobName=roster-sync",
                "--templateLocation=" + template,
                "--gcpTempLocation=gs://my-project-roster-sync/temp",
                "--stagingLocation=" + staging,
                // One small stand-in instead of the whole test classpath: staging only hashes and
                // copies files.
                "--filesToStage=" + stub,
                "--credentialFactoryClass=org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory",
                "--pathValidatorClass=org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator",
                "--jdbcUrl=jdbc:postgresql://10.0.0.5:5432/roster?sslmode=require",
                "--jdbcPasswordSecretName=" + DB_SECRET,
                "--edlinkAppSecretSecretName=" + APP_SECRET,
                "--migrate=false"));
    args.addAll(Arrays.asList(extra));
    PipelineOptionsFactory.register(SyncOptions.class);
    SyncOptions options =
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new))
            .withValidation()
            .as(SyncOptions.class);
    PipelineResult result = RosterSyncPipeline.run(options);
    assertThat(result, instanceOf(DataflowPipelineJob.class));
  }

  /**
   * Transform names of the steps, in spec order (user_name: what --update matches running steps
   * by).
   */
  static List<String> stepNames(JsonObject spec) {
    List<String> names = new ArrayList<>();
    for (JsonElement step : spec.getAsJsonArray("steps")) {
      JsonElement name = step.getAsJsonObject().getAsJsonObject("properties").get("user_name");
      // The spec wraps property values: {"@type": "http://schema.org/Text", "value": "..."}.
      names.add(
          name.isJsonObject()
              ? name.getAsJsonObject().get("value").getAsString()
              : name.getAsString());
    }
    return names;
  }

  private static void assertStepNames(JsonObject spec, String kind) throws IOException {
    Path file = STEP_NAMES.resolve("dataflow-step-names-" + kind + ".txt");
    List<String> actual = stepNames(spec);
    if (Boolean.getBoolean("update.step.names")) {
      Files.writeString(file, String.join("\n", actual) + "\n", StandardCharsets.UTF_8);
    }
    List<String> expected = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
    assertThat(
        "step names of the "
            + kind
            + " job changed; if deliberate, regenerate "
            + file
            + " with -Dupdate.step.names=true (see this class) and say in the change how running jobs are updated",
        actual,
        is(expected));
  }

  private static void assertNoSecretValue(JsonObject spec) {
    String text = spec.toString();
    for (String secret :
        List.of(PLAIN_PASSWORD, PLAIN_APP_SECRET, "\"jdbcPassword\"", "\"edlinkAppSecret\"")) {
      assertThat(text, not(containsString(secret)));
    }
    // Only the Secret Manager names travel.
    assertThat(text, containsString(DB_SECRET));
  }

  private static List<String> strings(com.google.gson.JsonArray array) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.getAsString()));
    return out;
  }
}
