locals {
  labels      = merge({ app = var.name_prefix }, var.labels)
  bucket_name = "${var.project_id}-${var.name_prefix}"
  # Flex Template specs are immutable per version, so a new version is an in-place job update.
  template_path = "gs://${local.bucket_name}/templates/${var.name_prefix}-${var.template_version}.json"
  launch        = var.template_version != ""
  # sslmode=require: the instance accepts only encrypted connections (ssl_mode = ENCRYPTED_ONLY), and the driver
  # must not fall back to plain text either.
  jdbc_url = (var.create_cloud_sql
    ? "jdbc:postgresql://${google_sql_database_instance.db[0].private_ip_address}:5432/${var.db_name}?sslmode=require"
  : var.existing_jdbc_url)
}

# cloudresourcemanager (project IAM) and serviceusage (this very list) must be on before the rest can be managed;
# on a brand-new project enable those two once by hand (docs/operations.md, first apply).
resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "compute.googleapis.com",
    "dataflow.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "secretmanager.googleapis.com",
    "servicenetworking.googleapis.com",
    "serviceusage.googleapis.com",
    "sqladmin.googleapis.com",
    "storage.googleapis.com",
    "workflows.googleapis.com",
  ])
  project = var.project_id
  service = each.value
  # Other workloads of the project may use these APIs.
  disable_on_destroy = false
}

data "google_compute_network" "vpc" {
  name       = var.network
  depends_on = [google_project_service.apis]

  lifecycle {
    # Dataflow picks a subnet by itself only in auto-mode networks ("default" is one); custom-mode VPCs need it named.
    postcondition {
      condition     = var.subnetwork != "" || var.network == "default"
      error_message = "Network ${var.network} is not the auto-mode default network: set subnetwork = \"regions/${var.region}/subnetworks/<name>\" (a subnet of ${var.network} in ${var.region})."
    }
  }
}

# IAM grants take up to a few minutes to reach every Google service; a launch right after them can fail with
# permission errors on the launcher VM. Jobs and the batch tick start only after this pause.
resource "time_sleep" "iam_propagation" {
  create_duration = "90s"
  depends_on = [
    google_project_service.apis,
    google_project_iam_member.worker_dataflow,
    google_pubsub_subscription_iam_member.worker_reads_jobs,
    google_pubsub_topic_iam_member.worker_writes_dead_letters,
    google_secret_manager_secret_iam_member.worker_reads_secrets,
    google_storage_bucket_iam_member.worker_bucket,
    google_artifact_registry_repository_iam_member.worker_pulls_image,
    google_project_iam_member.scheduler_launches_jobs,
    google_service_account_iam_member.scheduler_acts_as_worker,
    google_storage_bucket_iam_member.scheduler_reads_templates,
    google_project_iam_member.scheduler_invokes_workflow,
    google_project_iam_member.scheduler_writes_logs,
  ]
}

# Dataflow workers talk to each other on these ports; the default network allows it, custom ones may not.
resource "google_compute_firewall" "dataflow_workers" {
  name        = "${var.name_prefix}-dataflow-workers"
  network     = data.google_compute_network.vpc.self_link
  direction   = "INGRESS"
  source_tags = ["dataflow"]
  target_tags = ["dataflow"]
  allow {
    protocol = "tcp"
    ports    = ["12345-12346"]
  }
}
