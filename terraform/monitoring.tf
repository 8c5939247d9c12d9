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
  # Worker logs of the streaming job (<prefix>) and of every batch job (<prefix>-tick-..., <prefix>-batch-...).
  worker_logs = "resource.type=\"dataflow_step\" AND resource.labels.job_name=~\"^${var.name_prefix}\""
  # RecordRuns logs one line per recorded run: "sync run recorded: status=<s> integration=<id> run=<id>
  # full_sync_age_s=<n|never> [error=...]" (RecordRunsLogTest keeps these patterns and the line in step).
  run_line_regex   = "^sync run recorded: "
  run_status_regex = "status=([a-z]+)"
  run_age_regex    = "full_sync_age_s=([0-9]+)"
  run_line_filter  = "${local.worker_logs} AND jsonPayload.message=~\"${local.run_line_regex}\""
  # EdlinkClient logs every retry: "GET <path> attempt <n>/<max> failed: HTTP 429 ...; retrying in <ms> ms".
  retry_line_regex   = "^GET .* attempt [0-9]+/[0-9]+ failed: "
  retry_reason_regex = "failed: (HTTP [0-9]+|[a-z_]+)"
  retry_line_filter  = "${local.worker_logs} AND jsonPayload.message=~\"${local.retry_line_regex}\""
}

# Runs by status, counted from the run lines. A log-based counter is a DELTA metric: every run is one point, so the
# first failed run of a fresh job, and the single report of a short batch job, count like any other.
resource "google_logging_metric" "sync_runs" {
  name   = "${var.name_prefix}/sync_runs"
  filter = local.run_line_filter
  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "${var.name_prefix} sync runs"
    labels {
      key         = "status"
      value_type  = "STRING"
      description = "succeeded, partial, failed, held or skipped"
    }
  }
  label_extractors = {
    status = "REGEXP_EXTRACT(jsonPayload.message, \"${local.run_status_regex}\")"
  }
  depends_on = [google_project_service.apis]
}

# Age of each integration's last successful full sync, as every run records it (skipped runs included).
resource "google_logging_metric" "full_sync_age" {
  name            = "${var.name_prefix}/full_sync_age"
  filter          = local.run_line_filter
  value_extractor = "REGEXP_EXTRACT(jsonPayload.message, \"${local.run_age_regex}\")"
  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "DISTRIBUTION"
    unit         = "s"
    display_name = "${var.name_prefix} age of the last full sync"
  }
  bucket_options {
    exponential_buckets {
      num_finite_buckets = 64
      growth_factor      = 1.2
      scale              = 60
    }
  }
  depends_on = [google_project_service.apis]
}

resource "google_logging_metric" "edlink_retries" {
  name   = "${var.name_prefix}/edlink_retries"
  filter = local.retry_line_filter
  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "${var.name_prefix} Edlink retries"
    labels {
      key         = "reason"
      value_type  = "STRING"
      description = "HTTP status (HTTP 429 = rate limited) or transport failure"
    }
  }
  label_extractors = {
    reason = "REGEXP_EXTRACT(jsonPayload.message, \"${local.retry_reason_regex}\")"
  }
  depends_on = [google_project_service.apis]
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
    content   = "Job messages were rejected. Inspect and replay them with templates/replay-dead-letters.sh (docs/operations.md)."
    mime_type = "text/markdown"
  }
  depends_on = [google_project_service.apis]
}

# Fires on the first failed, partial or held run. Not increase() over the Beam counters (job/user_counter): those are
# per-job cumulative gauges, and increase() needs two samples, so a fresh streaming job's first failure and every
# failure of a batch job that reports once would raise nothing. The run lines are a DELTA metric: ALIGN_SUM over
# five minutes is the number of such runs in them, > 0 from the first one.
resource "google_monitoring_alert_policy" "failed_runs" {
  display_name          = "${var.name_prefix}: failed or held sync runs"
  combiner              = "OR"
  notification_channels = local.notification_channels
  conditions {
    display_name = "A sync run failed (status failed or partial)"
    condition_threshold {
      filter          = "metric.type = \"logging.googleapis.com/user/${google_logging_metric.sync_runs.name}\" AND metric.labels.status = one_of(\"failed\", \"partial\")"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.status"]
      }
      trigger {
        count = 1
      }
    }
  }
  conditions {
    display_name = "A sync run held its deletes (waiting for approval)"
    condition_threshold {
      filter          = "metric.type = \"logging.googleapis.com/user/${google_logging_metric.sync_runs.name}\" AND metric.labels.status = \"held\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
      trigger {
        count = 1
      }
    }
  }
  # A window without failures has no points; close the incident then, so the next failure notifies again.
  alert_strategy {
    auto_close = "1800s"
  }
  documentation {
    content   = "A sync run failed or held its deletes. Run the Status command (docs/operations.md) to see which integrations, their errors and held deletes; approve held deletes as described there."
    mime_type = "text/markdown"
  }
  depends_on = [google_project_service.apis]
}
