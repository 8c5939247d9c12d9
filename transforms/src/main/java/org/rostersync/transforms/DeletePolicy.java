package org.rostersync.transforms;

import java.io.Serializable;

/**
 * How deletes are applied and when they are held. A delete wave larger than {@code maxDeleteFraction} of a type's
 * stored rows is held for an operator, except on types with fewer than {@code minRowsGuarded} stored rows.
 */
public record DeletePolicy(Mode mode, double maxDeleteFraction, int minRowsGuarded) implements Serializable {
  public enum Mode {
    /** Remove the rows. */
    HARD,
    /** Keep the rows with {@code deleted_at} set; a record that comes back is restored. */
    SOFT
  }

  public DeletePolicy {
    if (maxDeleteFraction < 0 || maxDeleteFraction > 1) {
      throw new IllegalArgumentException("maxDeleteFraction must be within 0..1, got " + maxDeleteFraction);
    }
    if (minRowsGuarded < 0) {
      throw new IllegalArgumentException("minRowsGuarded must be >= 0");
    }
  }

  public static DeletePolicy defaults() {
    return new DeletePolicy(Mode.HARD, 0.10, 50);
  }

  /** Whether {@code deletes} out of {@code stored} rows must be held. */
  public boolean holds(long deletes, long stored, boolean approved) {
    if (approved || deletes == 0 || stored < minRowsGuarded) {
      return false;
    }
    return deletes > maxDeleteFraction * stored;
  }
}
