# A canary allocation on an IPv6 node: canary tags and meta, and `::` as bind address.
job "canary" {
  datacenters = ["dc1"]

  group "web" {
    network {
      mode = "bridge"
    }

    service {
      name        = "web"
      port        = "8080"
      tags        = ["stable"]
      canary_tags = ["canary"]

      meta {
        track = "stable"
      }

      canary_meta {
        track = "canary"
      }

      connect {
        sidecar_service {}
      }
    }

    task "web" {
      driver = "docker"

      config {
        image = "web:2"
      }
    }
  }
}
