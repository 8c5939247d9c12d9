# Template parameters, by their names in templates/metadata.json. TerraformWiringTest reads this file: every key
# must be a template parameter, every required parameter must be here, variable defaults must equal the template's,
# and secrets pass only as Secret Manager names.
locals {
  # Only when set: the template's checks reject an empty value.
  optional_parameters = { for k, v in {
    entityTypes = var.entity_types
  } : k => v if v != "" }

  common_parameters = merge({
    jdbcUrl                   = local.jdbc_url
    jdbcUser                  = var.db_user
    jdbcPasswordSecretName    = "${google_secret_manager_secret.db_password.id}/versions/latest"
    edlinkAppSecretSecretName = "${google_secret_manager_secret.edlink_app_secret.id}/versions/latest"
    edlinkBaseUrl             = var.edlink_base_url
    dbPoolSize                = tostring(var.db_pool_size)
    writeRowsInFlight         = tostring(var.write_rows_in_flight)
    pageSize                  = tostring(var.page_size)
    pageFromBothEnds          = tostring(var.page_from_both_ends)
    pageRecordsInFlight       = tostring(var.page_records_in_flight)
    maxSkipAge                = var.max_skip_age
    leaseTtl                  = var.lease_ttl
    maxRunDuration            = var.max_run_duration
    recordsPerShard           = tostring(var.records_per_shard)
    maxShards                 = tostring(var.max_shards)
    fetchBytesPerElement      = tostring(var.fetch_bytes_per_element)
    batchSize                 = tostring(var.batch_size)
    deleteMode                = var.delete_mode
    maxDeleteFraction         = tostring(var.max_delete_fraction)
    deleteGuardMinRows        = tostring(var.delete_guard_min_rows)
  }, local.optional_parameters)

  streaming_parameters = merge(local.common_parameters, {
    jobsSubscription = google_pubsub_subscription.jobs.id
    deadLetterTopic  = google_pubsub_topic.dead_letters.id
  })

  batch_parameters = merge(local.common_parameters, {
    allIntegrations = "true"
    mode            = var.tick_mode
  })
}
