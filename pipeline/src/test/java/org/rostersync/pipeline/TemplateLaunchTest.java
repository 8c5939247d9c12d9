package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.sameInstance;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The Flex Template launcher runs {@code main} and must get control back once the job is submitted:
 * a launcher that waits on a streaming job never returns and the launch times out.
 */
class TemplateLaunchTest {

  @Test
  void runReturnsTheSubmittedJobWithoutWaiting() {
    PipelineOptionsFactory.register(SyncOptions.class);
    SyncOptions options =
        PipelineOptionsFactory.fromArgs(
                "--runner=" + DataflowStandInRunner.class.getName(),
                "--jobsSubscription=projects/my-project/subscriptions/roster-sync-jobs",
                "--deadLetterTopic=projects/my-project/topics/roster-sync-dead-letters",
                "--jdbcUrl=jdbc:postgresql://10.0.0.5:5432/roster",
                "--jdbcPasswordSecretName=projects/my-project/secrets/roster-db-password/versions/latest",
                "--edlinkAppSecretSecretName=projects/my-project/secrets/edlink-app-secret/versions/latest",
                "--migrate=false")
            .withValidation()
            .as(SyncOptions.class);

    PipelineResult result = RosterSyncPipeline.run(options);

    assertThat(result, sameInstance(DataflowStandInRunner.SUBMITTED));
    assertThat(options.isStreaming(), is(true));
  }

  /**
   * Stands in for the DataflowRunner (its name makes the pipeline apply the Dataflow secret rules).
   */
  public static final class DataflowStandInRunner extends PipelineRunner<PipelineResult> {
    static final PipelineResult SUBMITTED = new RunningJob();

    public static DataflowStandInRunner fromOptions(PipelineOptions options) {
      return new DataflowStandInRunner();
    }

    @Override
    public PipelineResult run(Pipeline pipeline) {
      return SUBMITTED;
    }
  }

  /** A job that is still running; waiting on it is the failure under test. */
  static final class RunningJob implements PipelineResult {
    @Override
    public State getState() {
      return State.RUNNING;
    }

    @Override
    public State cancel() {
      throw new UnsupportedOperationException();
    }

    @Override
    public State waitUntilFinish(Duration duration) {
      throw new AssertionError("the template main waited for the job");
    }

    @Override
    public State waitUntilFinish() {
      throw new AssertionError("the template main waited for the job");
    }

    @Override
    public MetricResults metrics() {
      throw new UnsupportedOperationException();
    }
  }
}
