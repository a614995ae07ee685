variable "image_tag" {
  default = "1.0"
}

locals {
  image = "web:${var.imagetag}"
  name  = local.nmae
  a     = local.b
  b     = local.c
  c     = local.a
}

job "refs" {
  group "g" {
    count = local.missing

    task "t" {
      driver = "docker"

      config {
        image = local.a
        list  = [1, 2][5]
        map   = { a = 1 }["b"]
        attr  = var.image_tag.length
      }
    }
  }
}
