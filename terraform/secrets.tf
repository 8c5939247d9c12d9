# Secret containers only: values are added outside Terraform (see docs/operations.md) so they never appear in
# files; the one exception is the generated Cloud SQL password, which exists only in state.
resource "google_secret_manager_secret" "edlink_app_secret" {
  secret_id = "${var.name_prefix}-edlink-app-secret"
  labels    = local.labels
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret" "db_password" {
  secret_id = "${var.name_prefix}-db-password"
  labels    = local.labels
  replication {
    auto {}
  }
  depends_on = [google_project_service.apis]
}

resource "random_password" "db" {
  count   = var.create_cloud_sql ? 1 : 0
  length  = 32
  special = false
}

resource "google_secret_manager_secret_version" "db_password" {
  count       = var.create_cloud_sql ? 1 : 0
  secret      = google_secret_manager_secret.db_password.id
  secret_data = random_password.db[0].result
}
