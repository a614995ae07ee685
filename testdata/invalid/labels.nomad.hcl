job "labels" "extra" {
  group {
    task "a" "b" {
      driver = "docker"

      scaling "disk" {
        max = 10
      }

      scaling "cpu" {
        max = 10
      }

      scaling "cpu" {
        max = 20
      }

      scaling "mem" {
        type = "vertical_cpu"
        max  = 30
      }
    }

    scaling "no-label-allowed" {
      max = 3
    }
  }
}
