package org.rostersync.transforms;

import java.io.Serializable;
import org.apache.beam.sdk.transforms.display.DisplayData;

/**
 * How deletes are applied and when they are held. A delete wave larger than {@code
 * maxDeleteFraction} of a type's stored rows is held for an operator, except on types with fewer
 * than {@code minRowsGuarded} stored rows.
 */
public record DeletePolicy(Mode mode, double maxDeleteFraction, int minRowsGuarded)
    implements Serializable {
  public enum Mode {
    /** Remove the rows. */
    HARD,
    /** Keep the rows with {@code deleted_at} set; a record that comes back is restored. */
    SOFT
  }

  public DeletePolicy {
    if (maxDeleteFraction < 0 || maxDeleteFraction > 1) {
      throw new IllegalArgumentException(
          "maxDeleteFraction must be within 0..1, got " + maxDeleteFraction);
    }
    if (minRowsGuarded < 0) {
      throw new IllegalArgumentException("minRowsGuarded must be >= 0");
    }
  }

  /** {@link SyncDefaults#deletePolicy()}. */
  public static DeletePolicy defaults() {
    return SyncDefaults.deletePolicy();
  }

  /** Shows the policy in a transform's display data (the Dataflow UI). */
  void addTo(DisplayData.Builder builder) {
    builder
        .add(
            DisplayData.item("deleteMode", mode.name().toLowerCase(java.util.Locale.ROOT))
                .withLabel("Delete mode"))
        .add(
            DisplayData.item("maxDeleteFraction", maxDeleteFraction)
                .withLabel("Deletes held above this fraction of stored rows"))
        .add(
            DisplayData.item("deleteGuardMinRows", minRowsGuarded)
                .withLabel("Types with fewer stored rows are not guarded"));
  }

  /** Whether {@code deletes} out of {@code stored} rows must be held. */
  public boolean holds(long deletes, long stored, boolean approved) {
    if (approved || deletes == 0 || stored < minRowsGuarded) {
      return false;
    }
    return deletes > maxDeleteFraction * stored;
  }
}
