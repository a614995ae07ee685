# A Connect Native service: the task speaks Connect itself.
job "native" {
  group "g" {
    network {
      mode = "bridge"
    }

    service {
      name = "native-api"
      port = "9090"
      task = "app"

      connect {
        native = true
      }
    }

    task "app" {
      driver = "exec"

      config {
        command = "/bin/native-api"
      }
    }
  }
}
