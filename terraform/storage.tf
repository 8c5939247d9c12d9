resource "google_storage_bucket" "dataflow" {
  name                        = local.bucket_name
  location                    = var.region
  labels                      = local.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  # Only temp files and build sources expire: they are needed while one job or build runs. staging/ never expires:
  # a streaming job's workers read its staged jar and pipeline description whenever a VM starts (autoscaling, a
  # replaced VM, an update) for as long as the job runs, and batch launches reuse staged files by content hash.
  # Template specs (templates/) are kept too. docs/operations.md says how to prune staging/ by hand.
  lifecycle_rule {
    condition {
      age            = 7
      matches_prefix = ["temp/", "cloudbuild/"]
    }
    action {
      type = "Delete"
    }
  }
  depends_on = [google_project_service.apis]
}
