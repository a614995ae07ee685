# Every block and attribute of the Connect sidecar path.
job "connect-sidecar" {
  datacenters = ["dc1"]
  type        = "service"

  group "api" {
    count = 2

    network {
      mode     = "bridge"
      hostname = "api"

      port "http" {
        to = 8080
      }

      port "metrics" {}

      port "proxy" {
        to = -1
      }

      port "admin" {
        static       = 9901
        to           = 9901
        host_network = "private"
      }

      dns {
        servers  = ["10.0.0.53"]
        searches = ["service.consul"]
        options  = ["ndots:2"]
      }

      cni {
        args = {
          IgnoreUnknown = "true"
        }
      }
    }

    service {
      name                = "count-api"
      port                = "8080"
      tags                = ["v1", "http"]
      canary_tags         = ["canary"]
      enable_tag_override = true
      address_mode        = "auto"
      task                = "app"
      on_update           = "ignore_warnings"
      provider            = "consul"
      cluster             = "default"

      meta {
        version = "1"
      }

      canary_meta {
        canary = "true"
      }

      tagged_addresses {
        lan = "10.0.0.1"
      }

      weights {
        passing = 10
        warning = 1
      }

      check_restart {
        limit           = 3
        grace           = "30s"
        ignore_warnings = true
      }

      check {
        name                     = "api-health"
        type                     = "http"
        path                     = "/health"
        method                   = "GET"
        protocol                 = "http"
        interval                 = "10s"
        timeout                  = "2s"
        expose                   = true
        initial_status           = "warning"
        success_before_passing   = 2
        failures_before_critical = 3
        failures_before_warning  = 1
        tls_skip_verify          = true
        on_update                = "require_healthy"

        header {
          Authorization = ["Bearer x"]
          X-Trace       = ["a", "b"]
        }

        check_restart {
          limit = 2
        }
      }

      check {
        type         = "grpc"
        port         = "metrics"
        interval     = "15s"
        timeout      = "3s"
        grpc_service = "count.Health"
        grpc_use_tls = true
      }

      connect {
        sidecar_service {
          tags                      = ["sidecar"]
          port                      = "proxy"
          disable_default_tcp_check = true

          meta {
            sidecar-version = "2"
          }

          proxy {
            local_service_address = "127.0.0.1"
            local_service_port    = 8080

            upstreams {
              destination_name      = "count-db"
              destination_namespace = "data"
              destination_partition = "default"
              destination_type      = "service"
              local_bind_port       = 5432
              local_bind_address    = "127.0.0.1"
              datacenter            = "dc2"

              mesh_gateway {
                mode = "local"
              }

              config {
                connect_timeout_ms = 9999
                protocol           = "tcp"
              }
            }

            upstreams {
              destination_name       = "cache"
              destination_peer       = "east"
              local_bind_socket_path = "/run/cache.sock"
              local_bind_socket_mode = "0700"
            }

            expose {
              path {
                path            = "/metrics"
                protocol        = "http"
                local_path_port = 9102
                listener_port   = "metrics"
              }
            }

            transparent_proxy {
              uid                    = "101"
              outbound_port          = 15001
              exclude_inbound_ports  = ["admin", "9000"]
              exclude_outbound_ports = [443]
              exclude_outbound_cidrs = ["10.0.0.0/8"]
              exclude_uids           = ["0"]
              no_dns                 = true
            }

            config {
              protocol                   = "http"
              envoy_prometheus_bind_addr = "0.0.0.0:9102"
            }
          }
        }

        sidecar_task {
          name           = "proxy"
          driver         = "docker"
          user           = "envoy"
          kill_timeout   = "10s"
          shutdown_delay = "5s"
          kill_signal    = "SIGTERM"

          config {
            image = "envoyproxy/envoy:v1.29"
            args  = ["-l", "debug"]
          }

          env {
            ENVOY_LOG = "debug"
          }

          meta {
            role = "proxy"
          }

          resources {
            cpu    = 250
            memory = 128
          }

          logs {
            max_files     = 3
            max_file_size = 5
          }

          volume_mount {
            volume      = "certs"
            destination = "/certs"
            read_only   = true
          }

          identity {
            name = "consul"
            aud  = ["consul.io"]
            ttl  = "1h"
          }
        }
      }
    }

    volume "certs" {
      type   = "host"
      source = "certs"
    }

    task "app" {
      driver = "docker"

      config {
        image = "hashicorpdev/counter-api:v3"
        ports = ["http"]
      }

      env {
        DB_ADDR = "${NOMAD_UPSTREAM_ADDR_count_db}"
      }
    }
  }
}
