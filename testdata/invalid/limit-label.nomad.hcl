# A label longer than the limit set beside it (limit-label.limits).
job "web" {
  datacenters = ["dc1"]
  group "api" {
    task "server-with-a-long-name" {
      driver = "docker"
      config {
        image = "nginx:1.27"
      }
    }
  }
}
