#!/usr/bin/env bash
# Starts the simulator standalone (the README command) and pages it with Edlink's Node SDK.
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../../../../.. && pwd)"
port="${PORT:-8787}"
secret="sdk-check-secret"
npm install --silent --no-audit --no-fund
log="$(mktemp)"
(cd "$root" && mvn -q -B -pl src/simulator -am process-classes -Psimulator \
  -Dexec.args="--port=$port --integrations=3 --size=small --secret=$secret --shuffle-keys") >"$log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; pkill -f "SimulatorMain.*--port=$port" 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  curl -sf "http://127.0.0.1:$port/api/up" >/dev/null && break
  sleep 0.5
done
node page-with-edlink-sdk.mjs "http://127.0.0.1:$port" "$secret"
