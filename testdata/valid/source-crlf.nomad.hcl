# CRLF line endings, as an editor on Windows writes them.
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
