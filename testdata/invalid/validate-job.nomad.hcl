# Job, group and task rules.
job "my job" {
  type     = "services"
  priority = 200

  group "web" {
    count = -1

    task "web" {
      driver = "docker"
      leader = true
    }

    task "web" {
      driver = "docker"
      leader = true
    }

    task "alloc" {}
  }

  group "web" {
    task "setup" {
      driver = "exec"

      lifecycle {
        hook = "prestrat"
      }
    }
  }

  group "empty" {}
}
