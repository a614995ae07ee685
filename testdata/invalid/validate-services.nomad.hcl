# Service and check rules.
job "svc" {
  group "g" {
    network {
      mode = "bridge"

      port "http" {
        to = 8080
      }
    }

    service {
      name         = "web_api"
      port         = "http"
      address      = "10.0.0.1"
      address_mode = "host"
      on_update    = "ignore_warning"
      kind         = "gateway"

      check {
        name     = "health"
        type     = "http"
        interval = "500ms"
        timeout  = "2s"
      }

      check {
        name     = "health"
        type     = "http"
        path     = "http://example.com/health"
        interval = "10s"
        timeout  = "2s"
        notes    = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
      }

      check {
        type     = "htp"
      }

      check {
        type     = "script"
        command  = "/bin/check"
        interval = "10s"
        timeout  = "2s"
        task     = "missing"
      }
    }

    service {
      name     = "web-api"
      port     = "http"
      provider = "nomad"
    }

    service {
      name     = "web-api"
      port     = "http"
      provider = "nomad"
    }

    service {
      name     = "plain"
      provider = "vault"
      task     = "nope"

      check {
        type     = "tcp"
        expose   = true
        interval = "10s"
        timeout  = "2s"
      }

      check {
        name     = "script"
        type     = "script"
        command  = "/bin/true"
        interval = "10s"
        timeout  = "2s"
      }
    }

    service {
      name = "meshed"
      port = "8080"

      check {
        type     = "tcp"
        interval = "10s"
        timeout  = "2s"
      }

      connect {
        sidecar_service {}
      }
    }

    task "t" {
      driver = "docker"

      service {
        name         = "task-svc"
        address_mode = "alloc"
        task         = "other"

        check {
          type     = "http"
          path     = "/health"
          port     = "http"
          expose   = true
          interval = "10s"
          timeout  = "2s"
        }
      }
    }
  }
}
