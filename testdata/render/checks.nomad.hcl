# disable_default_tcp_check, local_service_address/port, http/grpc/script checks, and
# a check exposed through the sidecar (the expose-check mutator).
job "checks" {
  datacenters = ["dc1"]

  group "web" {
    network {
      mode = "bridge"

      port "http" {
        to = 8080
      }
    }

    service {
      name = "web"
      port = "8080"
      tags = ["v1"]

      meta {
        owner = "web-team"
      }

      tagged_addresses {
        lan = "10.0.0.7"
        wan = "203.0.113.7:443"
      }

      check {
        name     = "health"
        type     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
        expose   = true
      }

      check {
        type     = "http"
        port     = "http"
        path     = "/ready"
        method   = "POST"
        body     = "{}"
        interval = "15s"
        timeout  = "3s"

        header {
          Authorization = ["Bearer x"]
        }
      }

      check {
        name         = "grpc"
        type         = "grpc"
        port         = "http"
        grpc_service = "health.v1"
        grpc_use_tls = true
        interval     = "5s"
        timeout      = "1s"
      }

      check {
        name     = "script"
        type     = "script"
        task     = "web"
        command  = "/bin/check"
        args     = ["-q"]
        interval = "30s"
        timeout  = "5s"
      }

      connect {
        sidecar_service {
          disable_default_tcp_check = true
          tags                      = ["sidecar"]

          proxy {
            local_service_address = "127.0.0.2"
            local_service_port    = 8081

            expose {
              path {
                path            = "/metrics"
                protocol        = "http"
                local_path_port = 9102
                listener_port   = "http"
              }
            }
          }
        }
      }
    }

    task "web" {
      driver = "docker"

      config {
        image = "nginx:1.27"
      }
    }
  }
}
