package org.rostersync.sandbox.simulator;

/** What an injected fault does to a request. */
public enum FaultKind {
  /** 429 with {@code Retry-After} and an {@code $errors} body with code RATE_LIMITED. */
  RATE_LIMIT,
  /** 500 with an {@code $errors} body (code INTERNAL). */
  SERVER_ERROR_500,
  /** 502 with an HTML body, as a proxy in front of the API would send. */
  BAD_GATEWAY_502,
  /** 503 with {@code Retry-After} and an {@code $errors} body. */
  UNAVAILABLE_503,
  /** Waits {@code delayMillis}, then serves the request normally. */
  SLOW,
  /** Sends status 200, a Content-Length and half of the body, then closes the connection. */
  DROP_MID_BODY,
  /** Sends a complete 200 response whose JSON body is cut off part-way through. */
  TRUNCATED_JSON
}
