#!/usr/bin/env bash
# Inspects and replays dead letters: job messages the pipeline rejected (attribute "error" says why). The jobs
# subscription has no Pub/Sub dead-letter policy (Dataflow does not support one), so the pipeline is the only writer.
#
#   templates/replay-dead-letters.sh list [--limit N]       show payloads and reasons; nothing is acknowledged
#   templates/replay-dead-letters.sh republish [--limit N]  publish payloads unchanged to the jobs topic, then ack
#   templates/replay-dead-letters.sh discard [--limit N]    ack (drop) them, e.g. after publishing fixed copies
#
# To fix a message: `list`, publish a corrected copy with `gcloud pubsub topics publish "$JOBS_TOPIC" --message=...`,
# then `discard`. Needs python3.
set -euo pipefail
source "$(dirname "$0")/defaults.sh"

ACTION=${1:-list}
shift || true
LIMIT=100
while [[ $# -gt 0 ]]; do
  case "$1" in
    --limit) LIMIT=$2; shift 2 ;;
    --project) PROJECT=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[[ "$ACTION" =~ ^(list|republish|discard)$ ]] || die "action must be list, republish or discard"
require PROJECT DEAD_LETTER_SUBSCRIPTION JOBS_TOPIC

PULLED=$(mktemp)
trap 'rm -f "$PULLED" "$PULLED.tsv"' EXIT
gcloud pubsub subscriptions pull "$DEAD_LETTER_SUBSCRIPTION" --project="$PROJECT" --limit="$LIMIT" \
  --format=json > "$PULLED"

# One line per message: ack id, then the decoded payload (JSON on one line), then the reason.
python3 - "$PULLED" > "$PULLED.tsv" <<'PY'
import base64, json, sys
for m in json.load(open(sys.argv[1])):
    msg = m["message"]
    data = base64.b64decode(msg.get("data", "")).decode("utf-8", "replace").replace("\n", " ")
    attrs = msg.get("attributes", {})
    reason = attrs.get("error", "no error attribute (published by hand?)")
    print("\t".join([m["ackId"], data, reason + " @ " + attrs.get("failed_at", msg.get("publishTime", ""))]))
PY

COUNT=0
while IFS=$'\t' read -r ACK_ID PAYLOAD REASON; do
  COUNT=$((COUNT + 1))
  case "$ACTION" in
    list)
      printf '%s\n  reason:  %s\n  payload: %s\n' "$COUNT" "$REASON" "$PAYLOAD"
      # Hand it back at once, so a following republish or discard sees it.
      gcloud pubsub subscriptions modify-message-ack-deadline "$DEAD_LETTER_SUBSCRIPTION" --project="$PROJECT" \
        --ack-ids="$ACK_ID" --ack-deadline=0 > /dev/null ;;
    republish)
      gcloud pubsub topics publish "$JOBS_TOPIC" --project="$PROJECT" --message="$PAYLOAD" > /dev/null
      gcloud pubsub subscriptions ack "$DEAD_LETTER_SUBSCRIPTION" --project="$PROJECT" --ack-ids="$ACK_ID" > /dev/null
      echo "republished: $PAYLOAD" ;;
    discard)
      gcloud pubsub subscriptions ack "$DEAD_LETTER_SUBSCRIPTION" --project="$PROJECT" --ack-ids="$ACK_ID" > /dev/null
      echo "discarded: $PAYLOAD" ;;
  esac
done < "$PULLED.tsv"
echo "$COUNT message(s): $ACTION"
