package org.rostersync.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.reflect.DoFnInvokers;

/**
 * Makes the DoFn invokers of a pipeline's steps on a thread of its own while the DirectRunner sets
 * itself up. Beam generates a class per DoFn class (Byte Buddy) the first time the step runs, on
 * the runner's thread; the 28 steps of a sync took 0.43–0.47 s of that under the fast compiler,
 * most of it on the way of the first job. Beam keeps one generated class per DoFn class, so the
 * runner then finds them made; a step whose invoker is still being made waits for it rather than
 * making it twice.
 */
final class InvokerWarmUp {
  private InvokerWarmUp() {}

  /** Starts making the invokers of {@code pipeline}'s ParDos, in the order the steps run. */
  static Thread start(Pipeline pipeline) {
    List<DoFn<?, ?>> fns = doFnsOf(pipeline);
    Thread thread =
        new Thread(
            () -> {
              for (DoFn<?, ?> fn : fns) {
                try {
                  DoFnInvokers.invokerFor(fn);
                } catch (RuntimeException | LinkageError e) {
                  // The runner makes this one itself, and reports what is wrong with it.
                }
              }
            },
            "roster-sync-invoker-warm-up");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  static List<DoFn<?, ?>> doFnsOf(Pipeline pipeline) {
    List<DoFn<?, ?>> fns = new ArrayList<>();
    pipeline.traverseTopologically(
        new Pipeline.PipelineVisitor.Defaults() {
          @Override
          public void visitPrimitiveTransform(TransformHierarchy.Node node) {
            PTransform<?, ?> transform = node.getTransform();
            if (transform instanceof ParDo.MultiOutput<?, ?> parDo) {
              fns.add(parDo.getFn());
            } else if (transform instanceof ParDo.SingleOutput<?, ?> parDo) {
              fns.add(parDo.getFn());
            }
          }
        });
    return fns;
  }
}
