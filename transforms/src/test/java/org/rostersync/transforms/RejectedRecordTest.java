package org.rostersync.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RejectedRecordTest {
  @Test
  void excerptKeepsTheFirst500BytesOnly() {
    byte[] big = "x".repeat(2_000).getBytes(StandardCharsets.UTF_8);
    assertEquals(500, RejectedRecord.excerpt(big).length());
    assertEquals(
        "{\"id\":1}", RejectedRecord.excerpt("{\"id\":1}".getBytes(StandardCharsets.UTF_8)));
  }
}
