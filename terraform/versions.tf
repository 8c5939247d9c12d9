terraform {
  required_version = ">= 1.5"

  # Bounded on both sides: the lower bounds are the first releases with every argument used here
  # (update_on_creation_fail needs google 5.42), the upper bounds stop at the newest major version whose schema
  # terraform/check verifies (it reads the published provider bindings at both ends of each range; see
  # terraform/check/README.md). Widen a range only together with terraform/check/package.json.
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.42, < 7.0"
    }
    # google_dataflow_flex_template_job is only in the beta provider.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 5.42, < 7.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.5, < 4.0"
    }
    time = {
      source  = "hashicorp/time"
      version = ">= 0.9.1, < 1.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}
