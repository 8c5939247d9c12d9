package org.rostersync.transforms;

import java.io.Serializable;

/**
 * A secret that is resolved on the worker, so that a pipeline graph never has to carry it in plain
 * text on Dataflow. {@link #toString()} never shows the value.
 */
public interface SecretRef extends Serializable {
  String resolve();

  /**
   * The current value, read again from its source (after the server refused the cached one: the
   * secret may have been rotated). Sources that cannot change return {@link #resolve()}.
   */
  default String refresh() {
    return resolve();
  }

  /** A secret given directly (local runs only). */
  static SecretRef plain(String value) {
    return new Plain(value);
  }

  /** A value read from an environment variable of the worker. */
  static SecretRef env(String variable) {
    return new Env(variable);
  }

  /** A plain value kept out of every {@code toString}. */
  final class Plain implements SecretRef {
    private final String value;

    Plain(String value) {
      this.value = value;
    }

    @Override
    public String resolve() {
      return value;
    }

    @Override
    public String toString() {
      return value == null ? "SecretRef(none)" : "SecretRef(****)";
    }
  }

  /** Reads an environment variable when resolved. */
  final class Env implements SecretRef {
    private final String variable;

    Env(String variable) {
      this.variable = variable;
    }

    @Override
    public String resolve() {
      return System.getenv(variable);
    }

    @Override
    public String toString() {
      return "SecretRef(env:" + variable + ")";
    }
  }
}
