# Optional Cloud SQL for PostgreSQL, reachable only on a private IP in var.network.
resource "google_compute_global_address" "private_services" {
  count         = var.create_cloud_sql ? 1 : 0
  name          = "${var.name_prefix}-private-services"
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  prefix_length = 16
  network       = data.google_compute_network.vpc.id
}

resource "google_service_networking_connection" "private_services" {
  count                   = var.create_cloud_sql ? 1 : 0
  network                 = data.google_compute_network.vpc.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.private_services[0].name]
  # Keeps the ranges of other services already peered on this network.
  update_on_creation_fail = true
  # Deleting the peering fails while Cloud SQL still holds its producer-side resources (they linger after the
  # instance is gone), which leaves `terraform destroy` stuck; the provider documents ABANDON for this.
  deletion_policy = "ABANDON"
}

resource "google_sql_database_instance" "db" {
  count               = var.create_cloud_sql ? 1 : 0
  name                = "${var.name_prefix}-db"
  region              = var.region
  database_version    = var.cloud_sql_version
  deletion_protection = var.cloud_sql_deletion_protection

  settings {
    # Without an edition the API picks ENTERPRISE_PLUS for POSTGRES_16, which refuses db-custom-* tiers; tier and
    # edition are chosen together (precondition below).
    edition           = var.cloud_sql_edition
    tier              = var.cloud_sql_tier
    disk_size         = var.cloud_sql_disk_gb
    disk_autoresize   = true
    availability_type = "ZONAL"
    user_labels       = local.labels

    ip_configuration {
      ipv4_enabled    = false
      private_network = data.google_compute_network.vpc.id
      # Encrypted connections only (the deployment's JDBC URL says sslmode=require).
      ssl_mode = "ENCRYPTED_ONLY"
    }

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
    }

    # Room for max_workers x dbPoolSize connections plus operators.
    database_flags {
      name  = "max_connections"
      value = tostring(max(100, var.max_workers * var.db_pool_size + 20))
    }
  }

  lifecycle {
    precondition {
      condition     = (var.cloud_sql_edition == "ENTERPRISE_PLUS") == startswith(var.cloud_sql_tier, "db-perf-optimized-")
      error_message = "cloud_sql_tier ${var.cloud_sql_tier} does not fit edition ${var.cloud_sql_edition}: ENTERPRISE_PLUS takes db-perf-optimized-N-* tiers, ENTERPRISE the others (db-custom-*, db-g1-small, ...)."
    }
  }

  depends_on = [google_service_networking_connection.private_services]
}

resource "google_sql_database" "roster" {
  count    = var.create_cloud_sql ? 1 : 0
  name     = var.db_name
  instance = google_sql_database_instance.db[0].name
}

resource "google_sql_user" "sync" {
  count    = var.create_cloud_sql ? 1 : 0
  name     = var.db_user
  instance = google_sql_database_instance.db[0].name
  password = random_password.db[0].result
  # The user owns the roster tables, so PostgreSQL refuses to drop it and `terraform destroy` gets stuck; the
  # instance's deletion removes it anyway.
  deletion_policy = "ABANDON"
}
