#!/usr/bin/env bash
# Builds the bundled jar, the launcher image from templates/Dockerfile (Cloud Build, as the build service account)
# and the Flex Template spec gs://$BUCKET/templates/$PREFIX-$TAG.json. Specs are never overwritten: deploy a new
# one by passing its tag to Terraform (template_version) or to launch-streaming.sh --update.
#
# Usage: templates/build.sh [--project P] [--region R] [--bucket B] [--tag TAG] [--skip-maven]
set -euo pipefail
source "$(dirname "$0")/defaults.sh"

SKIP_MAVEN=false
TAG=${TAG:-}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --project) PROJECT=$2; shift 2 ;;
    --region) REGION=$2; shift 2 ;;
    --bucket) BUCKET=$2; shift 2 ;;
    --tag) TAG=$2; shift 2 ;;
    --skip-maven) SKIP_MAVEN=true; shift ;;
    *) die "unknown argument $1" ;;
  esac
done
require PROJECT REGION BUCKET REPOSITORY BUILD_SERVICE_ACCOUNT
TAG=${TAG:-$(git -C "$ROOT" rev-parse --short HEAD)-$(date -u +%Y%m%d%H%M%S)}
[[ "$TAG" =~ ^[a-z0-9][a-z0-9._-]*$ ]] || die "tag must be lowercase letters, digits, . _ -"

JAR="$ROOT/pipeline/target/roster-sync-pipeline-bundled.jar"
IMAGE="${REGION}-docker.pkg.dev/${PROJECT}/${REPOSITORY}/${PREFIX}:${TAG}"
SPEC=$(template_path "$TAG")

if [[ "$SKIP_MAVEN" == false ]]; then
  (cd "$ROOT" && mvn -B -q -pl pipeline -am package -DskipTests)
fi
[[ -f "$JAR" ]] || die "$JAR is missing; run without --skip-maven"

CONTEXT=$(mktemp -d)
trap 'rm -rf "$CONTEXT"' EXIT
cp "$ROOT/templates/Dockerfile" "$JAR" "$CONTEXT/"
# A user-chosen build service account must log to Cloud Logging or a user bucket, so the config says so.
cat > "$CONTEXT/cloudbuild.yaml" <<YAML
steps:
  - name: gcr.io/cloud-builders/docker
    args: ["build", "-t", "${IMAGE}", "."]
images: ["${IMAGE}"]
serviceAccount: projects/${PROJECT}/serviceAccounts/${BUILD_SERVICE_ACCOUNT}
options:
  logging: CLOUD_LOGGING_ONLY
YAML

echo "Building image $IMAGE"
gcloud builds submit "$CONTEXT" --project="$PROJECT" --region="$REGION" --config="$CONTEXT/cloudbuild.yaml" \
  --gcs-source-staging-dir="gs://${BUCKET}/cloudbuild/source"

echo "Writing template spec $SPEC"
gcloud dataflow flex-template build "$SPEC" --project="$PROJECT" \
  --image="$IMAGE" --sdk-language=JAVA --metadata-file="$ROOT/templates/metadata.json"

echo
echo "Template version: $TAG"
echo "  Terraform:  terraform -chdir=terraform apply -var template_version=$TAG"
echo "  or script:  TEMPLATE_VERSION=$TAG templates/launch-streaming.sh [--update]"
