# Ingress, terminating and mesh gateways.
job "gateways" {
  group "ingress" {
    network {
      mode = "bridge"

      port "inbound" {
        static = 8080
        to     = 8080
      }
    }

    service {
      name = "ingress"
      port = "8080"

      connect {
        gateway {
          proxy {
            connect_timeout                     = "500ms"
            envoy_gateway_bind_tagged_addresses = true
            envoy_gateway_no_default_bind       = true
            envoy_dns_discovery_type            = "LOGICAL_DNS"

            envoy_gateway_bind_addresses "public" {
              address = "0.0.0.0"
              port    = 8080
            }

            envoy_gateway_bind_addresses "admin" {
              address = "127.0.0.1"
              port    = 19000
            }

            config {
              envoy_stats_flush_interval = "10s"
            }
          }

          ingress {
            tls {
              enabled         = true
              tls_min_version = "TLSv1_2"
              cipher_suites   = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]

              sds {
                cluster_name  = "sds"
                cert_resource = "default"
              }
            }

            listener {
              port     = 8080
              protocol = "http"

              service {
                name                    = "web"
                hosts                   = ["web.example.com"]
                max_connections         = 100
                max_pending_requests    = 20
                max_concurrent_requests = 50

                request_headers {
                  add {
                    X-Gateway = "ingress"
                  }
                  remove = ["X-Debug"]
                }

                response_headers {
                  set {
                    Cache-Control = "no-store"
                  }
                }
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
              name      = "legacy-db"
              ca_file   = "/etc/ssl/ca.pem"
              cert_file = "/etc/ssl/cert.pem"
              key_file  = "/etc/ssl/key.pem"
              sni       = "db.internal"
            }
          }
        }
      }
    }
  }

  group "mesh" {
    network {
      mode = "bridge"

      port "mesh_wan" {}
    }

    service {
      name = "mesh-gateway"
      port = "mesh_wan"

      connect {
        gateway {
          mesh {}
        }

        sidecar_task {
          resources {
            cpu    = 100
            memory = 64
          }
        }
      }
    }
  }
}
