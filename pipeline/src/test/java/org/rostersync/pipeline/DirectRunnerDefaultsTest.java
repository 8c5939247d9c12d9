package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;

/**
 * The jar's command line runs the DirectRunner without the test-only enforcement checks and with
 * threads enough to wait on Edlink, unless told otherwise.
 */
class DirectRunnerDefaultsTest {
  private static final String[] BASE = {
    "--allIntegrations=true", "--jdbcUrl=jdbc:postgresql://localhost/x"
  };

  private static DirectOptions parse(String... extra) {
    String[] args = new String[BASE.length + extra.length];
    System.arraycopy(BASE, 0, args, 0, BASE.length);
    System.arraycopy(extra, 0, args, BASE.length, extra.length);
    return RosterSyncPipeline.parse(args).as(DirectOptions.class);
  }

  @Test
  void aRealDirectRunnerRunSkipsTheEnforcementChecks() {
    for (DirectOptions o : new DirectOptions[] {parse(), parse("--runner=DirectRunner")}) {
      assertThat(o.isEnforceImmutability(), is(false));
      assertThat(o.isEnforceEncodability(), is(false));
    }
  }

  @Test
  void aRealDirectRunnerRunHasThreadsToWaitOnEdlinkWith() {
    int threads = parse().getTargetParallelism();
    assertThat(threads >= RosterSyncPipeline.DIRECT_RUNNER_THREADS, is(true));
    assertThat(threads >= Runtime.getRuntime().availableProcessors(), is(true));
  }

  @Test
  void theCommandLineStillWins() {
    DirectOptions o =
        parse("--enforceImmutability=true", "--enforceEncodability", "--targetParallelism=2");
    assertThat(o.isEnforceImmutability(), is(true));
    assertThat(o.isEnforceEncodability(), is(true));
    assertThat(o.getTargetParallelism(), is(2));
  }

  @Test
  void optionsBuiltOutsideMainKeepTheChecks() {
    // What tests get: Beam's defaults, untouched.
    DirectOptions o = PipelineOptionsFactory.as(DirectOptions.class);
    assertThat(o.isEnforceImmutability(), is(true));
    assertThat(o.isEnforceEncodability(), is(true));
    assertThat(
        o.getTargetParallelism(), is(Math.max(Runtime.getRuntime().availableProcessors(), 3)));
  }

  @Test
  void typesSpillOnDataflowByDefaultAndOnTheDirectRunnerOnlyWhenAsked() {
    SyncOptions direct = parse().as(SyncOptions.class);
    assertThat(SyncConfigs.fetchBytesPerElement(direct), is(Long.MAX_VALUE));
    SyncOptions dataflow = parse().as(SyncOptions.class);
    dataflow.setRunner(org.apache.beam.runners.dataflow.DataflowRunner.class);
    assertThat(
        SyncConfigs.fetchBytesPerElement(dataflow),
        is(org.rostersync.transforms.SyncDefaults.FETCH_BYTES_PER_ELEMENT));
    assertThat(
        SyncConfigs.fetchBytesPerElement(
            parse("--fetchBytesPerElement=20000").as(SyncOptions.class)),
        is(20_000L));
    SyncOptions negative = parse("--fetchBytesPerElement=-1").as(SyncOptions.class);
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> SyncConfigs.fetchBytesPerElement(negative));
  }
}
