package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DirectRunner's driver, with and without the pacing agent, in a JVM of its own (as {@code java
 * -jar} loads it): a pipeline whose only work is waiting. Unpaced, the driver turns many thousand
 * times a second; paced, at most about once per pause, a bundle that finishes wakes it from its
 * pause, and the pipeline's result is the same.
 */
class DirectDriverPacingTest {
  private static final int ELEMENT = 7;
  private static final long SLEEP_MS = 1_500;

  /** Steps after the long wait, each a bundle of one element that waits 20 ms. */
  private static final int CHAIN = 20;

  /** Bundles of one element each that wait {@value #QUEUED_SLEEP_MS} ms, on two runner threads. */
  private static final int QUEUED = 40;

  private static final long QUEUED_SLEEP_MS = 100;
  private static final int QUEUE_THREADS = 2;

  @TempDir Path dir;

  @Test
  void thePacedDriverTurnsAtMostOncePerPauseAndTheResultIsTheSame() throws Exception {
    Map<String, Long> unpaced = runProbe(0);
    Map<String, Long> paced = runProbe(DirectDriverPacing.DEFAULT_PAUSE_MICROS);

    long expectedSum = 2L * ELEMENT;
    for (Map<String, Long> run : List.of(unpaced, paced)) {
      assertThat(run.toString(), run.get("installed"), is(1L));
      // The bytes rewritten ahead, on their own thread, were the ones loaded.
      assertThat(run.toString(), run.get("prepared"), is(1L));
      assertThat(run.toString(), run.get("sum"), is(expectedSum));
      assertThat(run.toString(), run.get("turns"), greaterThan(0L));
    }
    assertThat(unpaced.toString(), unpaced.get("pauses"), is(0L));
    assertThat(unpaced.toString(), unpaced.get("woken"), is(0L));
    assertThat(paced.toString(), paced.get("pauses"), greaterThan(0L));
    assertThat(paced.toString(), paced.get("wakes"), is(1L));
    // The chain's short bundles each finish while the driver pauses, and wake it: a finished
    // bundle does not wait out the pause.
    assertThat(paced.toString(), paced.get("woken"), greaterThanOrEqualTo((long) CHAIN / 2));

    // At most one turn per 5 ms pause, plus the turns that found a finished bundle waiting.
    double pacedPerSecond = paced.get("turns") * 1000.0 / paced.get("millis");
    assertThat(paced.toString(), pacedPerSecond, lessThan(1_000.0));
    // Unpaced, the same wait is spent turning: several times as often.
    double unpacedPerSecond = unpaced.get("turns") * 1000.0 / unpaced.get("millis");
    assertThat(unpaced + " against " + paced, unpacedPerSecond, greaterThan(3 * pacedPerSecond));
  }

  /**
   * Two steps: the first's {@value #QUEUED} bundles each wait, the second's run at once. In Beam's
   * order the second step's first bundle (and the driver that hands it on) waits behind the first
   * step's queue; with later steps first it runs as soon as the first bundles finish.
   */
  @Test
  void laterStepsTakeTheRunnersThreadsBeforeQueuedEarlierOnes() throws Exception {
    Map<String, Long> fifo =
        runProbe(DirectDriverPacing.DEFAULT_PAUSE_MICROS, "queue", DirectWorkOrder.FIFO);
    Map<String, Long> ordered =
        runProbe(DirectDriverPacing.DEFAULT_PAUSE_MICROS, "queue", "later-first");

    System.out.println("Beam's order: " + fifo + "; later steps first: " + ordered);
    long expectedSum = (long) QUEUED * (QUEUED - 1) / 2;
    for (Map<String, Long> run : List.of(fifo, ordered)) {
      assertThat(run.toString(), run.get("installed"), is(1L));
      assertThat(run.toString(), run.get("sum"), is(expectedSum));
      assertThat(run.toString(), run.get("seen"), is((long) QUEUED));
    }
    assertThat(fifo.toString(), fifo.get("ordered"), is(0L));
    assertThat(ordered.toString(), ordered.get("ordered"), is(1L));
    // Beam's order: many of the first step's bundles (12 to 26 of 40 in three runs) had started
    // before the second step's first.
    assertThat(fifo.toString(), fifo.get("startedBeforeNext"), greaterThan(4L * QUEUE_THREADS));
    // Later steps first: a few, those the two threads took while the first bundle was handed on.
    assertThat(
        ordered.toString(),
        ordered.get("startedBeforeNext"),
        lessThanOrEqualTo(2L * QUEUE_THREADS));
  }

  @Test
  void aNegativePauseIsRefused() throws Exception {
    List<String> cmd = command(-1);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS), is(true));
    assertThat(out, p.exitValue(), greaterThan(0));
    assertThat(out, containsString(DirectDriverPacing.PAUSE_PROPERTY + " must be >= 0"));
  }

  private Map<String, Long> runProbe(long pauseMicros) throws Exception {
    return runProbe(pauseMicros, "chain", "later-first");
  }

  private Map<String, Long> runProbe(long pauseMicros, String pipeline, String order)
      throws Exception {
    List<String> cmd = command(pauseMicros);
    cmd.add(1, "-D" + DirectWorkOrder.ORDER_PROPERTY + "=" + order);
    cmd.add(pipeline);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS), is(true));
    assertThat(out, p.exitValue(), is(0));
    Map<String, Long> values = new HashMap<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("probe ")) {
        for (String pair : line.substring("probe ".length()).trim().split(" ")) {
          String[] kv = pair.split("=");
          values.put(kv[0], Long.parseLong(kv[1]));
        }
      }
    }
    assertThat(out, values.containsKey("turns"), is(true));
    return values;
  }

  private List<String> command(long pauseMicros) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-javaagent:" + agentJar());
    cmd.add("-D" + DirectDriverPacing.PAUSE_PROPERTY + "=" + pauseMicros);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Probe.class.getName());
    return cmd;
  }

  /** A jar that is only a manifest naming the agent; its classes come from the class path. */
  private Path agentJar() throws IOException {
    Path jar = dir.resolve("agent.jar");
    if (!Files.exists(jar)) {
      Manifest manifest = new Manifest();
      manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
      manifest
          .getMainAttributes()
          .put(new Attributes.Name("Premain-Class"), DirectDriverPacing.class.getName());
      try (OutputStream out = Files.newOutputStream(jar);
          JarOutputStream unused = new JarOutputStream(out, manifest)) {
        // The manifest is all there is.
      }
    }
    return jar;
  }

  /** The child JVM: a pipeline on the DirectRunner whose elements each wait a while. */
  public static final class Probe {
    static final AtomicLong SUM = new AtomicLong();
    static final AtomicLong STARTED = new AtomicLong();
    static final AtomicLong SEEN = new AtomicLong();
    static final AtomicLong STARTED_BEFORE_NEXT = new AtomicLong(-1);

    public static void main(String[] args) {
      if (args.length > 0 && args[0].equals("queue")) {
        queue();
        return;
      }
      // One element, one bundle: the runner's other threads are idle, free to run the driver.
      DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
      options.setRunner(DirectRunner.class);
      options.setTargetParallelism(4);
      Pipeline p = Pipeline.create(options);
      PCollection<Integer> waited = p.apply(Create.of(ELEMENT)).apply(ParDo.of(new WaitFn()));
      for (int i = 0; i < CHAIN; i++) {
        waited = waited.apply("Chain" + i, ParDo.of(new ShortWaitFn()));
      }
      DirectDriverPacing.prepare(); // as RosterSyncPipeline.main does
      DirectDriverPacing.pace(); // as RosterSyncPipeline.run does
      long start = System.nanoTime();
      p.run().waitUntilFinish();
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      System.out.println(
          "probe installed="
              + (DirectDriverPacing.installed() ? 1 : 0)
              + " prepared="
              + (DirectDriverPacing.pacedFromPrepared() ? 1 : 0)
              + " turns="
              + DirectDriverPacing.turns()
              + " pauses="
              + DirectDriverPacing.pauses()
              + " wakes="
              + (DirectDriverPacing.wakes() ? 1 : 0)
              + " woken="
              + DirectDriverPacing.woken()
              + " millis="
              + millis
              + " sum="
              + SUM.get());
    }
  }

  /** {@link #QUEUED} bundles of {@link QueuedWaitFn}, then {@link NextFn}; prints what it saw. */
  static void queue() {
    DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
    options.setRunner(DirectRunner.class);
    options.setTargetParallelism(QUEUE_THREADS);
    Pipeline p = Pipeline.create(options);
    List<Integer> elements = new ArrayList<>();
    for (int i = 0; i < QUEUED; i++) {
      elements.add(i);
    }
    p.apply(Create.of(elements))
        .apply(WithKeys.of((Integer x) -> x).withKeyType(TypeDescriptors.integers()))
        // One bundle per key: the first step's bundles queue up on the two threads.
        .apply(Reshuffle.of())
        .apply(Values.create())
        .apply("Waits", ParDo.of(new QueuedWaitFn()))
        .apply("Next", ParDo.of(new NextFn()));
    DirectDriverPacing.prepare();
    DirectDriverPacing.pace();
    DirectWorkOrder.rankSteps(p); // as RosterSyncPipeline.run does
    p.run().waitUntilFinish();
    System.out.println(
        "probe installed="
            + (DirectDriverPacing.ordersWork() ? 1 : 0)
            + " ordered="
            + (DirectWorkOrder.inUse() ? 1 : 0)
            + " turns="
            + DirectDriverPacing.turns()
            + " startedBeforeNext="
            + Probe.STARTED_BEFORE_NEXT.get()
            + " seen="
            + Probe.SEEN.get()
            + " sum="
            + Probe.SUM.get());
  }

  static final class QueuedWaitFn extends DoFn<Integer, Integer> {
    @ProcessElement
    public void process(@Element Integer x, OutputReceiver<Integer> out)
        throws InterruptedException {
      Probe.STARTED.incrementAndGet();
      Thread.sleep(QUEUED_SLEEP_MS);
      out.output(x);
    }
  }

  static final class NextFn extends DoFn<Integer, Integer> {
    @ProcessElement
    public void process(@Element Integer x, OutputReceiver<Integer> out) {
      Probe.STARTED_BEFORE_NEXT.compareAndSet(-1, Probe.STARTED.get());
      Probe.SEEN.incrementAndGet();
      Probe.SUM.addAndGet(x);
      out.output(x);
    }
  }

  static final class ShortWaitFn extends DoFn<Integer, Integer> {
    @ProcessElement
    public void process(@Element Integer x, OutputReceiver<Integer> out)
        throws InterruptedException {
      Thread.sleep(20);
      out.output(x);
    }
  }

  static final class WaitFn extends DoFn<Integer, Integer> {
    @ProcessElement
    public void process(@Element Integer x, OutputReceiver<Integer> out)
        throws InterruptedException {
      Thread.sleep(SLEEP_MS);
      Probe.SUM.addAndGet(2L * x);
      out.output(2 * x);
    }
  }
}
