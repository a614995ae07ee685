# The var file beside this one sets an undeclared variable and a value of the wrong type.
variable "count" {
  type    = number
  default = 1
}

job "web" {
  group "g" {
    count = var.count
  }
}
