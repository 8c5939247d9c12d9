package org.rostersync.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Migrations run in the template launcher while the previous streaming job still runs (an update
 * replaces the job only after the launcher has migrated), so every migration after the baseline
 * must be additive: the old job's statements keep working against the new schema. Allowed: new
 * tables, partitions, views, functions, sequences, types; {@code CREATE OR REPLACE VIEW/FUNCTION};
 * {@code ALTER TABLE ... ADD COLUMN} that is nullable or has a default; new indexes ({@code
 * CONCURRENTLY} on the roster_entities partitions, whose size would otherwise block the job's
 * writes); comments and grants. Anything else (DROP, RENAME, ALTER COLUMN ... TYPE, SET NOT NULL,
 * constraints on existing rows, UPDATE/DELETE backfills, ...) needs the escape hatch: a first line
 * {@code -- roster-sync: requires-drain: <why>}, which tells the operator to drain the streaming
 * job (and let batch jobs finish) before applying it (docs/operations.md, "Schema migrations").
 */
class MigrationSafetyTest {
  static final Path MIGRATIONS = Path.of("../transforms/src/main/resources/db/migration");

  /**
   * V1..V5 were all in place before the first deployment: they only ever run on an empty database.
   */
  static final int BASELINE = 5;

  static final Pattern FILE = Pattern.compile("^V(\\d+)(?:[._]\\d+)*__.+\\.sql$");
  static final Pattern REQUIRES_DRAIN =
      Pattern.compile("^--\\s*roster-sync:\\s*requires-drain:\\s*\\S.*");

  /**
   * The big tables: an index built without CONCURRENTLY blocks the running job's writes for the
   * whole build.
   */
  static final Pattern BIG_TABLE =
      Pattern.compile("\\bON\\s+(ONLY\\s+)?(roster_entities|entities_\\w+)\\b");

  /** The launcher skips Flyway when the database is at this version: it must be the newest file. */
  @Test
  void theNewestVersionTheLauncherChecksIsTheNewestFile() throws IOException {
    int newest = 0;
    try (Stream<Path> files = Files.list(MIGRATIONS)) {
      for (Path file : files.toList()) {
        Matcher m = FILE.matcher(file.getFileName().toString());
        if (m.matches()) {
          newest = Math.max(newest, Integer.parseInt(m.group(1)));
        }
      }
    }
    assertThat(org.rostersync.transforms.Schema.NEWEST_VERSION, is(newest));
  }

  @Test
  void everyMigrationAfterTheBaselineIsAdditiveOrMarkedRequiresDrain() throws IOException {
    List<String> problems = new ArrayList<>();
    try (Stream<Path> files = Files.list(MIGRATIONS)) {
      for (Path file : files.sorted().toList()) {
        Matcher m = FILE.matcher(file.getFileName().toString());
        assertThat(file + " is not a Flyway versioned migration name", m.matches(), is(true));
        String sql = Files.readString(file);
        if (Integer.parseInt(m.group(1)) <= BASELINE
            || REQUIRES_DRAIN.matcher(sql.lines().findFirst().orElse("")).matches()) {
          continue;
        }
        for (String problem : nonAdditive(sql)) {
          problems.add(file.getFileName() + ": " + problem);
        }
      }
    }
    assertThat(
        "migrations that would break the running job; make them additive or mark them requires-drain "
            + "(see this class)",
        problems,
        is(empty()));
  }

  @Test
  void theCheckRefusesNonAdditiveStatements() {
    for (String sql :
        List.of(
            "DROP TABLE sync_leases;",
            "DROP VIEW people;",
            "ALTER TABLE sync_runs DROP COLUMN error;",
            "ALTER TABLE sync_runs RENAME COLUMN error TO failure;",
            "ALTER TABLE sync_runs RENAME TO runs;",
            "ALTER TABLE sync_runs ALTER COLUMN mode TYPE varchar(8);",
            "ALTER TABLE sync_state ALTER COLUMN last_run_id SET NOT NULL;",
            "ALTER TABLE sync_runs ADD COLUMN attempts integer NOT NULL;",
            "ALTER TABLE sync_runs ADD COLUMN note text, DROP COLUMN error;",
            "ALTER TABLE sync_runs ADD CONSTRAINT mode_ok CHECK (mode IN ('auto', 'full'));",
            "CREATE INDEX entities_people_email ON entities_people ((data->>'email'));",
            "UPDATE sync_runs SET mode = 'auto' WHERE mode IS NULL;",
            "DELETE FROM sync_runs WHERE finished_at < now() - interval '1 year';",
            "TRUNCATE dead_letter_records;")) {
      assertThat(sql, nonAdditive(sql), is(not(empty())));
    }
  }

  @Test
  void theCheckAcceptsAdditiveStatements() {
    String sql =
        """
        -- A lease gets its holder; the old job ignores the new, nullable column.
        ALTER TABLE sync_leases ADD COLUMN holder text;
        ALTER TABLE sync_leases ADD COLUMN IF NOT EXISTS renewed_at timestamptz, ADD COLUMN attempts integer NOT NULL DEFAULT 0;
        CREATE INDEX IF NOT EXISTS sync_leases_expires ON sync_leases (expires_at);
        CREATE INDEX CONCURRENTLY entities_people_email ON entities_people ((data->>'email'));
        CREATE TABLE sync_notes (integration_id uuid PRIMARY KEY, note text NOT NULL);
        CREATE INDEX sync_notes_note ON sync_notes (note);
        CREATE OR REPLACE VIEW lease_view AS SELECT integration_id, run_id FROM sync_leases WHERE expires_at > now();
        CREATE FUNCTION roster_text(j jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT j::text; $$;
        COMMENT ON COLUMN sync_leases.holder IS 'worker that holds the lease; DROP it never';
        """;
    assertThat(nonAdditive(sql), is(empty()));
  }

  /** One message per statement that is not on the allow-list. */
  static List<String> nonAdditive(String sql) {
    List<String> problems = new ArrayList<>();
    List<String> createdHere = new ArrayList<>();
    for (String statement : statements(sql)) {
      String s = statement.replaceAll("\\s+", " ").trim();
      String u = s.toUpperCase(Locale.ROOT);
      Matcher table =
          Pattern.compile("^CREATE (UNLOGGED )?TABLE (IF NOT EXISTS )?(\\w+)").matcher(u);
      if (table.find()) {
        createdHere.add(table.group(3));
        continue;
      }
      if (u.matches("^CREATE (UNIQUE )?INDEX .*")) {
        Matcher on = Pattern.compile("\\bON (ONLY )?(\\w+)").matcher(u);
        boolean newTable = on.find() && createdHere.contains(on.group(2));
        if (!u.contains(" CONCURRENTLY ") && !newTable && BIG_TABLE.matcher(s).find()) {
          problems.add(
              "index on a roster table without CONCURRENTLY blocks the job's writes: " + s);
        }
        continue;
      }
      if (u.matches("^CREATE (OR REPLACE )?(VIEW|FUNCTION|SEQUENCE|TYPE|SCHEMA) .*")
          || u.startsWith("COMMENT ON ")
          || u.startsWith("GRANT ")) {
        continue;
      }
      Matcher alter = Pattern.compile("^ALTER TABLE (IF EXISTS )?(ONLY )?\\w+ (.*)$").matcher(u);
      if (alter.matches()) {
        for (String action : splitTopLevel(alter.group(3), ',')) {
          String a = action.trim();
          if (!a.startsWith("ADD ")
              || a.startsWith("ADD CONSTRAINT ")
              || a.matches("^ADD (PRIMARY|UNIQUE|FOREIGN|CHECK)\\b.*")) {
            problems.add("not additive: " + s);
          } else if (a.contains(" NOT NULL") && !a.contains(" DEFAULT ")) {
            problems.add("NOT NULL column without a default fails the running job's inserts: " + s);
          }
        }
        continue;
      }
      problems.add("not on the additive allow-list: " + s);
    }
    return problems;
  }

  /**
   * Splits on ';' outside quotes, dollar quotes and comments; drops comments and empty statements.
   */
  static List<String> statements(String sql) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (c == '-' && sql.startsWith("--", i)) {
        int end = sql.indexOf('\n', i);
        i = end < 0 ? sql.length() : end;
        current.append('\n');
      } else if (c == '\'') {
        int end = sql.indexOf('\'', i + 1);
        current.append(sql, i, end + 1);
        i = end;
      } else if (c == '$' && sql.startsWith("$$", i)) {
        int end = sql.indexOf("$$", i + 2);
        current.append(sql, i, end + 2);
        i = end + 1;
      } else if (c == ';') {
        out.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    out.add(current.toString());
    return out.stream().filter(s -> !s.isBlank()).toList();
  }

  private static List<String> splitTopLevel(String s, char separator) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == separator && depth == 0) {
        parts.add(s.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(s.substring(start));
    return parts;
  }
}
