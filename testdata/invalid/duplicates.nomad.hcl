job "dups" {
  group "g" {
    ephemeral_disk {
      size = 100
    }

    ephemeral_disk {
      size = 200
    }

    volume "data" {
      type = "host"
    }

    volume "data" {
      type = "csi"
    }

    task "t" {
      driver = "docker"

      env = {
        A = "1"
      }

      env {
        B = "2"
      }

      vault {
        policies = ["a"]
      }

      vault {
        policies = ["b"]
      }
    }
  }
}
