job "types" {
  priority    = "high"
  datacenters = "dc1"

  group "g" {
    count = true

    update {
      min_healthy_time = "10"
      healthy_deadline = "1d"
      canary           = 1.5
    }

    network {
      port "http" {
        static = 70000
      }
    }

    service {
      name = ["not", "a", "string"]

      check {
        type     = "http"
        interval = true

        header {
          Authorization = ["ok", 840]
        }
      }
    }

    task "t" {
      driver = "docker"

      affinity {
        attribute = "${node.class}"
        weight    = 200
      }
    }
  }
}
