# A UTF-8 byte order mark before the first line is read as spaces.
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
