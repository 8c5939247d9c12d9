data "google_project" "this" {
  project_id = var.project_id
}

locals {
  labels      = merge({ app = var.name_prefix }, var.labels)
  bucket_name = "${var.project_id}-${var.name_prefix}"
  # Flex Template specs are immutable per version, so a new version is an in-place job update.
  template_path = "gs://${local.bucket_name}/templates/${var.name_prefix}-${var.template_version}.json"
  launch        = var.template_version != ""
  jdbc_url = (var.create_cloud_sql
    ? "jdbc:postgresql://${google_sql_database_instance.db[0].private_ip_address}:5432/${var.db_name}"
  : var.existing_jdbc_url)
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_project_service" "apis" {
  for_each = toset([
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudscheduler.googleapis.com",
    "compute.googleapis.com",
    "dataflow.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "secretmanager.googleapis.com",
    "servicenetworking.googleapis.com",
    "sqladmin.googleapis.com",
    "storage.googleapis.com",
  ])
  project = var.project_id
  service = each.value
  # Other workloads of the project may use these APIs.
  disable_on_destroy = false
}

data "google_compute_network" "vpc" {
  name       = var.network
  depends_on = [google_project_service.apis]
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
