# A jobspec as people write it in a hurry: fmt must fix the layout and keep every comment.
job "web"{
datacenters=["dc1","dc2"]   # where it runs
    type = "service"
  priority=70 // higher than batch

/* Update strategy:
   one at a time. */
  update {
  max_parallel=1
     min_healthy_time="10s"
  }

  group "api" {
    count=2
    network{
      mode="bridge"
      port "http" {
      to=8080
      }
    }

    service {
      name = "api"
      port = "http"
      tags = [ "v1",
      "public" ]
      connect {
        sidecar_service {
          proxy {
            upstreams {
            destination_name="db"
            local_bind_port=5432
            }
          }
        }
      }
    }

    task "app" {
      driver="docker"
      config {
        image="example/api:1"
        args=["-port","${NOMAD_PORT_http}",   "-db", "${NOMAD_UPSTREAM_ADDR_db}"]
      }
      env {
        GREETING="hello ${ attr.unique.hostname }"  # runtime interpolation, kept as written
        LIMIT=10*2
        NEG = - 1
      }
      template {
        destination = "local/app.conf"
        data = <<-EOT
          listen = {{ env "NOMAD_PORT_http" }}
             indented   stays
        EOT
      }
    }
  }
}
