variable "project_id" {
  description = "Google Cloud project to deploy into."
  type        = string
}

variable "region" {
  description = "Region of the Dataflow job, bucket, Artifact Registry, Cloud SQL and Cloud Scheduler."
  type        = string
  default     = "us-central1"
}

variable "name_prefix" {
  description = "Prefix of every resource name; templates/defaults.sh assumes the default."
  type        = string
  default     = "roster-sync"
}

variable "labels" {
  description = "Labels added to every resource that takes them."
  type        = map(string)
  default     = {}
}

# --- Schedule ---------------------------------------------------------------------------------------------------

variable "schedule" {
  description = "Cron of the {\"all\": true} tick (every 6 hours by default; every 4 hours costs 50% more)."
  type        = string
  default     = "0 */6 * * *"
}

variable "time_zone" {
  description = "Time zone of the schedule."
  type        = string
  default     = "Etc/UTC"
}

variable "run_mode" {
  description = "streaming: one long-running job reads the jobs subscription; batch: each tick launches a batch job that syncs all integrations and stops."
  type        = string
  default     = "streaming"
  validation {
    condition     = contains(["streaming", "batch"], var.run_mode)
    error_message = "run_mode must be streaming or batch."
  }
}

variable "tick_mode" {
  description = "Mode of scheduled runs: auto uses the events change gate, full always syncs everything."
  type        = string
  default     = "auto"
  validation {
    condition     = contains(["auto", "full"], var.tick_mode)
    error_message = "tick_mode must be auto or full."
  }
}

# --- Template and job -------------------------------------------------------------------------------------------

variable "template_version" {
  description = "Tag printed by templates/build.sh; the job runs gs://<bucket>/templates/<prefix>-<version>.json. Leave empty on the first apply (before any template is built): no job is launched."
  type        = string
  default     = ""
}

variable "machine_type" {
  description = "Worker machine type."
  type        = string
  default     = "n1-standard-2"
}

variable "max_workers" {
  description = "Upper bound of autoscaling; also bounds database connections (max_workers x db_pool_size)."
  type        = number
  default     = 3
}

variable "network" {
  description = "VPC of the workers and the template launcher; Cloud SQL gets its private IP here."
  type        = string
  default     = "default"
}

variable "subnetwork" {
  description = "Subnetwork self link or regions/<region>/subnetworks/<name>. Required unless network is the auto-mode \"default\" network (only there does Dataflow pick a subnet by itself)."
  type        = string
  default     = ""
  validation {
    condition     = var.subnetwork == "" || can(regex("^(https://www\\.googleapis\\.com/compute/v1/)?(projects/[^/]+/)?regions/[^/]+/subnetworks/[^/]+$", var.subnetwork))
    error_message = "subnetwork must be regions/<region>/subnetworks/<name> or a full subnetwork self link."
  }
}

variable "use_public_ips" {
  description = "Give workers public IPs, which they need to reach Edlink unless the network has Cloud NAT."
  type        = bool
  default     = true
}

# --- Database ---------------------------------------------------------------------------------------------------

variable "create_cloud_sql" {
  description = "Create a Cloud SQL for PostgreSQL instance with a private IP. false: use existing_jdbc_url."
  type        = bool
  default     = true
}

variable "existing_jdbc_url" {
  description = "JDBC URL of an existing PostgreSQL database reachable from the network (when create_cloud_sql = false). Holds no password; add ?sslmode=require (or verify-full) unless the network path is encrypted otherwise."
  type        = string
  default     = ""
  validation {
    condition     = var.existing_jdbc_url == "" || can(regex("^jdbc:postgresql://", var.existing_jdbc_url))
    error_message = "existing_jdbc_url must start with jdbc:postgresql://."
  }
}

variable "cloud_sql_tier" {
  description = "Cloud SQL machine tier; must fit cloud_sql_edition (ENTERPRISE: db-custom-CPUS-MB, db-g1-small...; ENTERPRISE_PLUS: db-perf-optimized-N-CPUS)."
  type        = string
  default     = "db-custom-1-3840"
}

variable "cloud_sql_edition" {
  description = "Cloud SQL edition, chosen together with cloud_sql_tier. Left unset, the API picks ENTERPRISE_PLUS for PostgreSQL 16, which refuses db-custom tiers."
  type        = string
  default     = "ENTERPRISE"
  validation {
    condition     = contains(["ENTERPRISE", "ENTERPRISE_PLUS"], var.cloud_sql_edition)
    error_message = "cloud_sql_edition must be ENTERPRISE or ENTERPRISE_PLUS."
  }
}

variable "cloud_sql_version" {
  description = "Cloud SQL PostgreSQL version."
  type        = string
  default     = "POSTGRES_16"
}

variable "cloud_sql_disk_gb" {
  description = "Initial disk size of the Cloud SQL instance (it grows automatically)."
  type        = number
  default     = 20
}

variable "cloud_sql_deletion_protection" {
  description = "Protect the Cloud SQL instance from terraform destroy."
  type        = bool
  default     = true
}

variable "db_name" {
  description = "Database name (created on Cloud SQL)."
  type        = string
  default     = "roster"
}

variable "db_user" {
  description = "Database user the sync connects as (created on Cloud SQL)."
  type        = string
  default     = "postgres"
}

# --- Pipeline parameters (defaults equal the template's; TerraformWiringTest keeps them so) -----------------------

variable "edlink_base_url" {
  description = "Edlink base URL."
  type        = string
  default     = "https://ed.link"
}

variable "db_pool_size" {
  description = "Maximum database connections per worker JVM."
  type        = number
  default     = 8
}

variable "write_rows_in_flight" {
  description = "Rows of creates and updates that one worker writes to the database at once; -1: 5,000 per core of the worker, 0: no bound but db_pool_size."
  type        = number
  default     = -1
}

variable "page_size" {
  description = "Records per Edlink page ($first), 1..10000."
  type        = number
  default     = 10000
}

variable "page_from_both_ends" {
  description = "Page a type of more than one page from both ends at once where it is paged whole (the DirectRunner); no effect on Dataflow."
  type        = bool
  default     = true
}

variable "page_records_in_flight" {
  description = "Records of Edlink pages read or waiting to be handled that one worker holds at once; -1: 15,000 per core of the worker, 0: no bound."
  type        = number
  default     = -1
}

variable "max_skip_age" {
  description = "Force a full sync when the last one is older than this, even without new events."
  type        = string
  default     = "24h"
}

variable "lease_ttl" {
  description = "How long an integration's lease lasts without renewal: the longest a drained or crashed run blocks it."
  type        = string
  default     = "10m"
}

variable "max_run_duration" {
  description = "A run not ended after this long is recorded failed and its lease released."
  type        = string
  default     = "6h"
}

variable "records_per_shard" {
  description = "Target records per join group."
  type        = number
  default     = 25000
}

variable "max_shards" {
  description = "Upper bound of join groups per entity type."
  type        = number
  default     = 512
}

variable "fetch_bytes_per_element" {
  description = "Bytes of records one fetch element holds before its type spills into maxShards shards, paged in checkpointed stretches; 0 = automatic (32 MiB on Dataflow)."
  type        = number
  default     = 0
}

variable "batch_size" {
  description = "Rows per JDBC batch for upserts and deletes."
  type        = number
  default     = 1000
}

variable "delete_mode" {
  description = "hard removes deleted records; soft keeps them with deleted_at set."
  type        = string
  default     = "hard"
}

variable "max_delete_fraction" {
  description = "Hold a type's deletes when they exceed this fraction of its stored rows (0..1)."
  type        = number
  default     = 0.1
}

variable "delete_guard_min_rows" {
  description = "Types with fewer stored rows than this are not guarded."
  type        = number
  default     = 50
}

variable "entity_types" {
  description = "Comma-separated entity types to sync; empty means all nine."
  type        = string
  default     = ""
}

# --- Alerting ---------------------------------------------------------------------------------------------------

variable "alert_emails" {
  description = "Addresses notified on dead letters and failed runs; empty creates the policies without channels."
  type        = list(string)
  default     = []
}
