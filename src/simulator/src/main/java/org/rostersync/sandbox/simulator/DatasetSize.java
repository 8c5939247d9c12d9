package org.rostersync.sandbox.simulator;

import java.util.Locale;

/**
 * How much roster data one simulated integration holds. The other types' counts derive from these
 * three.
 */
public final class DatasetSize {
  /** 1 district, 2 schools, 10 people, 4 classes, 20 enrollments. */
  public static final DatasetSize TINY = new DatasetSize("tiny", 10, 4, 20);

  /** One small district. */
  public static final DatasetSize SMALL = new DatasetSize("small", 500, 40, 2_000);

  public static final DatasetSize MEDIUM = new DatasetSize("medium", 20_000, 1_000, 100_000);

  /** A large district (2.5 times medium): the big member of a mixed fleet. */
  public static final DatasetSize LARGEISH = new DatasetSize("largeish", 50_000, 2_500, 250_000);

  /** A single large university. */
  public static final DatasetSize LARGE = new DatasetSize("large", 200_000, 10_000, 1_000_000);

  private final String name;
  private final int people;
  private final int classes;
  private final int enrollments;

  private DatasetSize(String name, int people, int classes, int enrollments) {
    if (people < 4 || classes < 1 || enrollments < classes) {
      throw new IllegalArgumentException(
          "need people >= 4, classes >= 1 and enrollments >= classes (one teacher per class)");
    }
    this.name = name;
    this.people = people;
    this.classes = classes;
    this.enrollments = enrollments;
  }

  public static DatasetSize of(String name, int people, int classes, int enrollments) {
    return new DatasetSize(name, people, classes, enrollments);
  }

  /** Parses tiny|small|medium|largeish|large (case-insensitive). */
  public static DatasetSize named(String name) {
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "tiny":
        return TINY;
      case "small":
        return SMALL;
      case "medium":
        return MEDIUM;
      case "largeish":
        return LARGEISH;
      case "large":
        return LARGE;
      default:
        throw new IllegalArgumentException(
            "unknown size '" + name + "'; expected tiny|small|medium|largeish|large");
    }
  }

  public String name() {
    return name;
  }

  public int people() {
    return people;
  }

  public int classes() {
    return classes;
  }

  public int enrollments() {
    return enrollments;
  }

  @Override
  public String toString() {
    return name
        + "(people="
        + people
        + ", classes="
        + classes
        + ", enrollments="
        + enrollments
        + ")";
  }
}
