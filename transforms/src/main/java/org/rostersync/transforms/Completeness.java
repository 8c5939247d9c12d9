package org.rostersync.transforms;

import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.joda.time.Duration;

/**
 * Data-driven completeness instead of watermarks. Every join key gets exactly one remote and one
 * stored element, so a group fires the moment it holds two, in batch and in streaming alike,
 * without waiting for a watermark that a sparse Pub/Sub queue never advances, and without one slow
 * integration holding back the others.
 */
public final class Completeness {
  private Completeness() {}

  /** For both inputs of the join: fire each key's pane once it holds both sides. */
  public static <T> Window<T> firesWhenBothSidesArrived() {
    return Window.<T>into(new GlobalWindows())
        .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(2)))
        .discardingFiredPanes()
        .withAllowedLateness(Duration.ZERO)
        .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY);
  }

  /**
   * For per-element bookkeeping streams (state does the counting): pass every element on at once.
   */
  public static <T> Window<T> everyElement() {
    return Window.<T>into(new GlobalWindows())
        .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1)))
        .discardingFiredPanes()
        .withAllowedLateness(Duration.ZERO)
        .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY);
  }
}
