# Two Connect services in one group, upstreams with every option, a socket upstream, a
# task-level service, and env references resolved and unresolved.
job "multi" {
  datacenters = ["dc1"]
  namespace   = "shop"

  meta {
    team = "checkout"
  }

  group "checkout" {
    network {
      mode = "bridge"

      port "admin" {
        static = 9900
      }

      port "metrics" {}
    }

    service {
      name = "checkout"
      port = "9090"

      connect {
        sidecar_service {
          proxy {
            config {
              protocol = "http"
            }

            upstreams {
              destination_name      = "payments"
              destination_namespace = "billing"
              datacenter            = "dc2"
              local_bind_port       = 7001
              local_bind_address    = "127.0.0.1"

              mesh_gateway {
                mode = "local"
              }

              config {
                connect_timeout_ms = 2500
                limits = {
                  max_connections = 100
                }
              }
            }

            upstreams {
              destination_name       = "1db"
              local_bind_socket_path = "/alloc/tmp/db.sock"
              local_bind_socket_mode = "0700"
            }
          }
        }
      }
    }

    service {
      name = "checkout-admin"
      port = "9091"

      connect {
        sidecar_service {
          port = "admin-proxy"

          proxy {
            upstreams {
              destination_name = "audit"
              local_bind_port  = 7002
            }
          }
        }
      }
    }

    task "app" {
      driver = "docker"

      config {
        image = "shop/checkout:1"
      }

      env {
        PAYMENTS = "http://${NOMAD_UPSTREAM_ADDR_payments}"
        DB_PORT  = "${NOMAD_UPSTREAM_PORT_1db}"
        ADMIN    = "${NOMAD_ADDR_admin}"
        METRICS  = "${NOMAD_PORT_metrics}"
        NODE     = "${node.unique.name}"
        ALLOC    = "${NOMAD_SHORT_ALLOC_ID}"
      }

      service {
        name = "checkout-metrics"
        port = "metrics"

        check {
          type     = "http"
          path     = "/metrics"
          interval = "10s"
          timeout  = "2s"
        }

        check {
          name     = "tcp"
          type     = "tcp"
          interval = "5s"
          timeout  = "1s"
        }
      }
    }
  }
}
