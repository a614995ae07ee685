# Filesystem functions, relative to the jobspec's folder.
job "files" {
  group "g" {
    task "t" {
      driver = "exec"

      config {
        command = "/bin/true"
      }

      template {
        data        = file("files/greeting.txt")
        destination = "local/greeting.txt"
      }

      meta = {
        exists  = fileexists("files/greeting.txt")
        missing = fileexists("files/nope.txt")
        set     = join(",", fileset("files", "**/*.cfg"))
        b64     = filebase64("files/greeting.txt")
        base    = basename("files/conf/a.hcl")
        dir     = dirname("files/conf/a.hcl")
        abs     = abspath("/srv/jobs/../web")
        home    = pathexpand("/etc/nomad")
      }
    }
  }
}
