package org.rostersync.sandbox.bench;

import static org.rostersync.sandbox.bench.Measurement.CHURN;
import static org.rostersync.sandbox.bench.Measurement.COLD;
import static org.rostersync.sandbox.bench.Measurement.COPY_ONLY;
import static org.rostersync.sandbox.bench.Measurement.FETCH_ONLY;
import static org.rostersync.sandbox.bench.Measurement.GATE;
import static org.rostersync.sandbox.bench.Measurement.IN_MEMORY;
import static org.rostersync.sandbox.bench.Measurement.NAIVE;
import static org.rostersync.sandbox.bench.Measurement.NO_CHANGE;
import static org.rostersync.sandbox.bench.Measurement.PIPELINE;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The results table with ratios and target checks (stdout, Markdown, CSV) and the time-vs-size
 * chart (SVG).
 */
final class Report {
  private final List<Measurement> rows;
  private final String context;

  Report(List<Measurement> rows, String context) {
    this.rows = List.copyOf(rows);
    this.context = context;
  }

  private Optional<Measurement> find(String dataset, String scenario, String system) {
    return rows.stream()
        .filter(
            m ->
                m.dataset().equals(dataset)
                    && m.scenario().equals(scenario)
                    && m.system().equals(system))
        .findFirst();
  }

  /** Pipeline time over (c)'s in the same scenario. */
  Optional<Double> vsInMemory(Measurement m) {
    if (!m.system().equals(PIPELINE)) {
      return Optional.empty();
    }
    return find(m.dataset(), m.scenario(), IN_MEMORY).map(c -> m.seconds() / c.seconds());
  }

  /** Cold-sync time over the slower of fetch-only and COPY write-only. */
  Optional<Double> vsLimits(Measurement m) {
    if (!m.scenario().equals(COLD)
        || !(m.system().equals(PIPELINE) || m.system().equals(IN_MEMORY))) {
      return Optional.empty();
    }
    Optional<Measurement> a = find(m.dataset(), Measurement.FETCH, FETCH_ONLY);
    Optional<Measurement> b = find(m.dataset(), Measurement.WRITE, COPY_ONLY);
    if (a.isEmpty() || b.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(m.seconds() / Math.max(a.get().seconds(), b.get().seconds()));
  }

  /**
   * PASS/MISS against each benchmark target (docs/benchmark.md) that applies to this row (set for
   * "large").
   */
  String targets(Measurement m) {
    if (!m.system().equals(PIPELINE)) {
      return "";
    }
    List<String> checks = new ArrayList<>();
    switch (m.scenario()) {
      case COLD -> {
        vsInMemory(m).ifPresent(r -> checks.add(check(r <= 1.5, "≤1.5×(c)")));
        vsLimits(m).ifPresent(r -> checks.add(check(r <= 2.0, "≤2×max(a,b)")));
      }
      case NO_CHANGE -> {
        vsInMemory(m).ifPresent(r -> checks.add(check(r <= 1.5, "≤1.5×(c)")));
        checks.add(check(m.rowsWritten() == 0, "0 rows"));
        find(m.dataset(), NO_CHANGE, IN_MEMORY)
            .ifPresent(
                c ->
                    checks.add(
                        check(m.memory().peakRssMb() <= 2 * c.memory().peakRssMb(), "RSS≤2×(c)")));
      }
      case CHURN -> {
        checks.add(check(m.rowsWritten() == m.expectedRows(), "rows=changed"));
        find(m.dataset(), NO_CHANGE, PIPELINE)
            .ifPresent(n -> checks.add(check(m.seconds() <= 1.2 * n.seconds(), "≤1.2×no-change")));
      }
      case GATE -> {
        checks.add(check(m.edlinkCalls() == 1, "1 Edlink call"));
        checks.add(check(m.rowsWritten() == 0, "0 writes"));
      }
      default -> {}
    }
    return String.join("; ", checks);
  }

  private static String check(boolean ok, String target) {
    return target + " " + (ok ? "PASS" : "MISS");
  }

  private static String ratio(Optional<Double> r) {
    return r.map(v -> String.format(Locale.ROOT, "%.2f×", v)).orElse("");
  }

  private static final String[] HEADER = {
    "dataset",
    "records",
    "scenario",
    "system",
    "wall s",
    "records/s",
    "RSS start MB",
    "peak RSS MB",
    "heap peak MB",
    "rows written",
    "vs (c)",
    "vs max(a,b)",
    "targets",
    "note"
  };

  private List<String[]> cells() {
    List<String[]> out = new ArrayList<>();
    for (Measurement m : rows) {
      out.add(
          new String[] {
            m.dataset(),
            String.format(Locale.ROOT, "%,d", m.datasetRecords()),
            m.scenario(),
            m.system(),
            String.format(Locale.ROOT, "%.2f", m.seconds()),
            String.format(Locale.ROOT, "%,.0f", m.recordsPerSecond()),
            Long.toString(m.memory().startRssMb()),
            Long.toString(m.memory().peakRssMb()),
            Long.toString(m.memory().peakHeapMb()),
            String.format(Locale.ROOT, "%,d", m.rowsWritten()),
            ratio(vsInMemory(m)),
            ratio(vsLimits(m)),
            targets(m),
            m.note()
          });
    }
    return out;
  }

  /** A fixed-width table for the console (without the notes, which are in results.md). */
  String text() {
    List<String[]> body = cells();
    int cols = HEADER.length - 1;
    int[] width = new int[cols];
    for (int i = 0; i < cols; i++) {
      width[i] = HEADER[i].length();
      for (String[] r : body) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    List<String[]> all = new ArrayList<>();
    all.add(HEADER);
    all.addAll(body);
    for (String[] r : all) {
      for (int i = 0; i < cols; i++) {
        boolean left = i <= 3 || i == cols - 1;
        sb.append(String.format(Locale.ROOT, "%" + (left ? "-" : "") + width[i] + "s  ", r[i]));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  String markdown() {
    StringBuilder sb =
        new StringBuilder("# roster-sync benchmark results\n\n").append(context).append("\n\n");
    sb.append('|').append(String.join("|", HEADER)).append("|\n|");
    for (int i = 0; i < HEADER.length; i++) {
      sb.append(i <= 3 || i >= HEADER.length - 2 ? "---|" : "--:|");
    }
    sb.append('\n');
    for (String[] r : cells()) {
      sb.append('|').append(String.join("|", r).replace("\n", " ")).append("|\n");
    }
    return sb.append("\n![time vs dataset size](chart.svg)\n").toString();
  }

  String csv() {
    StringBuilder sb =
        new StringBuilder(
            "dataset,records,scenario,system,wall_s,records_per_s,start_rss_mb,"
                + "peak_rss_mb,peak_heap_mb,rows_written,expected_rows,edlink_calls,vs_c,vs_max_ab,targets,note\n");
    for (Measurement m : rows) {
      sb.append(
              String.join(
                  ",",
                  m.dataset(),
                  Long.toString(m.datasetRecords()),
                  m.scenario(),
                  m.system(),
                  String.format(Locale.ROOT, "%.3f", m.seconds()),
                  String.format(Locale.ROOT, "%.0f", m.recordsPerSecond()),
                  Long.toString(m.memory().startRssMb()),
                  Long.toString(m.memory().peakRssMb()),
                  Long.toString(m.memory().peakHeapMb()),
                  Long.toString(m.rowsWritten()),
                  Long.toString(m.expectedRows()),
                  Long.toString(m.edlinkCalls()),
                  vsInMemory(m).map(v -> String.format(Locale.ROOT, "%.3f", v)).orElse(""),
                  vsLimits(m).map(v -> String.format(Locale.ROOT, "%.3f", v)).orElse(""),
                  quote(targets(m)),
                  quote(m.note())))
          .append('\n');
    }
    return sb.toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  /** The series of the chart: system and scenario, and the line colour. */
  private record Series(
      String label, String system, String scenario, String colour, boolean dashed) {}

  private static final List<Series> SERIES =
      List.of(
          new Series("pipeline cold", PIPELINE, COLD, "#d62728", false),
          new Series("pipeline no-change", PIPELINE, NO_CHANGE, "#d62728", true),
          new Series("(a) fetch-only", FETCH_ONLY, Measurement.FETCH, "#2ca02c", false),
          new Series("(b) COPY write-only", COPY_ONLY, Measurement.WRITE, "#9467bd", false),
          new Series("(c) in-memory cold", IN_MEMORY, COLD, "#1f77b4", false),
          new Series("(c) in-memory no-change", IN_MEMORY, NO_CHANGE, "#1f77b4", true),
          new Series("(d) naive per-row cold", NAIVE, COLD, "#7f7f7f", false));

  /** Wall time against dataset size, both axes logarithmic. */
  String svg() {
    int w = 760, h = 480, left = 70, right = 220, top = 30, bottom = 60;
    double minX = Double.MAX_VALUE, maxX = 0, minY = Double.MAX_VALUE, maxY = 0;
    for (Measurement m : rows) {
      if (m.seconds() > 0
          && SERIES.stream()
              .anyMatch(s -> s.system().equals(m.system()) && s.scenario().equals(m.scenario()))) {
        minX = Math.min(minX, m.datasetRecords());
        maxX = Math.max(maxX, m.datasetRecords());
        minY = Math.min(minY, m.seconds());
        maxY = Math.max(maxY, m.seconds());
      }
    }
    if (maxX == 0) {
      return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>\n";
    }
    double x0 = Math.floor(Math.log10(minX)), x1 = Math.max(x0 + 1, Math.ceil(Math.log10(maxX)));
    double y0 = Math.floor(Math.log10(minY)), y1 = Math.max(y0 + 1, Math.ceil(Math.log10(maxY)));
    int pw = w - left - right, ph = h - top - bottom;
    java.util.function.DoubleUnaryOperator px = v -> left + (Math.log10(v) - x0) / (x1 - x0) * pw;
    java.util.function.DoubleUnaryOperator py =
        v -> top + ph - (Math.log10(v) - y0) / (y1 - y0) * ph;
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
            w,
            h));
    for (double e = x0; e <= x1; e++) {
      double x = px.applyAsDouble(Math.pow(10, e));
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                  + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
              x,
              top,
              x,
              top + ph,
              x,
              top + ph + 18,
              label(Math.pow(10, e))));
    }
    for (double e = y0; e <= y1; e++) {
      double y = py.applyAsDouble(Math.pow(10, e));
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s s</text>%n",
              left,
              y,
              left + pw,
              y,
              left - 6,
              y + 4,
              label(Math.pow(10, e))));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\""
                + " stroke=\"black\"/>%n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">records in the dataset (log)</text>%n"
                + "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">wall time (log)</text>%n",
            left,
            top,
            pw,
            ph,
            left + pw / 2,
            h - 20,
            top + ph / 2,
            top + ph / 2));
    int legendY = top + 10;
    for (Series s : SERIES) {
      List<double[]> points = new ArrayList<>();
      for (String dataset : rows.stream().map(Measurement::dataset).distinct().toList()) {
        find(dataset, s.scenario(), s.system())
            .filter(m -> m.seconds() > 0)
            .ifPresent(
                m ->
                    points.add(
                        new double[] {
                          px.applyAsDouble(m.datasetRecords()), py.applyAsDouble(m.seconds())
                        }));
      }
      if (points.isEmpty()) {
        continue;
      }
      points.sort((p, q) -> Double.compare(p[0], q[0]));
      String dash = s.dashed() ? " stroke-dasharray=\"6 4\"" : "";
      StringBuilder poly = new StringBuilder();
      for (double[] p : points) {
        poly.append(String.format(Locale.ROOT, "%.1f,%.1f ", p[0], p[1]));
        sb.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n",
                p[0],
                p[1],
                s.colour()));
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>" + "%n",
              poly.toString().trim(),
              s.colour(),
              dash));
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\""
                  + " stroke-width=\"2\"%s/><text x=\"%d\" y=\"%d\">%s</text>%n",
              left + pw + 12,
              legendY,
              left + pw + 40,
              legendY,
              s.colour(),
              dash,
              left + pw + 46,
              legendY + 4,
              s.label()));
      legendY += 20;
    }
    return sb.append("</svg>\n").toString();
  }

  private static String label(double v) {
    if (v >= 1_000_000) {
      return String.format(Locale.ROOT, "%.0fM", v / 1_000_000);
    }
    if (v >= 1_000) {
      return String.format(Locale.ROOT, "%.0fk", v / 1_000);
    }
    return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", v);
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.md"), markdown());
    Files.writeString(dir.resolve("results.csv"), csv());
    Files.writeString(dir.resolve("chart.svg"), svg());
  }
}
