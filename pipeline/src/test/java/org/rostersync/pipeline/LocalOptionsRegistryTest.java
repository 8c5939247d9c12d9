package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.PortablePipelineOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalOptionsRegistryTest {
  @AfterEach
  void fullRegistryAgain() {
    PipelineOptionsFactory.resetCache();
  }

  private static List<String> registrars(ClassLoader loader) throws Exception {
    List<String> out = new ArrayList<>();
    for (URL url : Collections.list(loader.getResources(LocalOptionsRegistry.REGISTRARS))) {
      try (InputStream in = url.openStream()) {
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          if (!line.isBlank() && !line.startsWith("#")) {
            out.add(line.trim());
          }
        }
      }
    }
    return out;
  }

  @Test
  void theSlimLoaderListsTheDirectRunnersRegistrarOnly() throws Exception {
    ClassLoader app = getClass().getClassLoader();
    List<String> full = registrars(app);
    List<String> slim = registrars(new LocalOptionsRegistry.SlimLoader(app));
    assertThat(full, hasItem("org.apache.beam.runners.dataflow.DataflowPipelineRegistrar$Options"));
    assertThat(full, hasItem("org.apache.beam.sdk.options.DefaultPipelineOptionsRegistrar"));
    assertThat(slim, is(List.of("org.apache.beam.runners.direct.DirectRegistrar$Options")));
  }

  @Test
  void onlyABatchRunOnTheDirectRunnerIsSlim() {
    assertThat(LocalOptionsRegistry.applies(new String[] {"--allIntegrations"}), is(true));
    assertThat(
        LocalOptionsRegistry.applies(new String[] {"--runner=DirectRunner", "--mode=full"}),
        is(true));
    assertThat(
        LocalOptionsRegistry.applies(new String[] {"--runner=DataflowRunner", "--region=x"}),
        is(false));
    assertThat(
        LocalOptionsRegistry.applies(
            new String[] {"--jobsSubscription=projects/p/subscriptions/s"}),
        is(false));
  }

  /** As in a fresh JVM: the factory's registry is built under the slim loader. */
  private static SyncOptions parseFresh(String[] args) {
    return LocalOptionsRegistry.parse(
        args,
        () -> {
          PipelineOptionsFactory.resetCache();
          return RosterSyncPipeline.parseOptions(args);
        });
  }

  /**
   * A flag of an interface the slim registry leaves out is still accepted: parsed again in full.
   */
  @Test
  void aGoogleCloudFlagOnALocalRunIsStillAccepted() {
    String[] args = {
      "--allIntegrations", "--jdbcUrl=jdbc:postgresql://h/db", "--project=my-project"
    };
    SyncOptions options = parseFresh(args);
    assertThat(options.as(DataflowPipelineOptions.class).getProject(), equalTo("my-project"));
    assertThat(options.getAllIntegrations(), is(true));
  }

  /** So is a flag of Beam's own core options that the slim registry leaves out. */
  @Test
  void aCoreBeamFlagOnALocalRunIsStillAccepted() {
    String[] args = {
      "--allIntegrations", "--jdbcUrl=jdbc:postgresql://h/db", "--sdkWorkerParallelism=3"
    };
    SyncOptions options = parseFresh(args);
    assertThat(options.as(PortablePipelineOptions.class).getSdkWorkerParallelism(), is(3));
    assertThat(options.getAllIntegrations(), is(true));
  }

  /** Without such a flag the registry really is the slim one, and what it left out still works. */
  @Test
  void aPlainLocalRunParsesWithTheSlimRegistry() {
    String[] args = {
      "--allIntegrations", "--jdbcUrl=jdbc:postgresql://h/db", "--targetParallelism=5"
    };
    SyncOptions options = parseFresh(args);
    assertThat(options.getAllIntegrations(), is(true));
    assertThat(options.as(DirectOptions.class).getTargetParallelism(), is(5));
    assertThat(
        PipelineOptionsFactory.getRegisteredOptions(), not(hasItem(DataflowPipelineOptions.class)));
    assertThat(
        PipelineOptionsFactory.getRegisteredOptions(), not(hasItem(PortablePipelineOptions.class)));
    assertThat(options.as(ExperimentalOptions.class).getExperiments(), is(nullValue()));
  }
}
