job "typos" {
  datacenter = ["dc1"]

  group "web" {
    service {
      name = "web"

      check {
        type    = "http"
        path    = "/health"
        intervl = "10s"
      }

      conect {
        sidecar_service {}
      }
    }

    task "app" {
      driver = "docker"
      frobnicate = true
    }
  }
}
