package org.rostersync.transforms;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Spreads the elements of one bundle over {@code buckets} keys in turn and reshuffles them, so they
 * are processed side by side. Unlike {@link Reshuffle#viaRandomKey()}, a handful of elements never
 * land on one key by chance, and unlike a key per element, hundreds of elements make at most {@code
 * buckets} bundles downstream.
 */
public final class SpreadEvenly<T> extends PTransform<PCollection<T>, PCollection<T>> {
  private final int buckets;

  private SpreadEvenly(int buckets) {
    this.buckets = buckets;
  }

  public static <T> SpreadEvenly<T> over(int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be at least 1: " + buckets);
    }
    return new SpreadEvenly<>(buckets);
  }

  @Override
  public PCollection<T> expand(PCollection<T> input) {
    return input
        .apply("KeyInTurn", ParDo.of(new KeyInTurnFn<T>(buckets)))
        .setCoder(KvCoder.of(VarIntCoder.of(), input.getCoder()))
        .apply("Reshuffle", Reshuffle.of())
        .apply("Values", Values.create());
  }

  /** Keys 0, 1, …, buckets - 1, 0, … in the order elements arrive at this instance. */
  static final class KeyInTurnFn<T> extends DoFn<T, KV<Integer, T>> {
    private final int buckets;
    private transient int next;

    KeyInTurnFn(int buckets) {
      this.buckets = buckets;
    }

    @ProcessElement
    public void process(@Element T element, OutputReceiver<KV<Integer, T>> out) {
      out.output(KV.of(next, element));
      next = (next + 1) % buckets;
    }
  }
}
