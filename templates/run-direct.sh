#!/usr/bin/env bash
# Runs one sync with the bundled jar on the DirectRunner, with the fast JVM settings: the cron VM's command
# (docs/operations.md, "DirectRunner on a VM"). Pipeline flags pass through.
#
# Usage: templates/run-direct.sh --allIntegrations=true --jdbcUrl=... [more pipeline flags]
# Environment (all optional):
#   ROSTER_SYNC_JAR        the bundled jar (default /opt/roster-sync/roster-sync-pipeline-bundled.jar)
#   ROSTER_SYNC_JVM_FLAGS  the JVM flags (default: -Xmx6g -XX:+UseSerialGC -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40 -Xmn256m -XX:TieredStopAtLevel=1)
#   ROSTER_SYNC_CDS_DIR    where the class-data archive is kept (default: the jar's directory; empty: none)
#   MALLOC_ARENA_MAX       glibc's malloc arenas (default 2; empty: glibc's own, 8 per core). The runner's
#                          threads each take an arena of their own otherwise: about 40 MB of the peak RSS.
#
# The class-data archive: the first run of a jar (on a given java) records the classes it loaded, about 8,000, and
# every later run maps them instead of finding, reading and verifying each in the jar (about 1 s of start-up on
# two cores). A failed or killed run leaves no archive behind, and an archive java cannot use is ignored.
set -euo pipefail

JAR=${ROSTER_SYNC_JAR:-/opt/roster-sync/roster-sync-pipeline-bundled.jar}
read -r -a FLAGS <<< "${ROSTER_SYNC_JVM_FLAGS:--Xmx6g -XX:+UseSerialGC -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40 -Xmn256m -XX:TieredStopAtLevel=1}"
CDS_DIR=${ROSTER_SYNC_CDS_DIR-$(dirname "$JAR")}
[[ -f "$JAR" ]] || { echo "run-direct.sh: no jar at $JAR" >&2; exit 2; }
ARENAS=${MALLOC_ARENA_MAX-2}
if [[ -n "$ARENAS" ]]; then export MALLOC_ARENA_MAX="$ARENAS"; else unset MALLOC_ARENA_MAX; fi

if [[ -z "$CDS_DIR" ]]; then
  exec java "${FLAGS[@]}" -jar "$JAR" --runner=DirectRunner "$@"
fi
# One archive per jar build and java binary: a new jar or a java upgrade writes its own on its first run.
JAVA=$(readlink -f "$(command -v java)")
ARCHIVE="$CDS_DIR/roster-sync-$(stat -c %s-%Y "$JAR")-$(stat -c %Y "$JAVA").jsa"
if [[ -s "$ARCHIVE" ]]; then
  exec java -XX:SharedArchiveFile="$ARCHIVE" "${FLAGS[@]}" -jar "$JAR" --runner=DirectRunner "$@"
fi
TMP="$ARCHIVE.$$.tmp"
STATUS=0
# -Xlog:cds=off: the dump names each class it cannot keep (a thousand lines of classes compiled for Java 5).
java -XX:ArchiveClassesAtExit="$TMP" -Xlog:cds=off "${FLAGS[@]}" -jar "$JAR" --runner=DirectRunner "$@" || STATUS=$?
if [[ $STATUS -eq 0 && -s "$TMP" ]]; then
  rm -f "$CDS_DIR"/roster-sync-*.jsa
  mv "$TMP" "$ARCHIVE"
else
  rm -f "$TMP"
fi
exit "$STATUS"
