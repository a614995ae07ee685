# sidecar_service.port naming a static port; two sidecar services with one name; a port
# label and an upstream name that cannot name environment variables (found by fuzzing).
job "static-sidecar-port" {
  group "api" {
    network {
      mode = "bridge"

      port "envoy" {
        static = 21000
      }

      port "bad\u0001label" {}
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
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "db=1"
              local_bind_port  = 5432
            }
          }
        }
      }
    }

    task "app" {
      driver = "docker"
    }
  }
}
