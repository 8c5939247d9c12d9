package org.rostersync.transforms;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The join fires per key as soon as both sides arrived, in an early pane, while the watermark has
 * not moved: a sparse Pub/Sub queue cannot hold a job back, and a half-arrived group never fires
 * before the end of time.
 */
class CompletenessTest {
  private static final TupleTag<String> REMOTE = new TupleTag<>("remote") {};
  private static final TupleTag<String> STORED = new TupleTag<>("stored") {};

  @Test
  void groupsFireWhenBothSidesArriveWithoutAWatermark() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    Pipeline p = Pipeline.create(options);
    KvCoder<String, String> coder = KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of());
    Instant t0 = new Instant(0);

    // The small job's two sides arrive; the large job's local side is still being read. The
    // watermark stays put.
    PCollection<KV<String, String>> remote =
        p.apply(
            "Remote",
            TestStream.create(coder)
                .addElements(TimestampedValue.of(KV.of("small#0", "r-small"), t0))
                .addElements(TimestampedValue.of(KV.of("large#0", "r-large"), t0))
                .advanceProcessingTime(Duration.standardMinutes(10))
                .advanceWatermarkToInfinity());
    PCollection<KV<String, String>> stored =
        p.apply(
            "Stored",
            TestStream.create(coder)
                .addElements(TimestampedValue.of(KV.of("small#0", "s-small"), t0))
                .advanceProcessingTime(Duration.standardMinutes(10))
                .advanceWatermarkToInfinity());

    PCollection<String> fired =
        KeyedPCollectionTuple.of(
                REMOTE,
                remote.apply("WR", Completeness.<KV<String, String>>firesWhenBothSidesArrived()))
            .and(
                STORED,
                stored.apply("WS", Completeness.<KV<String, String>>firesWhenBothSidesArrived()))
            .apply(CoGroupByKey.create())
            .apply(
                MapElements.into(TypeDescriptors.strings())
                    .via(
                        (KV<String, CoGbkResult> kv) -> {
                          List<String> parts = new ArrayList<>();
                          kv.getValue().getAll(REMOTE).forEach(parts::add);
                          kv.getValue().getAll(STORED).forEach(parts::add);
                          return kv.getKey() + "=" + String.join("+", parts);
                        }));

    // Complete groups fire early, before any watermark; the incomplete one only at the end of time,
    // alone.
    PAssert.that(fired)
        .inEarlyPane(GlobalWindow.INSTANCE)
        .containsInAnyOrder("small#0=r-small+s-small");
    PAssert.that(fired).inOnTimePane(GlobalWindow.INSTANCE).containsInAnyOrder("large#0=r-large");
    p.run().waitUntilFinish();
  }
}
