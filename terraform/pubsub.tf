resource "google_pubsub_topic" "jobs" {
  name       = "${var.name_prefix}-jobs"
  labels     = local.labels
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letters" {
  name                       = "${var.name_prefix}-dead-letters"
  labels                     = local.labels
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_subscription" "jobs" {
  name   = "${var.name_prefix}-jobs"
  topic  = google_pubsub_topic.jobs.id
  labels = local.labels
  # Dataflow manages leases itself; the 10 min deadline is for other readers (gcloud pull while debugging).
  ack_deadline_seconds       = 600
  message_retention_duration = "604800s"
  expiration_policy {
    ttl = ""
  }
  # No dead_letter_policy and no retry_policy: Dataflow reads this subscription and acknowledges messages itself,
  # once they are durably committed by its first fused stage (not after the sync), so Pub/Sub delivery attempts say
  # nothing about a job's fate and Google documents both features as unsupported with Dataflow. Invalid job
  # messages go to the dead-letter topic from the pipeline itself; failed syncs are recorded in sync_runs.
}

resource "google_pubsub_subscription" "dead_letters" {
  name                       = "${var.name_prefix}-dead-letters"
  topic                      = google_pubsub_topic.dead_letters.id
  labels                     = local.labels
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  expiration_policy {
    ttl = ""
  }
}
