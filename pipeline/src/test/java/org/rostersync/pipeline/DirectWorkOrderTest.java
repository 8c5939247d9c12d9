package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.PriorityBlockingQueue;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Sum;
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
    PriorityBlockingQueue<DirectWorkOrder.Ranked<?>> queue = new PriorityBlockingQueue<>();
    long seq = 0;
    queue.add(ranked("fetch 1", 3, seq++));
    queue.add(ranked("fetch 2", 3, seq++));
    queue.add(ranked("join", 9, seq++));
    queue.add(ranked("driver", Integer.MAX_VALUE, seq++));
    queue.add(ranked("fetch 3", 3, seq++));
    queue.add(ranked("write", 12, seq++));
    queue.add(ranked("join 2", 9, seq++));
    List<String> order = new ArrayList<>();
    while (!queue.isEmpty()) {
      DirectWorkOrder.Ranked<?> next = queue.poll();
      next.run();
      order.add(NAMES.get(NAMES.size() - 1));
    }
    assertThat(
        order, contains("driver", "write", "join", "join 2", "fetch 1", "fetch 2", "fetch 3"));
  }

  @Test
  void workThatIsNotAStepsBundleRanksFirst() {
    assertThat(DirectWorkOrder.rankOf(() -> {}), is(Integer.MAX_VALUE));
  }

  private static final List<String> NAMES = new ArrayList<>();

  private static DirectWorkOrder.Ranked<?> ranked(String name, int rank, long seq) {
    return new DirectWorkOrder.Ranked<>(() -> NAMES.add(name), null, rank, seq);
  }
}
