# Check settings and gateway configurations Nomad rejects.
job "more" {
  group "checks" {
    network {
      mode = "bridge"

      port "http" {}
    }

    service {
      name = "web"
      port = "http"

      check {
        name                   = "script"
        type                   = "script"
        interval               = "10s"
        timeout                = "2s"
        task                   = "app"
        initial_status         = "ok"
        address_mode           = "auto"
        success_before_passing = 2
      }

      check {
        name      = "restart"
        type      = "http"
        path      = "/"
        interval  = "10s"
        timeout   = "2s"
        on_update = "ignore"

        check_restart {
          limit = -1
        }
      }
    }

    service {
      name     = "nomad-svc"
      port     = "http"
      provider = "nomad"

      check {
        name                     = "n"
        type                     = "http"
        path                     = "/"
        method                   = "FETCH"
        interval                 = "10s"
        timeout                  = "2s"
        tls_server_name          = "x"
        failures_before_critical = 3
      }
    }

    task "app" {
      driver = "docker"
    }
  }

  group "ingress" {
    network {
      mode = "bridge"
    }

    service {
      name = "ingress"
      port = "8080"

      connect {
        gateway {
          proxy {
            envoy_dns_discovery_type = "DNS"

            envoy_gateway_bind_addresses "public" {
              port = 8080
            }
          }

          ingress {
            listener {
              port     = 0
              protocol = "udp"
            }

            listener {
              port     = 9000
              protocol = "tcp"

              service {
                name  = "*"
                hosts = ["example.com"]
              }
            }
          }
        }
      }
    }
  }

  group "terminating" {
    network {
      mode = "bridge"
    }

    service {
      name = "terminating"

      connect {
        gateway {
          terminating {
            service {
              cert_file = "/cert.pem"
              sni       = "db"
            }
          }
        }
      }
    }
  }
}
