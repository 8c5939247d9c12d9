package org.rostersync.edlink;

/**
 * One integration as the Meta API lists it. {@link #toString()} never shows the access token.
 *
 * @param status v1 {@code status} or, when absent, v2 {@code state} (e.g. active, paused, disabled)
 */
public record Integration(
    String id,
    String status,
    String regionId,
    String sourceName,
    String teamName,
    String accessToken) {

  /** Graph calls work while an integration is active or paused. */
  public boolean isActive() {
    return "active".equals(status);
  }

  @Override
  public String toString() {
    return "Integration{id="
        + id
        + ", status="
        + status
        + ", regionId="
        + regionId
        + ", source="
        + sourceName
        + ", team="
        + teamName
        + "}";
  }
}
