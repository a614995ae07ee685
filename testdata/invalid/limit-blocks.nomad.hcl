# More blocks than the limit set beside it (limit-blocks.limits); counted before parsing.
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
