# Upstream rules, and runtime references to upstreams and ports.
job "ups" {
  group "g" {
    network {
      mode = "bridge"

      port "http" {
        to = 9090
      }
    }

    service {
      name = "web"
      port = "9090"

      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "count-api"
              local_bind_port  = 8080
            }

            upstreams {
              destination_name = "count_api"
              local_bind_port  = 8080
            }

            upstreams {
              destination_name   = "cache"
              local_bind_address = "127.0.0.1"
              local_bind_port    = 8080
            }

            upstreams {
              destination_name = ""
              local_bind_port  = 8081
            }

            upstreams {
              destination_name       = "both"
              local_bind_port        = 8082
              local_bind_socket_path = "/run/both.sock"
            }

            upstreams {
              destination_name = "neither"
            }

            upstreams {
              destination_name       = "sock"
              local_bind_socket_path = "/run/sock.sock"
              local_bind_socket_mode = "rwx"
            }

            upstreams {
              destination_name = "peered"
              destination_peer = "east"
              datacenter       = "dc2"
              destination_type = "services"
              local_bind_port  = 8083

              mesh_gateway {
                mode = "locl"
              }
            }

            upstreams {
              destination_name = "clash"
              local_bind_port  = 9090
            }
          }
        }
      }
    }

    task "app" {
      driver = "docker"

      env {
        API     = "http://${NOMAD_UPSTREAM_ADDR_count_apii}"
        PORT    = "${NOMAD_PORT_htpp}"
        SIDECAR = "${NOMAD_PORT_connect_proxy_web}"
      }

      template {
        data        = "{{ env \"NOMAD_UPSTREAM_PORT_cahce\" }}"
        destination = "local/env"
      }
    }
  }
}
