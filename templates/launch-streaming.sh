#!/usr/bin/env bash
# Launches the streaming job (reads $JOBS_SUBSCRIPTION), or with --update replaces the running job of the same name
# in place: Dataflow keeps its state and unacknowledged messages because the step names stay the same.
# Use this only when Terraform does not manage the job (its template_version left empty, or run_mode = "batch");
# otherwise `terraform apply -var template_version=...` performs the same update.
#
# Usage: TEMPLATE_VERSION=<tag> JDBC_URL=jdbc:postgresql://... templates/launch-streaming.sh [--update]
#        [--project P] [--region R] [--job-name NAME]
set -euo pipefail
source "$(dirname "$0")/defaults.sh"

UPDATE=false
JOB_NAME=${JOB_NAME:-${PREFIX}}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --update) UPDATE=true; shift ;;
    --project) PROJECT=$2; shift 2 ;;
    --region) REGION=$2; shift 2 ;;
    --job-name) JOB_NAME=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
require PROJECT REGION BUCKET TEMPLATE_VERSION JDBC_URL JOBS_SUBSCRIPTION DEAD_LETTER_TOPIC WORKER_SERVICE_ACCOUNT
require_secret_name JDBC_PASSWORD_SECRET_NAME
require_secret_name EDLINK_APP_SECRET_SECRET_NAME

PARAMETERS="jobsSubscription=${JOBS_SUBSCRIPTION}~deadLetterTopic=${DEAD_LETTER_TOPIC}~jdbcUrl=${JDBC_URL}"
PARAMETERS+="~jdbcUser=${JDBC_USER}~jdbcPasswordSecretName=${JDBC_PASSWORD_SECRET_NAME}"
PARAMETERS+="~edlinkAppSecretSecretName=${EDLINK_APP_SECRET_SECRET_NAME}"
[[ -z "$EXTRA_PARAMETERS" ]] || PARAMETERS+="~${EXTRA_PARAMETERS}"

ARGS=(
  "$JOB_NAME"
  --enable-streaming-engine
  # "^~^" makes "~" the separator, so values such as entityTypes may contain commas.
  --parameters="^~^${PARAMETERS}"
)
add_flex_run_args ARGS
[[ "$UPDATE" == false ]] || ARGS+=(--update)

gcloud dataflow flex-template run "${ARGS[@]}"
