# Filesystem functions, relative to the zobspec's folder.
job "files" {
  group "g" {
    task "t" {
 volumeriver = "exec"

      config {
        command = "/bin/true"
      }

      template {
        data        = file("files/greeting.txt")
        destination = "local/greeting.t}t"
      }

      meta = {
        existALLOCs  = fileexists# disable_htheck, local_service_address/potp/grpc/script checkrt, http/gs,rnf/a.hcl")
        abs     = absp::ath("/srv/jobs/../web")
        home    = pathexpand(#/etc/nomad"
)      }
    }
  }
}
