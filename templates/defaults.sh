# Shared settings of the scripts in templates/. Every value can come from the environment; names follow the
# Terraform defaults (name_prefix "roster-sync"), and `terraform -chdir=terraform output -raw script_env` prints
# the exports for a deployed project. Never put a secret value here: only Secret Manager names.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${PREFIX:-roster-sync}
PROJECT=${PROJECT:-$(gcloud config get-value project 2>/dev/null || true)}
REGION=${REGION:-us-central1}
BUCKET=${BUCKET:-${PROJECT}-${PREFIX}}
REPOSITORY=${REPOSITORY:-${PREFIX}}
WORKER_SERVICE_ACCOUNT=${WORKER_SERVICE_ACCOUNT:-${PREFIX}-worker@${PROJECT}.iam.gserviceaccount.com}
BUILD_SERVICE_ACCOUNT=${BUILD_SERVICE_ACCOUNT:-${PREFIX}-build@${PROJECT}.iam.gserviceaccount.com}
JOBS_TOPIC=${JOBS_TOPIC:-projects/${PROJECT}/topics/${PREFIX}-jobs}
JOBS_SUBSCRIPTION=${JOBS_SUBSCRIPTION:-projects/${PROJECT}/subscriptions/${PREFIX}-jobs}
DEAD_LETTER_TOPIC=${DEAD_LETTER_TOPIC:-projects/${PROJECT}/topics/${PREFIX}-dead-letters}
DEAD_LETTER_SUBSCRIPTION=${DEAD_LETTER_SUBSCRIPTION:-projects/${PROJECT}/subscriptions/${PREFIX}-dead-letters}
JDBC_USER=${JDBC_USER:-postgres}
JDBC_PASSWORD_SECRET_NAME=${JDBC_PASSWORD_SECRET_NAME:-projects/${PROJECT}/secrets/${PREFIX}-db-password/versions/latest}
EDLINK_APP_SECRET_SECRET_NAME=${EDLINK_APP_SECRET_SECRET_NAME:-projects/${PROJECT}/secrets/${PREFIX}-edlink-app-secret/versions/latest}
NETWORK=${NETWORK:-default}
SUBNETWORK=${SUBNETWORK:-}
# false: workers get private IPs only (--disable-public-ips), as Terraform's use_public_ips = false; needed where an
# org policy forbids external IPs, and then the network needs Cloud NAT to reach Edlink.
USE_PUBLIC_IPS=${USE_PUBLIC_IPS:-true}
MACHINE_TYPE=${MACHINE_TYPE:-n1-standard-2}
MAX_WORKERS=${MAX_WORKERS:-3}
# Extra template parameters, "~"-separated (values may contain commas), e.g. "maxDeleteFraction=0.2~batchSize=500".
EXTRA_PARAMETERS=${EXTRA_PARAMETERS:-}

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

require() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || die "$name is not set (environment variable or flag)"
  done
}

# Only Secret Manager version names may reach a job; a value that is not one is refused, never echoed.
require_secret_name() {
  local name=$1
  [[ "${!name}" =~ ^projects/[^/]+/secrets/[^/]+/versions/[^/]+$ ]] \
    || die "$name must be a Secret Manager version name projects/<p>/secrets/<s>/versions/<v>"
}

# The flags of `gcloud dataflow flex-template run` shared by launch-streaming.sh and run-batch.sh: where the
# template and the job's files are, who the workers are, their machines and network. Appended to the array named
# by $1; the job's name and parameters are the caller's.
add_flex_run_args() {
  local -n args=$1
  args+=(
    --project="$PROJECT"
    --region="$REGION"
    --template-file-gcs-location="$(template_path "$TEMPLATE_VERSION")"
    --service-account-email="$WORKER_SERVICE_ACCOUNT"
    --staging-location="gs://${BUCKET}/staging"
    --temp-location="gs://${BUCKET}/temp"
    --worker-machine-type="$MACHINE_TYPE"
    --max-workers="$MAX_WORKERS"
    --network="$NETWORK"
  )
  [[ -z "$SUBNETWORK" ]] || args+=(--subnetwork="$SUBNETWORK")
  case "$USE_PUBLIC_IPS" in
    true) ;;
    false) args+=(--disable-public-ips) ;;
    *) die "USE_PUBLIC_IPS must be true or false" ;;
  esac
}

template_path() {
  echo "gs://${BUCKET}/templates/${PREFIX}-${1}.json"
}
