# The workers (and the template launcher, which runs as the same account): only what the pipeline touches.
resource "google_service_account" "worker" {
  account_id   = "${var.name_prefix}-worker"
  display_name = "${var.name_prefix} Dataflow workers"
  depends_on   = [google_project_service.apis]
}

locals {
  worker = "serviceAccount:${google_service_account.worker.email}"
}

resource "google_project_iam_member" "worker_dataflow" {
  project = var.project_id
  role    = "roles/dataflow.worker"
  member  = local.worker
}

resource "google_pubsub_subscription_iam_member" "worker_reads_jobs" {
  for_each     = toset(["roles/pubsub.subscriber", "roles/pubsub.viewer"])
  subscription = google_pubsub_subscription.jobs.id
  role         = each.value
  member       = local.worker
}

resource "google_pubsub_topic_iam_member" "worker_writes_dead_letters" {
  topic  = google_pubsub_topic.dead_letters.id
  role   = "roles/pubsub.publisher"
  member = local.worker
}

resource "google_secret_manager_secret_iam_member" "worker_reads_secrets" {
  for_each = {
    edlink_app_secret = google_secret_manager_secret.edlink_app_secret.id
    db_password       = google_secret_manager_secret.db_password.id
  }
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = local.worker
}

resource "google_storage_bucket_iam_member" "worker_bucket" {
  bucket = google_storage_bucket.dataflow.name
  role   = "roles/storage.objectAdmin"
  member = local.worker
}

resource "google_artifact_registry_repository_iam_member" "worker_pulls_image" {
  repository = google_artifact_registry_repository.images.name
  location   = google_artifact_registry_repository.images.location
  role       = "roles/artifactregistry.reader"
  member     = local.worker
}

# No roles/cloudsql.client: the pipeline connects to the private IP over JDBC, not through the Cloud SQL connector.

# templates/build.sh runs Cloud Build as this account: push images, read uploaded sources, write build logs.
resource "google_service_account" "build" {
  account_id   = "${var.name_prefix}-build"
  display_name = "${var.name_prefix} template image builds"
  depends_on   = [google_project_service.apis]
}

resource "google_artifact_registry_repository_iam_member" "build_pushes_image" {
  repository = google_artifact_registry_repository.images.name
  location   = google_artifact_registry_repository.images.location
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.build.email}"
}

resource "google_storage_bucket_iam_member" "build_reads_sources" {
  bucket = google_storage_bucket.dataflow.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}

resource "google_project_iam_member" "build_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build.email}"
}
