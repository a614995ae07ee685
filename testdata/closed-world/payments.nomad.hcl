# Provides "payments", which countdash-typo does not use.
job "payments" {
  group "payments" {
    network {
      mode = "bridge"
    }

    service {
      name = "payments"
      port = "8080"

      connect {
        sidecar_service {}
      }
    }

    task "payments" {
      driver = "docker"

      config {
        image = "payments:1"
      }
    }
  }
}
