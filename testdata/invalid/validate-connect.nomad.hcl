# Consul Connect rules.
job "connect" {
  group "Web" {
    network {
      mode = "host"
    }

    network {
      mode = "bridge"
    }

    service {
      name = "Web"
      port = "8080"

      connect {
        sidecar_service {}
      }
    }

    service {
      name = "empty"

      connect {}
    }

    service {
      name = "both"
      port = "9000"

      connect {
        native = true

        sidecar_service {}
      }
    }

    task "proxy" {
      driver = "docker"
      kind   = "connect-proxy:wbe"
      leader = true

      service {
        name = "proxied"
      }
    }

    task "app" {
      driver = "docker"

      service {
        name = "in-task"

        connect {
          sidecar_service {}
        }
      }
    }
  }

  group "native" {
    network {
      mode = "bridge"
    }

    service {
      name = "native"

      connect {
        native = true
      }
    }

    service {
      name     = "nomad-svc"
      provider = "nomad"

      connect {
        native = true
      }
    }

    task "a" {
      driver = "exec"
    }

    task "b" {
      driver = "exec"
    }
  }

  group "gw" {
    network {
      mode = "bridge"

      port "wan" {}

      dns {
        servers = ["10.0.0.53"]
      }
    }

    service {
      name = "mesh-gw"

      connect {
        gateway {
          mesh {}
          terminating {}
        }
      }
    }

    service {
      name = "tproxied"
      port = "8080"

      connect {
        sidecar_service {
          proxy {
            transparent_proxy {
              uid                    = "envoy"
              exclude_outbound_cidrs = ["10.0.0.0/33"]
              exclude_inbound_ports  = ["wan", "http"]
            }
          }
        }
      }
    }

    service {
      name = "gw-empty"
      port = "wan"

      connect {
        gateway {}
      }
    }
  }
}
