resource "google_artifact_registry_repository" "images" {
  repository_id = var.name_prefix
  location      = var.region
  format        = "DOCKER"
  description   = "Flex Template launcher images of ${var.name_prefix}"
  labels        = local.labels

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s"
    }
  }
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }
  # KEEP wins over DELETE: the image of the deployed template version stays however old it is, because every
  # Flex Template launch (an update, each batch tick) pulls it. Tags are the template version (templates/build.sh).
  dynamic "cleanup_policies" {
    for_each = var.template_version == "" ? [] : [var.template_version]
    content {
      id     = "keep-deployed"
      action = "KEEP"
      condition {
        tag_state    = "TAGGED"
        tag_prefixes = [cleanup_policies.value]
      }
    }
  }
  depends_on = [google_project_service.apis]
}
