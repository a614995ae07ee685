# Transparent proxy, podman driver choice, and a user-provided dynamic sidecar port.
job "tproxy" {
  datacenters = ["dc1"]

  group "api" {
    network {
      mode = "bridge"

      port "proxy" {
        to = 21000
      }
    }

    service {
      name = "api"
      port = "8080"

      connect {
        sidecar_service {
          port = "proxy"

          proxy {
            transparent_proxy {
              exclude_outbound_ports = [53]
            }
          }
        }
      }
    }

    task "app" {
      driver = "podman"

      config {
        image = "docker.io/library/api:1"
      }
    }
  }
}
