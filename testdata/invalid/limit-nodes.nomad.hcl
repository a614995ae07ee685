# More syntax nodes than the limit set beside it (limit-nodes.limits): each attribute, and
# each name, number, string and opening bracket of a value; counted before parsing.
job "web" {
  datacenters = ["dc1"]
  group "api" {
    count = 3
    task "server" {
      driver = "docker"
      config {
        image = "nginx:1.27"
        args  = ["-g", "daemon off;"]
      }
    }
  }
}
