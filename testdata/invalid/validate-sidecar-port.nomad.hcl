# sidecar_service.port naming a static port; two sidecar services with one name.
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

    service {
      name = "api"
      port = "8081"

      connect {
        sidecar_service {}
      }
    }

    task "app" {
      driver = "docker"
    }
  }
}
