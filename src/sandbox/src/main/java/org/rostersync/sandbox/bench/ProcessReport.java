package org.rostersync.sandbox.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table of {@link ProcessBenchmark} (text, Markdown, CSV) and its chart (SVG): pipeline against
 * plain.
 */
final class ProcessReport {
  /**
   * One whole process: wall time from spawn to exit, peak resident set (VmHWM), exit code, rows it
   * wrote.
   */
  record Run(
      double seconds,
      long peakRssMb,
      int exitCode,
      long rowsWritten,
      boolean verified,
      String log) {
    boolean ok() {
      return exitCode == 0 && verified;
    }
  }

  /** One fleet and scenario, both programs from the same starting state. */
  record Row(
      String fleet,
      String scenario,
      int integrations,
      long records,
      long expectedUpserts,
      long expectedDeletes,
      Run pipeline,
      Run plain,
      String firstRun,
      String load) {
    double wallRatio() {
      return pipeline.seconds() / plain.seconds();
    }

    double rssRatio() {
      return (double) pipeline.peakRssMb() / plain.peakRssMb();
    }
  }

  /**
   * The wall-time targets (pipeline / plain) per fleet: cold, no-change. Churn has the RSS target
   * only.
   */
  static final Map<String, double[]> WALL_TARGETS =
      Map.of(
          "20small", new double[] {1.5, 2.0},
          "medium", new double[] {1.2, 1.5},
          "large", new double[] {0.7, 1.0},
          "mixed50", new double[] {1.0, 1.0});

  static final double RSS_TARGET = 2.0;

  private final List<Row> rows;
  private final String context;

  ProcessReport(List<Row> rows, String context) {
    this.rows = rows;
    this.context = context;
  }

  static Double wallTarget(Row r) {
    double[] t = WALL_TARGETS.get(r.fleet());
    if (t == null || r.scenario().equals(ProcessBenchmark.CHURN)) {
      return null;
    }
    return r.scenario().equals(ProcessBenchmark.COLD) ? t[0] : t[1];
  }

  static String target(Row r) {
    Double w = wallTarget(r);
    return (w == null ? "" : String.format(Locale.ROOT, "wall ≤%.1f×, ", w))
        + String.format(Locale.ROOT, "RSS ≤%.0f×", RSS_TARGET);
  }

  static String verdict(Row r) {
    if (!r.pipeline().ok() || !r.plain().ok()) {
      return "FAILED ("
          + (r.pipeline().ok()
              ? ""
              : "pipeline exit "
                  + r.pipeline().exitCode()
                  + (r.pipeline().verified() ? "" : ", db ≠ source")
                  + " ")
          + (r.plain().ok()
              ? ""
              : "plain exit "
                  + r.plain().exitCode()
                  + (r.plain().verified() ? "" : ", db ≠ source"))
          + ")";
    }
    Double w = wallTarget(r);
    boolean wallMet = w == null || r.wallRatio() <= w;
    boolean rssMet = r.rssRatio() <= RSS_TARGET;
    if (wallMet && rssMet) {
      return "MET";
    }
    return "MISSED ("
        + (wallMet ? "" : "wall" + (rssMet ? "" : ", "))
        + (rssMet ? "" : "RSS")
        + ")";
  }

  private static final String[] HEADER = {
    "fleet",
    "scenario",
    "records",
    "upserts pipeline / plain (expected)",
    "deletes",
    "pipeline wall s",
    "pipeline peak RSS MB",
    "plain wall s",
    "plain peak RSS MB",
    "wall ratio",
    "RSS ratio",
    "target",
    "result"
  };

  private List<String[]> cells() {
    List<String[]> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(
          new String[] {
            r.fleet(),
            r.scenario(),
            String.format(Locale.ROOT, "%,d", r.records()),
            String.format(
                Locale.ROOT,
                "%,d / %,d (%,d)",
                r.pipeline().rowsWritten(),
                r.plain().rowsWritten(),
                r.expectedUpserts()),
            String.format(Locale.ROOT, "%,d", r.expectedDeletes()),
            String.format(Locale.ROOT, "%.1f", r.pipeline().seconds()),
            String.format(Locale.ROOT, "%,d", r.pipeline().peakRssMb()),
            String.format(Locale.ROOT, "%.1f", r.plain().seconds()),
            String.format(Locale.ROOT, "%,d", r.plain().peakRssMb()),
            String.format(Locale.ROOT, "%.2f×", r.wallRatio()),
            String.format(Locale.ROOT, "%.2f×", r.rssRatio()),
            target(r),
            verdict(r)
          });
    }
    return out;
  }

  String text() {
    List<String[]> all = new ArrayList<>();
    all.add(HEADER);
    all.addAll(cells());
    int[] width = new int[HEADER.length];
    for (String[] row : all) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] row : all) {
      for (int i = 0; i < row.length; i++) {
        sb.append(
                i < 2 || i >= row.length - 2
                    ? String.format("%-" + width[i] + "s", row[i])
                    : String.format("%" + width[i] + "s", row[i]))
            .append(i == row.length - 1 ? "" : "  ");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  String markdown() {
    StringBuilder sb =
        new StringBuilder("# Whole-process benchmark: pipeline jar vs plain program\n\n")
            .append(context)
            .append("\n\n|")
            .append(String.join("|", HEADER))
            .append("|\n|");
    for (int i = 0; i < HEADER.length; i++) {
      sb.append(i < 2 || i >= HEADER.length - 2 ? "---|" : "--:|");
    }
    sb.append('\n');
    for (String[] c : cells()) {
      sb.append('|').append(String.join("|", c)).append("|\n");
    }
    sb.append(
        "\nUpserts: row versions each program wrote (counted by xmin) and, in brackets, the rows missing or"
            + " stale before the run. Deletes: the rows extra before the run; that they are gone, and nothing else, is"
            + " what the comparison with the source after every run checks (a row fails it otherwise). Which program ran"
            + " first and the load average per row are in process-results.csv.\n\n![wall and RSS ratios](process-chart.svg)\n");
    return sb.toString();
  }

  String csv() {
    StringBuilder sb =
        new StringBuilder(
            "fleet,scenario,integrations,records,expected_upserts,expected_deletes,"
                + "pipeline_wall_s,"
                + "pipeline_peak_rss_mb,pipeline_exit,pipeline_rows_written,pipeline_verified,plain_wall_s,"
                + "plain_peak_rss_mb,plain_exit,plain_rows_written,plain_verified,wall_ratio,rss_ratio,target,result,"
                + "first_run,loadavg_before\n");
    for (Row r : rows) {
      sb.append(
              String.join(
                  ",",
                  r.fleet(),
                  r.scenario(),
                  Integer.toString(r.integrations()),
                  Long.toString(r.records()),
                  Long.toString(r.expectedUpserts()),
                  Long.toString(r.expectedDeletes()),
                  String.format(Locale.ROOT, "%.3f", r.pipeline().seconds()),
                  Long.toString(r.pipeline().peakRssMb()),
                  Integer.toString(r.pipeline().exitCode()),
                  Long.toString(r.pipeline().rowsWritten()),
                  Boolean.toString(r.pipeline().verified()),
                  String.format(Locale.ROOT, "%.3f", r.plain().seconds()),
                  Long.toString(r.plain().peakRssMb()),
                  Integer.toString(r.plain().exitCode()),
                  Long.toString(r.plain().rowsWritten()),
                  Boolean.toString(r.plain().verified()),
                  String.format(Locale.ROOT, "%.3f", r.wallRatio()),
                  String.format(Locale.ROOT, "%.3f", r.rssRatio()),
                  quote(target(r)),
                  quote(verdict(r)),
                  r.firstRun(),
                  quote(r.load())))
          .append('\n');
    }
    return sb.toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  /**
   * Horizontal bars per row: wall ratio and RSS ratio (pipeline / plain), with the targets and
   * parity marked.
   */
  String svg() {
    int left = 170,
        barH = 12,
        rowH = 2 * barH + 14,
        top = 40,
        width = 760,
        plotW = width - left - 40;
    int height = top + rows.size() * rowH + 50;
    double max = 2.5;
    for (Row r : rows) {
      max = Math.max(max, Math.max(r.wallRatio(), r.rssRatio()));
    }
    max = Math.ceil(max);
    double scale = plotW / max;
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\""
                    + " width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n"
                    + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"
                    + "<text x=\"%d\" y=\"18\" font-size=\"13\">pipeline / plain program, whole processes (lower is better)"
                    + "</text>%n",
                width,
                height,
                left));
    for (int t = 0; t <= max; t++) {
      double x = left + t * scale;
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>"
                  + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d×</text>%n",
              x,
              top - 6,
              x,
              top + rows.size() * rowH,
              t == 1 ? "#333" : "#ddd",
              x,
              top + rows.size() * rowH + 14,
              t));
    }
    int y = top;
    for (Row r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s %s</text>%n",
              left - 8,
              y + barH + 4,
              r.fleet(),
              r.scenario()));
      bar(
          sb,
          left,
          y,
          r.wallRatio() * scale,
          barH,
          "#d62728",
          String.format(Locale.ROOT, "wall %.2f×", r.wallRatio()));
      bar(
          sb,
          left,
          y + barH + 2,
          r.rssRatio() * scale,
          barH,
          "#1f77b4",
          String.format(Locale.ROOT, "RSS %.2f×", r.rssRatio()));
      Double w = wallTarget(r);
      if (w != null) {
        tick(sb, left + w * scale, y, barH, "#000");
      }
      tick(sb, left + RSS_TARGET * scale, y + barH + 2, barH, "#000");
      y += rowH;
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\">red: wall-time ratio, blue: peak-RSS ratio,"
                + " black ticks: the targets</text>%n",
            left,
            height - 12));
    return sb.append("</svg>\n").toString();
  }

  private static void bar(
      StringBuilder sb, int x, int y, double w, int h, String colour, String label) {
    sb.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>"
                + "<text x=\"%.1f\" y=\"%d\">%s</text>%n",
            x,
            y,
            Math.max(w, 1),
            h,
            colour,
            x + Math.max(w, 1) + 4,
            y + h - 2,
            label));
  }

  private static void tick(StringBuilder sb, double x, int y, int h, String colour) {
    sb.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\""
                + " stroke-width=\"2\"/>%n",
            x,
            y - 1,
            x,
            y + h + 1,
            colour));
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("process-results.md"), markdown());
    Files.writeString(dir.resolve("process-results.csv"), csv());
    Files.writeString(dir.resolve("process-chart.svg"), svg());
  }
}
