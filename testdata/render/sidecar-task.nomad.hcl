# sidecar_task overrides: a partial override keeps Nomad's sidecar defaults for what it
# does not set (hashicorp/nomad#11497 is not reproduced; see docs/render.md).
job "sidecar-task" {
  datacenters = ["dc1"]

  group "api" {
    network {
      mode = "bridge"
    }

    service {
      name = "api"
      port = "9001"

      connect {
        sidecar_service {}

        sidecar_task {
          name = "envoy"

          config {
            image  = "envoyproxy/envoy:v1.31.0"
            labels = { team = "platform" }
          }

          env {
            ENVOY_LOG = "debug"
          }

          resources {
            cpu = 500
          }

          logs {
            max_files = 5
          }

          kill_timeout   = "10s"
          shutdown_delay = "2s"
        }
      }
    }

    task "app" {
      driver = "docker"

      config {
        image = "hashicorpdev/counter-api:v3"
      }
    }
  }
}
