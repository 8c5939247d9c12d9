# The tick. Streaming: publish {"all": true} (with the tick mode) to the jobs topic. Batch: start the launch workflow
# below, which launches a batch job that syncs every integration once and stops; without a template version there is
# nothing to launch (e.g. cron on a VM).
resource "google_cloud_scheduler_job" "tick" {
  count       = var.run_mode == "streaming" || local.launch ? 1 : 0
  name        = "${var.name_prefix}-tick"
  region      = var.region
  schedule    = var.schedule
  time_zone   = var.time_zone
  description = "Sync every active Edlink integration (${var.run_mode})."

  dynamic "pubsub_target" {
    for_each = var.run_mode == "streaming" ? [1] : []
    content {
      topic_name = google_pubsub_topic.jobs.id
      data       = base64encode(jsonencode({ all = true, mode = var.tick_mode, request_id = "scheduler" }))
    }
  }

  dynamic "http_target" {
    for_each = var.run_mode == "batch" ? [1] : []
    content {
      http_method = "POST"
      uri         = "https://workflowexecutions.googleapis.com/v1/${google_workflows_workflow.batch_tick[0].id}/executions"
      headers     = { "Content-Type" = "application/json" }
      body        = base64encode(jsonencode({ argument = jsonencode({}) }))
      oauth_token {
        service_account_email = google_service_account.scheduler[0].email
        scope                 = "https://www.googleapis.com/auth/cloud-platform"
      }
    }
  }

  retry_config {
    retry_count          = 3
    min_backoff_duration = "60s"
  }
  depends_on = [google_project_service.apis, time_sleep.iam_propagation]
}

# Batch mode: Cloud Scheduler sends the same body every time, but Dataflow refuses a second active job with the same
# name (HTTP 409), so a tick that starts while the previous batch job still runs would fail. The workflow gives each
# tick its own job name (<prefix>-tick-<unix seconds>); overlapping jobs are safe because each integration's run
# takes a lease in sync_leases.
resource "google_workflows_workflow" "batch_tick" {
  count           = var.run_mode == "batch" && local.launch ? 1 : 0
  name            = "${var.name_prefix}-batch-tick"
  region          = var.region
  description     = "Launches one roster-sync batch job per Cloud Scheduler tick, under a unique job name."
  service_account = google_service_account.scheduler[0].id
  labels          = local.labels
  source_contents = jsonencode({
    main = {
      steps = [
        {
          launch = {
            call = "http.post"
            args = {
              url  = "https://dataflow.googleapis.com/v1b3/projects/${var.project_id}/locations/${var.region}/flexTemplates:launch"
              auth = { type = "OAuth2" }
              body = {
                launchParameter = {
                  jobName              = "$${\"${var.name_prefix}-tick-\" + string(int(sys.now()))}"
                  containerSpecGcsPath = local.template_path
                  parameters           = local.batch_parameters
                  environment = {
                    serviceAccountEmail = google_service_account.worker.email
                    tempLocation        = "gs://${google_storage_bucket.dataflow.name}/temp"
                    stagingLocation     = "gs://${google_storage_bucket.dataflow.name}/staging"
                    machineType         = var.machine_type
                    maxWorkers          = var.max_workers
                    network             = var.network
                    subnetwork          = var.subnetwork == "" ? null : var.subnetwork
                    ipConfiguration     = var.use_public_ips ? "WORKER_IP_PUBLIC" : "WORKER_IP_PRIVATE"
                  }
                }
              }
            }
            result = "launched"
          }
        },
        {
          done = {
            return = "$${launched.body.job.id}"
          }
        },
      ]
    }
  })
  depends_on = [
    google_project_service.apis,
    google_sql_database.roster,
    google_sql_user.sync,
    google_secret_manager_secret_version.db_password,
  ]
}

# Batch mode only: the identity of the tick and of the launch workflow.
resource "google_service_account" "scheduler" {
  count        = var.run_mode == "batch" ? 1 : 0
  account_id   = "${var.name_prefix}-scheduler"
  display_name = "${var.name_prefix} scheduled batch launches"
  depends_on   = [google_project_service.apis]
}

resource "google_project_iam_member" "scheduler_invokes_workflow" {
  count   = var.run_mode == "batch" ? 1 : 0
  project = var.project_id
  role    = "roles/workflows.invoker"
  member  = "serviceAccount:${google_service_account.scheduler[0].email}"
}

resource "google_project_iam_member" "scheduler_writes_logs" {
  count   = var.run_mode == "batch" ? 1 : 0
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.scheduler[0].email}"
}

resource "google_project_iam_member" "scheduler_launches_jobs" {
  count   = var.run_mode == "batch" ? 1 : 0
  project = var.project_id
  role    = "roles/dataflow.developer"
  member  = "serviceAccount:${google_service_account.scheduler[0].email}"
}

resource "google_service_account_iam_member" "scheduler_acts_as_worker" {
  count              = var.run_mode == "batch" ? 1 : 0
  service_account_id = google_service_account.worker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.scheduler[0].email}"
}

resource "google_storage_bucket_iam_member" "scheduler_reads_templates" {
  count  = var.run_mode == "batch" ? 1 : 0
  bucket = google_storage_bucket.dataflow.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.scheduler[0].email}"
}
