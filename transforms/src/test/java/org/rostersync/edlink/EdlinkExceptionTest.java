package org.rostersync.edlink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class EdlinkExceptionTest {
  @Test
  void describesStatusCodesMessageAndRequest() {
    EdlinkException e =
        new EdlinkException(
            "GET /x failed", 400, List.of("INVALID_TOKEN", "EXPIRED"), "req-9", null);
    assertEquals(
        "Edlink HTTP 400 INVALID_TOKEN,EXPIRED: GET /x failed (request req-9)", e.describe());
  }

  @Test
  void describesAnUnreachableEdlink() {
    assertEquals(
        "Edlink unreachable: timeout",
        new EdlinkException("timeout", 0, null, null, null).describe());
  }
}
