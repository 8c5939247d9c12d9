package org.rostersync.transforms;

import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.values.KV;
import org.rostersync.edlink.EdlinkException;

/**
 * Pages the rest of a spilled type, one stretch of about {@code bytesPerElement} per call, as a
 * splittable DoFn whose restriction is the {@link PagingPosition}: each call claims the position
 * its stretch reached, emits the stretch's pieces and returns {@code resume()}, so the runner
 * commits that output with the position and the next stretch is a new work item. At the end it
 * sends every shard its end marker and the type's {@link TypeFetched}; on a failure it sends every
 * shard an abort marker (the assembler drops what it holds) and the type's failure.
 */
@DoFn.BoundedPerElement
final class FetchRemainingPagesFn
    extends EdlinkClientFn<KV<TypeTask, PagingPosition>, KV<ShardKey, SpilledPart>> {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(FetchRemainingPagesFn.class);

  private final long bytesPerElement;

  FetchRemainingPagesFn(EdlinkConfig edlink, long bytesPerElement) {
    super(edlink);
    this.bytesPerElement = bytesPerElement;
  }

  @GetInitialRestriction
  public PagingPosition initialRestriction(@Element KV<TypeTask, PagingPosition> element) {
    return element.getValue();
  }

  @NewTracker
  public PagingTracker newTracker(@Restriction PagingPosition restriction) {
    return new PagingTracker(restriction);
  }

  @GetRestrictionCoder
  public Coder<PagingPosition> restrictionCoder() {
    return PagingPosition.Coder.of();
  }

  @GetSize
  public double size(@Restriction PagingPosition restriction) {
    // Unknown until the last page; a constant keeps runners from guessing splits we refuse anyway.
    return restriction.finished() ? 0 : 1;
  }

  @ProcessElement
  public ProcessContinuation process(
      @Element KV<TypeTask, PagingPosition> element,
      RestrictionTracker<PagingPosition, PagingPosition> tracker,
      MultiOutputReceiver out) {
    TypeTask task = element.getKey();
    PagingPosition at = tracker.currentRestriction();
    if (at.finished()) {
      return ProcessContinuation.stop();
    }
    FetchEntities.PageBatch batch;
    int[] pieces = at.pieces();
    List<KV<ShardKey, SpilledPart>> parts;
    try {
      batch =
          withIntegrationToken(
              task.job().integrationId(),
              integration ->
                  FetchEntities.PageBatch.fetch(
                      client,
                      integration.accessToken(),
                      task,
                      at.resumeFrom(),
                      bytesPerElement,
                      Long.MAX_VALUE));
      parts = FetchEntities.piecesOf(task, batch.records(), pieces, at.scheme());
    } catch (EdlinkException e) {
      abort(task, at, e.describe(), tracker, out);
      return ProcessContinuation.stop();
    } catch (FetchEntities.BadRecordException e) {
      abort(task, at, e.getMessage(), tracker, out);
      return ProcessContinuation.stop();
    } catch (RuntimeException e) {
      // A defect, not bad data: the runner retries the call from the same position.
      LOG.error(
          "paging {} of run {} failed unexpectedly", task.type().path(), task.job().runId(), e);
      throw e;
    }
    PagingPosition reached = at.after(batch, pieces);
    if (!tracker.tryClaim(reached)) {
      return ProcessContinuation.stop();
    }
    FetchEntities.emit(parts, batch, out);
    if (!reached.finished()) {
      return ProcessContinuation.resume();
    }
    FetchSummary summary = reached.summary(System.currentTimeMillis());
    sendEnds(task, reached, summary, out);
    SyncMetrics.JOIN_GROUPS.inc(reached.shardCount());
    SyncJob job = task.job();
    out.get(FetchEntities.COMPLETE)
        .output(
            new TypeFetched(
                job.runId(),
                job.integrationId(),
                task.type(),
                reached.shardCount(),
                reached.scheme()));
    return ProcessContinuation.stop();
  }

  /** The fetch failed: every shard drops its pieces, and the type fails with the reason. */
  private static void abort(
      TypeTask task,
      PagingPosition at,
      String reason,
      RestrictionTracker<PagingPosition, PagingPosition> tracker,
      MultiOutputReceiver out) {
    if (!tracker.tryClaim(at.closed())) {
      return;
    }
    sendEnds(task, at, null, out);
    FetchEntities.FetchEntitiesFn.fail(out, task, at.summary(System.currentTimeMillis()), reason);
  }

  /** One end marker per shard: how many pieces it was sent; {@code summary} null aborts. */
  private static void sendEnds(
      TypeTask task, PagingPosition at, FetchSummary summary, MultiOutputReceiver out) {
    SyncJob job = task.job();
    int[] pieces = at.pieces();
    for (int s = 0; s < pieces.length; s++) {
      out.get(FetchEntities.SPILLED)
          .output(
              KV.of(
                  new ShardKey(
                          job.runId(),
                          job.integrationId(),
                          task.type(),
                          s,
                          pieces.length,
                          at.scheme())
                      .withoutRun(),
                  SpilledPart.end(job, pieces[s], summary)));
    }
  }
}
