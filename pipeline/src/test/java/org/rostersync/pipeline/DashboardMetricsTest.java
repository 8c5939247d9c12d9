package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.metrics.Counter;
import org.junit.jupiter.api.Test;
import org.rostersync.transforms.SyncMetrics;

/**
 * The dashboard's Beam-counter tiles name counters the pipeline has; a renamed counter would leave
 * a tile empty.
 */
class DashboardMetricsTest {

  @Test
  void everyUserCounterOnTheDashboardIsASyncMetricsCounter() throws Exception {
    Set<String> counters = new TreeSet<>();
    for (Field f : SyncMetrics.class.getFields()) {
      if (f.get(null) instanceof Counter c) {
        counters.add(c.getName().getName());
      }
    }
    String dashboard = Files.readString(TerraformWiringTest.TERRAFORM.resolve("dashboard.tf"));
    Matcher m =
        Pattern.compile("format\\(local\\.user_counter, \"([^\"]+)\"\\)").matcher(dashboard);
    Set<String> unknown = new TreeSet<>();
    int tiles = 0;
    while (m.find()) {
      tiles++;
      for (String name : m.group(1).split("\\|")) {
        if (!counters.contains(name)) {
          unknown.add(name);
        }
      }
    }
    assertThat(tiles, greaterThan(3));
    assertThat("dashboard.tf names counters SyncMetrics does not have", unknown, is(empty()));
  }
}
