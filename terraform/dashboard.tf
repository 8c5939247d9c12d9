# The fleet at a glance: Cloud Monitoring > Dashboards > "<prefix>: fleet". Fed by the pipeline's Beam counters
# (Dataflow exports them as job/user_counter, label metric_name = SyncMetrics' names), the run and retry lines
# (log-based metrics in monitoring.tf) and Pub/Sub. Per-integration detail: the Status command (docs/operations.md).
locals {
  user_counter = "dataflow_googleapis_com:job_user_counter{job_name=~\"${var.name_prefix}.*\",metric_name=~\"%s\"}"

  # Per hour, by metric_name, from per-job cumulative counters. A series that already existed an hour ago (the
  # streaming job) contributes its increase; a series born within the hour (a batch job) contributes its whole
  # value, which increase() would miss (it needs two samples and ignores the first).
  per_hour = "sum by (metric_name) ((increase(%[1]s[1h]) and %[1]s offset 1h) or (max_over_time(%[1]s[1h]) unless %[1]s offset 1h))"

  log_metric = "metric.type=\"logging.googleapis.com/user/%s\""

  dashboard_tiles = [
    {
      title = "Sync runs by status (per hour)"
      dataSets = [{
        plotType = "STACKED_BAR"
        timeSeriesQuery = {
          timeSeriesFilter = {
            filter = format(local.log_metric, google_logging_metric.sync_runs.name)
            aggregation = {
              alignmentPeriod    = "3600s"
              perSeriesAligner   = "ALIGN_SUM"
              crossSeriesReducer = "REDUCE_SUM"
              groupByFields      = ["metric.label.status"]
            }
          }
        }
      }]
    },
    {
      title = "Stalest integration: age of the last full sync (seconds)"
      dataSets = [{
        plotType = "LINE"
        # p99 of the ages every run reports, i.e. the stalest integrations (bucketed to 20%); the window matches
        # the default 6-hour tick, so every integration reports once per point.
        timeSeriesQuery = {
          timeSeriesFilter = {
            filter = format(local.log_metric, google_logging_metric.full_sync_age.name)
            aggregation = {
              alignmentPeriod    = "21600s"
              perSeriesAligner   = "ALIGN_PERCENTILE_99"
              crossSeriesReducer = "REDUCE_MAX"
            }
          }
        }
      }]
    },
    {
      title = "Edlink records fetched (per hour)"
      dataSets = [{
        plotType        = "LINE"
        timeSeriesQuery = { prometheusQuery = format(local.per_hour, format(local.user_counter, "records_fetched")) }
      }]
    },
    {
      title = "Rows written (per hour)"
      dataSets = [{
        plotType        = "STACKED_BAR"
        timeSeriesQuery = { prometheusQuery = format(local.per_hour, format(local.user_counter, "rows_created|rows_updated|rows_deleted")) }
      }]
    },
    {
      title = "Deletes held for approval (records, per hour)"
      dataSets = [{
        plotType        = "STACKED_BAR"
        timeSeriesQuery = { prometheusQuery = format(local.per_hour, format(local.user_counter, "deletes_held")) }
      }]
    },
    {
      title = "Dead letters: rejected records (per hour) and job messages waiting"
      dataSets = [
        {
          plotType        = "STACKED_BAR"
          timeSeriesQuery = { prometheusQuery = format(local.per_hour, format(local.user_counter, "records_rejected")) }
        },
        {
          plotType = "LINE"
          timeSeriesQuery = {
            timeSeriesFilter = {
              filter = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\" AND resource.label.subscription_id=\"${google_pubsub_subscription.dead_letters.name}\""
              aggregation = {
                alignmentPeriod  = "300s"
                perSeriesAligner = "ALIGN_MAX"
              }
            }
          }
        },
      ]
    },
    {
      title = "Edlink retries by reason (HTTP 429 = rate limited, per hour)"
      dataSets = [{
        plotType = "STACKED_BAR"
        timeSeriesQuery = {
          timeSeriesFilter = {
            filter = format(local.log_metric, google_logging_metric.edlink_retries.name)
            aggregation = {
              alignmentPeriod    = "3600s"
              perSeriesAligner   = "ALIGN_SUM"
              crossSeriesReducer = "REDUCE_SUM"
              groupByFields      = ["metric.label.reason"]
            }
          }
        }
      }]
    },
    {
      title = "Job backlog: job messages not yet taken by the streaming job"
      dataSets = [{
        plotType = "LINE"
        timeSeriesQuery = {
          timeSeriesFilter = {
            filter = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\" AND resource.label.subscription_id=\"${google_pubsub_subscription.jobs.name}\""
            aggregation = {
              alignmentPeriod  = "300s"
              perSeriesAligner = "ALIGN_MAX"
            }
          }
        }
      }]
    },
  ]
}

resource "google_monitoring_dashboard" "fleet" {
  dashboard_json = jsonencode({
    displayName = "${var.name_prefix}: fleet"
    mosaicLayout = {
      columns = 12
      tiles = [for i, t in local.dashboard_tiles : {
        xPos   = (i % 2) * 6
        yPos   = floor(i / 2) * 4
        width  = 6
        height = 4
        widget = {
          title   = t.title
          xyChart = { dataSets = t.dataSets }
        }
      }]
    }
  })
  depends_on = [google_project_service.apis]
}
