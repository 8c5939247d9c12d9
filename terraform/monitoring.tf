resource "google_monitoring_notification_channel" "email" {
  for_each     = toset(var.alert_emails)
  display_name = "${var.name_prefix} alerts: ${each.value}"
  type         = "email"
  labels = {
    email_address = each.value
  }
  depends_on = [google_project_service.apis]
}

locals {
  notification_channels = [for c in google_monitoring_notification_channel.email : c.id]
  # Streaming job and scheduled batch jobs both start with the prefix.
  job_filter = "job_name=~\"${var.name_prefix}.*\""
}

resource "google_monitoring_alert_policy" "dead_letters" {
  display_name          = "${var.name_prefix}: dead-lettered job messages"
  combiner              = "OR"
  notification_channels = local.notification_channels
  conditions {
    display_name = "Messages waiting in ${google_pubsub_subscription.dead_letters.name}"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${google_pubsub_subscription.dead_letters.name}\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }
  documentation {
    content   = "Job messages were rejected. Inspect and replay them with templates/replay-dead-letters.sh (see docs/operations.md)."
    mime_type = "text/markdown"
  }
  depends_on = [google_project_service.apis]
}

# From the pipeline's Beam counters (namespace roster-sync), exported by Dataflow as job/user_counter.
resource "google_monitoring_alert_policy" "failed_runs" {
  display_name          = "${var.name_prefix}: failed or held sync runs"
  combiner              = "OR"
  notification_channels = local.notification_channels
  conditions {
    display_name = "runs_failed increased"
    condition_prometheus_query_language {
      query    = "sum(increase(dataflow_googleapis_com:job_user_counter{metric_name=\"runs_failed\",${local.job_filter}}[30m])) > 0"
      duration = "0s"
    }
  }
  conditions {
    display_name = "runs_held increased (deletes wait for approval)"
    condition_prometheus_query_language {
      query    = "sum(increase(dataflow_googleapis_com:job_user_counter{metric_name=\"runs_held\",${local.job_filter}}[30m])) > 0"
      duration = "0s"
    }
  }
  documentation {
    content   = "A sync run failed or held its deletes. Read sync_runs (status, error, counts) and approve held deletes as described in docs/operations.md."
    mime_type = "text/markdown"
  }
  depends_on = [google_project_service.apis]
}
