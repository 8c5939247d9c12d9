resource "google_storage_bucket" "dataflow" {
  name                        = local.bucket_name
  location                    = var.region
  labels                      = local.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  # Temp files and build sources are only needed while a job or build runs; template specs are kept.
  lifecycle_rule {
    condition {
      age            = 7
      matches_prefix = ["temp/", "staging/", "cloudbuild/"]
    }
    action {
      type = "Delete"
    }
  }
  depends_on = [google_project_service.apis]
}
