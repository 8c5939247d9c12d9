package org.rostersync.transforms;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Distinct;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.Keys;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;

class SpreadEvenlyTest {
  private static Pipeline pipeline() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    return Pipeline.create(options);
  }

  @Test
  void everyElementComesThroughOnceUnchanged() {
    Pipeline p = pipeline();
    List<String> in = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      in.add("job-" + i);
    }
    PCollection<String> out =
        p.apply(Create.of(in).withCoder(StringUtf8Coder.of())).apply(SpreadEvenly.<String>over(16));
    PAssert.that(out).containsInAnyOrder(in);
    p.run().waitUntilFinish();
  }

  @Test
  void elementsOfOneBundleTakeTheKeysInTurn() {
    Pipeline p = pipeline();
    // One element holding five jobs, so they reach the keying step in one bundle, as ExpandJobs
    // emits a fleet.
    PCollection<Integer> keys =
        p.apply(Create.of(5))
            .apply(
                FlatMapElements.into(TypeDescriptors.strings())
                    .via(
                        (Integer n) -> {
                          List<String> jobs = new ArrayList<>();
                          for (int i = 0; i < n; i++) {
                            jobs.add("job-" + i);
                          }
                          return jobs;
                        }))
            .apply(ParDo.of(new SpreadEvenly.KeyInTurnFn<String>(3)))
            .apply(Keys.<Integer>create())
            .apply(Distinct.create());
    // Five elements over three keys in turn use all three; at random they often would not.
    PAssert.that(keys).containsInAnyOrder(0, 1, 2);
    p.run().waitUntilFinish();
  }

  @Test
  void refusesFewerThanOneBucket() {
    assertThrows(IllegalArgumentException.class, () -> SpreadEvenly.over(0));
  }
}
