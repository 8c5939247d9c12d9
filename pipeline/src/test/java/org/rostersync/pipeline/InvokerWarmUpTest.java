package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.jupiter.api.Test;

/** The invokers of a pipeline's steps are made before the runner asks for them. */
class InvokerWarmUpTest {
  @Test
  void theWarmUpMakesTheInvokerOfEveryStep() throws Exception {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.of(1, 2)).apply(ParDo.of(new FirstFn())).apply(ParDo.of(new SecondFn()));
    // Beam names the class it makes for a DoFn class after it; no other test makes these two.
    assertThat(made(FirstFn.class), is(false));
    assertThat(made(SecondFn.class), is(false));

    Thread warmUp = InvokerWarmUp.start(p);
    warmUp.join(60_000);

    assertThat(warmUp.isAlive(), is(false));
    assertThat(made(FirstFn.class), is(true));
    assertThat(made(SecondFn.class), is(true));
  }

  @Test
  void itFindsTheDoFnsOfTheSync() {
    SyncOptions options =
        PipelineOptionsFactory.fromArgs(
                "--jdbcUrl=jdbc:postgresql://localhost/roster",
                "--jdbcPassword=x",
                "--edlinkAppSecret=y",
                "--allIntegrations=true")
            .as(SyncOptions.class);
    Pipeline p = Pipeline.create(options);
    RosterSyncPipeline.build(p, options);
    List<DoFn<?, ?>> fns = InvokerWarmUp.doFnsOf(p);
    Set<String> names =
        fns.stream().map(fn -> fn.getClass().getSimpleName()).collect(Collectors.toSet());
    assertThat(fns.size(), greaterThanOrEqualTo(20));
    assertThat(names, hasItems("FetchEntitiesFn", "ClassifyChangesFn", "WriteRowsFn"));
  }

  private static boolean made(Class<?> fnClass) {
    try {
      Class.forName(fnClass.getName() + "$DoFnInvoker", false, fnClass.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  static final class FirstFn extends DoFn<Integer, Integer> {
    @ProcessElement
    public void process(@Element Integer x, OutputReceiver<Integer> out) {
      out.output(x + 1);
    }
  }

  static final class SecondFn extends DoFn<Integer, String> {
    @ProcessElement
    public void process(@Element Integer x, OutputReceiver<String> out) {
      out.output(String.valueOf(x));
    }
  }
}
