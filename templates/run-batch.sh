#!/usr/bin/env bash
# Runs the sync once as a batch Dataflow job: every active integration (default) or the given ones, then the job
# finishes and its workers stop. For schedules where a 24 h streaming job costs more than a few batch runs.
#
# Usage: TEMPLATE_VERSION=<tag> JDBC_URL=jdbc:postgresql://... templates/run-batch.sh
#        [--integrations id1,id2] [--mode auto|full] [--approve-deletes] [--project P] [--region R]
set -euo pipefail
source "$(dirname "$0")/defaults.sh"

INTEGRATIONS=""
MODE=auto
APPROVE_DELETES=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --integrations) INTEGRATIONS=$2; shift 2 ;;
    --mode) MODE=$2; shift 2 ;;
    --approve-deletes) APPROVE_DELETES=true; shift ;;
    --project) PROJECT=$2; shift 2 ;;
    --region) REGION=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
require PROJECT REGION BUCKET TEMPLATE_VERSION JDBC_URL WORKER_SERVICE_ACCOUNT
require_secret_name JDBC_PASSWORD_SECRET_NAME
require_secret_name EDLINK_APP_SECRET_SECRET_NAME
[[ "$MODE" == auto || "$MODE" == full ]] || die "--mode must be auto or full"

if [[ -n "$INTEGRATIONS" ]]; then
  SOURCE="integrationIds=${INTEGRATIONS}"
else
  SOURCE="allIntegrations=true"
fi
PARAMETERS="${SOURCE}~mode=${MODE}~approveDeletes=${APPROVE_DELETES}~jdbcUrl=${JDBC_URL}~jdbcUser=${JDBC_USER}"
PARAMETERS+="~jdbcPasswordSecretName=${JDBC_PASSWORD_SECRET_NAME}"
PARAMETERS+="~edlinkAppSecretSecretName=${EDLINK_APP_SECRET_SECRET_NAME}"
[[ -z "$EXTRA_PARAMETERS" ]] || PARAMETERS+="~${EXTRA_PARAMETERS}"

ARGS=(
  # A unique name per run: Dataflow refuses a second active job of the same name.
  "${PREFIX}-batch-$(date -u +%Y%m%d-%H%M%S)-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
  --parameters="^~^${PARAMETERS}"
)
add_flex_run_args ARGS

gcloud dataflow flex-template run "${ARGS[@]}"
echo "Follow it with: gcloud dataflow jobs list --project=$PROJECT --region=$REGION --status=active"
