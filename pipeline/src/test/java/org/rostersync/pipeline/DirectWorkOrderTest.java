package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.PriorityBlockingQueue;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;

/**
 * The ranks and queue order of {@link DirectWorkOrder}; {@code DirectDriverPacingTest} runs it in
 * the DirectRunner, where the agent puts it in place.
 */
class DirectWorkOrderTest {

  @Test
  void stepsRankInTheOrderDataFlowsThroughThem() {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply("Numbers", Create.of(1, 2, 3))
        .apply("Double", MapElements.into(TypeDescriptors.integers()).via((Integer x) -> 2 * x))
        .apply("Total", Sum.integersGlobally());
    DirectWorkOrder.rankSteps(p);
    Map<String, Integer> ranks = DirectWorkOrder.ranks();
    int numbers = DirectWorkOrder.rankOfName("Numbers", ranks);
    int doubled = DirectWorkOrder.rankOfName("Double", ranks);
    int total = DirectWorkOrder.rankOfName("Total", ranks);
    assertThat(ranks.toString(), doubled, greaterThan(numbers));
    assertThat(ranks.toString(), total, greaterThan(doubled));
    // A step the runner put below a ranked one takes the closest rank above it.
    assertThat(
        DirectWorkOrder.rankOfName("Double/Map/ParMultiDo(Anonymous)/Expanded", ranks),
        is(ranks.get("Double/Map/ParMultiDo(Anonymous)")));
    // A name the walk never saw ranks first in, first out with the lowest.
    assertThat(DirectWorkOrder.rankOfName("Unknown/Step", ranks), is(0));
  }

  @Test
  void theQueueHandsOutHigherRanksFirstAndEqualRanksInTheirOrder() {
    List<String> ran = new ArrayList<>();
    PriorityBlockingQueue<DirectWorkOrder.Ranked<?>> queue = new PriorityBlockingQueue<>();
    String[] names = {"fetch 1", "fetch 2", "join", "driver", "fetch 3", "write", "join 2"};
    int[] ranks = {3, 3, 9, Integer.MAX_VALUE, 3, 12, 9};
    for (int i = 0; i < names.length; i++) {
      String name = names[i];
      queue.add(new DirectWorkOrder.Ranked<>(() -> ran.add(name), null, ranks[i], i));
    }
    while (!queue.isEmpty()) {
      queue.poll().run();
    }
    assertThat(ran, contains("driver", "write", "join", "join 2", "fetch 1", "fetch 2", "fetch 3"));
  }

  @Test
  void aThreadKeepsNoEncodingBufferFromOneBundleToTheNext() throws Exception {
    assertThat(DirectWorkOrder.EncodingBuffers.found(), is(true));
    ExecutorService pool = DirectWorkOrder.newFixedThreadPool(1, Executors.defaultThreadFactory());
    try {
      // A bundle that encodes a 2 MB element, as a join's copied bag does.
      pool.submit(() -> CoderUtils.encodeToByteArray(ByteArrayCoder.of(), new byte[2 << 20])).get();
      // The next bundle on the same thread finds no buffer left for CoderUtils to reuse.
      Object kept = pool.submit(() -> threadLocalBuffer().get()).get();
      assertThat(String.valueOf(kept), kept == null, is(true));
    } finally {
      pool.shutdownNow();
    }
  }

  private static ThreadLocal<?> threadLocalBuffer() throws ReflectiveOperationException {
    Field f = CoderUtils.class.getDeclaredField("threadLocalOutputStream");
    f.setAccessible(true);
    return (ThreadLocal<?>) f.get(null);
  }

  @Test
  void workThatIsNotAStepsBundleRanksFirst() {
    assertThat(DirectWorkOrder.rankOf(() -> {}), is(Integer.MAX_VALUE));
  }
}
