# Input variables from every source, in Nomad's precedence:
# default < NOMAD_VAR_ (hcl2-variables.env) < var file (hcl2-variables.vars.hcl) < --var (hcl2-variables.args).
variable "region" {
  description = "Set by NOMAD_VAR_region only: the environment beats the default."
  type        = string
  default     = "global"
}

variable "image_tag" {
  description = "Set by NOMAD_VAR_image_tag and by the var file: the var file wins."
  type        = string
  default     = "latest"
}

variable "count" {
  description = "Set by the var file and by --var: --var wins."
  type        = number
  default     = 1

  validation {
    condition     = var.count > 0 && var.count <= 10
    error_message = "The count must be between 1 and 10."
  }
}

variable "datacenters" {
  description = "A list from the var file."
  type        = list(string)
  default     = ["dc1"]
}

variable "resources" {
  type = object({
    cpu    = number
    memory = number
    disk   = optional(number, 300)
  })
  default = {
    cpu    = 200
    memory = "256"
  }
}

variable "token" {
  type      = string
  default   = "s3cr3t"
  sensitive = true
}

variables {
  owner = "platform"
}

locals {
  image    = "registry.example.com/web:${var.image_tag}"
  fullname = "${local.prefix}-web"
  prefix   = "${var.owner}-${var.region}"
}

job "web" {
  region      = var.region
  datacenters = var.datacenters

  meta = {
    owner = var.owner
    name  = local.fullname
  }

  group "web" {
    count = var.count

    ephemeral_disk {
      size = var.resources.disk
    }

    task "web" {
      driver = "docker"

      config {
        image = local.image
      }

      env {
        TOKEN = var.token
      }

      resources {
        cpu    = var.resources.cpu
        memory = var.resources.memory
      }
    }
  }
}
