# Larger than the limit set beside it (limit-file-size.limits): nothing is parsed.
job "web" {
  datacenters = ["dc1"]
  group "api" {
    task "server" {
      driver = "docker"
      config {
        image = "nginx:1.27"
      }
    }
  }
}
