job "required" {
  group "g" {
    scaling {
      type = "vertical_cpu"
    }

    task "t" {
      driver = "docker"

      lifecycle {
        sidecar = true
      }

      template {
        destination = "local/x"

        change_script {
          args = ["-v"]
        }
      }

      action "flush" {}
    }
  }
}
