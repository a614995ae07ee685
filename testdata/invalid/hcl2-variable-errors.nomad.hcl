variable "count" {
  type = number
}

variable "replicas" {
  type    = number
  default = 20

  validation {
    condition     = var.replicas <= 10
    error_message = "At most 10 replicas."
  }
}

variable "ports" {
  type    = list(number)
  default = [80, "https"]
}

variable "password" {
  type      = number
  default   = "hunter2"
  sensitive = true
}

variable "computed" {
  default = upper("x")
}

variable "shape" {
  type = tuple(string)
}

variable "bad name!" {
  default = 1
}

variable "count" {
  default = 2
}

variable "check" {
  default = 1
  unknown = true

  validation {
    condition     = var.replicas > 0
    error_message = "Refers to another variable."
  }
}

job "vars" {}
