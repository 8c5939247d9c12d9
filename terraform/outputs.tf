output "bucket" {
  description = "Staging, temp and template bucket."
  value       = google_storage_bucket.dataflow.name
}

output "jobs_topic" {
  description = "Publish job messages here."
  value       = google_pubsub_topic.jobs.id
}

output "dead_letter_subscription" {
  description = "Rejected job messages wait here."
  value       = google_pubsub_subscription.dead_letters.id
}

output "edlink_app_secret" {
  description = "Secret to add the Edlink application secret to (gcloud secrets versions add)."
  value       = google_secret_manager_secret.edlink_app_secret.secret_id
}

output "db_password_secret" {
  description = "Secret holding the database password (filled by Terraform when it creates Cloud SQL)."
  value       = google_secret_manager_secret.db_password.secret_id
}

output "jdbc_url" {
  description = "JDBC URL the pipeline uses (no password)."
  value       = local.jdbc_url
}

output "worker_service_account" {
  description = "Service account of the Dataflow launcher and workers."
  value       = google_service_account.worker.email
}

output "streaming_job_id" {
  description = "Id of the streaming Dataflow job, once launched."
  value       = one(google_dataflow_flex_template_job.streaming[*].job_id)
}

output "script_env" {
  description = "Exports for the scripts in templates/: eval \"$(terraform -chdir=terraform output -raw script_env)\"."
  value = join("\n", [
    "export PROJECT='${var.project_id}'",
    "export REGION='${var.region}'",
    "export PREFIX='${var.name_prefix}'",
    "export BUCKET='${google_storage_bucket.dataflow.name}'",
    "export REPOSITORY='${google_artifact_registry_repository.images.repository_id}'",
    "export WORKER_SERVICE_ACCOUNT='${google_service_account.worker.email}'",
    "export BUILD_SERVICE_ACCOUNT='${google_service_account.build.email}'",
    "export JOBS_TOPIC='${google_pubsub_topic.jobs.id}'",
    "export JOBS_SUBSCRIPTION='${google_pubsub_subscription.jobs.id}'",
    "export DEAD_LETTER_TOPIC='${google_pubsub_topic.dead_letters.id}'",
    "export DEAD_LETTER_SUBSCRIPTION='${google_pubsub_subscription.dead_letters.id}'",
    "export JDBC_URL='${local.jdbc_url}'",
    "export JDBC_USER='${var.db_user}'",
    "export JDBC_PASSWORD_SECRET_NAME='${local.common_parameters.jdbcPasswordSecretName}'",
    "export EDLINK_APP_SECRET_SECRET_NAME='${local.common_parameters.edlinkAppSecretSecretName}'",
    "export NETWORK='${var.network}'",
    "export SUBNETWORK='${var.subnetwork}'",
    "export USE_PUBLIC_IPS='${var.use_public_ips}'",
    "export MACHINE_TYPE='${var.machine_type}'",
    "export MAX_WORKERS='${var.max_workers}'",
    "export TEMPLATE_VERSION='${var.template_version}'",
  ])
}
