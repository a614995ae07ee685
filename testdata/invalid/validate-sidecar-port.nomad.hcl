# sidecar_service.port naming a static port.
job "static-sidecar-port" {
  group "api" {
    network {
      mode = "bridge"

      port "envoy" {
        static = 21000
      }
    }

    service {
      name = "api"
      port = "8080"

      connect {
        sidecar_service {
          port = "envoy"
        }
      }
    }

    task "app" {
      driver = "docker"
    }
  }
}
