# Runtime interpolation stays literal; only var. and local. are evaluated.
locals {
  suffix = "api"
}

job "runtime" {
  group "g" {
    task "t" {
      driver = "docker"

      config {
        image = "${meta.connect.sidecar_image}"
        args = [
          "--alloc=${NOMAD_ALLOC_ID}",
          "--ip=${attr.unique.network.ip-address}",
          "--dc=${node.datacenter}",
          "--home=${env["HOME"]}",
          "--spaces=${   attr.unique.hostname   }",
          upper("${NOMAD_TASK_NAME}"),
        ]
        region = meta.region
        mixed  = "${NOMAD_ALLOC_INDEX}-${local.suffix}"
      }
    }
  }
}
