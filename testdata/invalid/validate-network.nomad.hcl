# Network and port rules.
job "net" {
  group "g" {
    network {
      mode     = "bridge"
      hostname = "not_a_dns_name!"

      port "" {}

      port "http" {
        static = 8080
      }

      port "HTTP" {}

      port "admin" {
        static = 8080
      }

      port "big" {
        static = 70000
        to     = -5
      }

      port "ignored" {
        static           = 9000
        ignore_collision = true
      }

      cni {
        args = {
          "bad;key" = "x"
        }
      }
    }

    network {
      port "http" {}
    }

    service {
      name = "web"
      port = "htpp"
    }

    task "t" {
      driver = "docker"
    }
  }
}
