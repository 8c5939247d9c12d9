package org.rostersync.transforms;

import org.apache.beam.sdk.transforms.splittabledofn.RestrictionTracker;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;

/**
 * Tracks one call of {@link FetchRemainingPagesFn}: the call pages one stretch, then claims the
 * position after it before it emits anything. Only then may the runner checkpoint (the residual
 * starts at that position); before the claim a split is refused, so a stretch that takes longer
 * than the runner's checkpoint interval is never thrown away and fetched again. Runner-initiated
 * splits of the rest are refused too: paging is sequential, a cursor cannot be divided.
 */
final class PagingTracker extends RestrictionTracker<PagingPosition, PagingPosition> {
  private PagingPosition restriction;
  private PagingPosition claimed;
  private boolean checkpointed;

  PagingTracker(PagingPosition restriction) {
    this.restriction = restriction;
  }

  /** One claim per call: the position reached by the call's stretch of pages. */
  @Override
  public boolean tryClaim(PagingPosition reached) {
    if (claimed != null || checkpointed) {
      return false;
    }
    claimed = reached;
    return true;
  }

  @Override
  public PagingPosition currentRestriction() {
    return restriction;
  }

  @Override
  public SplitResult<PagingPosition> trySplit(double fractionOfRemainder) {
    if (fractionOfRemainder != 0 || claimed == null || claimed.finished() || checkpointed) {
      return null;
    }
    checkpointed = true;
    restriction = claimed.closed();
    return SplitResult.of(restriction, claimed);
  }

  @Override
  public void checkDone() throws IllegalStateException {
    if (claimed == null && !restriction.finished()) {
      throw new IllegalStateException("no stretch of pages was claimed from " + restriction);
    }
    if (claimed != null && !claimed.finished() && !checkpointed) {
      throw new IllegalStateException(
          "paging stopped at " + claimed + " without a checkpoint to resume from");
    }
  }

  @Override
  public IsBounded isBounded() {
    return IsBounded.BOUNDED;
  }
}
