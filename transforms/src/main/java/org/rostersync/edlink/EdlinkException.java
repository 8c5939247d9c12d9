package org.rostersync.edlink;

import java.util.List;

/** A failed Edlink call, with the HTTP status, Edlink's error codes and the {@code $request} id. */
public class EdlinkException extends Exception {
  private final int httpStatus;
  private final List<String> codes;
  private final String requestId;

  public EdlinkException(
      String message, int httpStatus, List<String> codes, String requestId, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.codes = codes == null ? List.of() : List.copyOf(codes);
    this.requestId = requestId;
  }

  /** HTTP status, or 0 when no response arrived (I/O error, deadline). */
  public int httpStatus() {
    return httpStatus;
  }

  /** Codes from {@code $errors}, e.g. {@code INVALID_INTEGRATION_STATE}; empty if none. */
  public List<String> codes() {
    return codes;
  }

  /** The first error code, or null. */
  public String code() {
    return codes.isEmpty() ? null : codes.get(0);
  }

  /** Edlink's {@code $request} id, or null. */
  public String requestId() {
    return requestId;
  }

  /**
   * One line for a run's outcome: HTTP status (or unreachable), error codes, message and request
   * id.
   */
  public String describe() {
    StringBuilder sb = new StringBuilder("Edlink ");
    sb.append(httpStatus == 0 ? "unreachable" : "HTTP " + httpStatus);
    if (!codes.isEmpty()) {
      sb.append(' ').append(String.join(",", codes));
    }
    sb.append(": ").append(getMessage());
    if (requestId != null) {
      sb.append(" (request ").append(requestId).append(')');
    }
    return sb.toString();
  }
}
