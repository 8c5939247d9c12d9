package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs templates/launch-streaming.sh and run-batch.sh against a stand-in gcloud that records its
 * arguments: the scripts must launch what Terraform launches (private worker IPs when
 * use_public_ips = false, or an org policy against external IPs blocks the job) and give every
 * batch run its own job name (Dataflow answers 409 to a second active job of the same name).
 */
class TemplateScriptsTest {
  static final Path TEMPLATES = Path.of("../templates");

  @TempDir Path dir;

  @Test
  void bothScriptsHonourUsePublicIps() throws Exception {
    for (String script : List.of("launch-streaming.sh", "run-batch.sh")) {
      assertThat(
          script,
          gcloudArgs(script, Map.of("USE_PUBLIC_IPS", "false")),
          hasItem("--disable-public-ips"));
      assertThat(
          script,
          gcloudArgs(script, Map.of("USE_PUBLIC_IPS", "true")),
          not(hasItem("--disable-public-ips")));
      assertThat(
          script,
          gcloudArgs(script, Map.of("SUBNETWORK", "regions/us-central1/subnetworks/dataflow")),
          hasItem("--subnetwork=regions/us-central1/subnetworks/dataflow"));
    }
  }

  @Test
  void bothScriptsLaunchTheTemplateWithTheSameWorkerSettings() throws Exception {
    List<String> shared =
        List.of(
            "--project=my-project",
            "--region=us-central1",
            "--template-file-gcs-location="
                + "gs://my-project-roster-sync/templates/roster-sync-abc1234-20261128.json",
            "--service-account-email=roster-sync-worker@my-project.iam.gserviceaccount.com",
            "--staging-location=gs://my-project-roster-sync/staging",
            "--temp-location=gs://my-project-roster-sync/temp",
            "--worker-machine-type=n1-standard-4",
            "--max-workers=7",
            "--network=default");
    Map<String, String> env = Map.of("MACHINE_TYPE", "n1-standard-4", "MAX_WORKERS", "7");
    List<String> streaming = gcloudArgs("launch-streaming.sh", env);
    List<String> batch = gcloudArgs("run-batch.sh", env);
    assertThat(streaming, hasItems(shared.toArray(String[]::new)));
    assertThat(batch, hasItems(shared.toArray(String[]::new)));
    // A flag given twice is ambiguous (gcloud takes the last): each once.
    assertThat(new HashSet<>(streaming).size(), is(streaming.size()));
    assertThat(new HashSet<>(batch).size(), is(batch.size()));
    assertThat(streaming, hasItem("--enable-streaming-engine"));
    assertThat(batch, not(hasItem("--enable-streaming-engine")));
  }

  @Test
  void everyBatchRunHasItsOwnJobName() throws Exception {
    // gcloud dataflow flex-template run <job name> ...
    String first = gcloudArgs("run-batch.sh", Map.of()).get(3);
    String second = gcloudArgs("run-batch.sh", Map.of()).get(3);
    assertThat(first, not(is(second)));
  }

  @Test
  void scriptsNameOnlyTerraformVariablesThatExist() throws IOException {
    Set<String> declared = TerraformWiringTest.variableDefaults().keySet();
    Set<String> unknown = new TreeSet<>();
    Pattern assignment = Pattern.compile("\\b([a-z]+(?:_[a-z]+)+)\\s*=");
    for (Path script : TerraformWiringTest.files(TEMPLATES, ".sh")) {
      for (String line : Files.readAllLines(script)) {
        if (!line.trim().startsWith("#")) {
          continue;
        }
        Matcher m = assignment.matcher(line);
        while (m.find()) {
          if (!declared.contains(m.group(1))) {
            unknown.add(script.getFileName() + ": " + m.group(1));
          }
        }
      }
    }
    assertThat(
        "comments of templates/*.sh name Terraform variables that do not exist",
        unknown,
        is(empty()));
    // terraform output script_env feeds the scripts the settings they read.
    String outputs = Files.readString(TerraformWiringTest.TERRAFORM.resolve("outputs.tf"));
    for (String name :
        List.of("NETWORK", "SUBNETWORK", "USE_PUBLIC_IPS", "MACHINE_TYPE", "MAX_WORKERS")) {
      assertThat(outputs.contains("export " + name + "="), is(true));
    }
  }

  /** The arguments gcloud got, one per element. */
  private List<String> gcloudArgs(String script, Map<String, String> env) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path log = dir.resolve("gcloud.log");
    Files.deleteIfExists(log);
    Path gcloud = bin.resolve("gcloud");
    Files.writeString(gcloud, "#!/bin/sh\nprintf '%s\\n' \"$@\" >> \"$GCLOUD_LOG\"\n");
    Files.setPosixFilePermissions(gcloud, PosixFilePermissions.fromString("rwxr-xr-x"));

    ProcessBuilder pb =
        new ProcessBuilder("bash", TEMPLATES.resolve(script).toString()).redirectErrorStream(true);
    Map<String, String> e = pb.environment();
    e.put("PATH", bin + ":" + e.get("PATH"));
    e.put("GCLOUD_LOG", log.toString());
    e.put("PROJECT", "my-project");
    e.put("TEMPLATE_VERSION", "abc1234-20261128");
    e.put("JDBC_URL", "jdbc:postgresql://10.0.0.5:5432/roster?sslmode=require");
    e.remove("USE_PUBLIC_IPS");
    e.remove("SUBNETWORK");
    e.putAll(env);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(script + " failed: " + output, p.waitFor(), is(0));
    return new ArrayList<>(Files.readAllLines(log));
  }
}
