# The streaming job. Its name is stable, so a new template_version or parameter is an in-place update that keeps
# in-flight work (step names are stable too); destroying it drains it.
resource "google_dataflow_flex_template_job" "streaming" {
  provider = google-beta
  count    = local.launch && var.run_mode == "streaming" ? 1 : 0

  name                    = var.name_prefix
  region                  = var.region
  container_spec_gcs_path = local.template_path
  parameters              = local.streaming_parameters
  service_account_email   = google_service_account.worker.email
  temp_location           = "gs://${google_storage_bucket.dataflow.name}/temp"
  staging_location        = "gs://${google_storage_bucket.dataflow.name}/staging"
  machine_type            = var.machine_type
  max_workers             = var.max_workers
  network                 = var.network
  subnetwork              = var.subnetwork == "" ? null : var.subnetwork
  ip_configuration        = var.use_public_ips ? "WORKER_IP_PUBLIC" : "WORKER_IP_PRIVATE"
  enable_streaming_engine = true
  on_delete               = "drain"
  labels                  = local.labels

  lifecycle {
    precondition {
      condition     = local.jdbc_url != ""
      error_message = "Set create_cloud_sql = true or existing_jdbc_url."
    }
  }

  # The launcher runs Flyway against the database before it submits the job, and the launcher VM needs the APIs and
  # the worker's grants (time_sleep waits for them to propagate).
  depends_on = [
    google_project_service.apis,
    time_sleep.iam_propagation,
    google_compute_firewall.dataflow_workers,
    google_secret_manager_secret_version.db_password,
    google_sql_database.roster,
    google_sql_user.sync,
  ]
}
