# Only warnings: the job is valid, but uses what current Nomad removed or ignores.
job "old" {
  consul_token = "abc"
  vault_token  = "def"

  constraint {
    attribute        = "${meta.zones}"
    value            = "a,b"
    set_contains_all = "a,b"
  }

  group "g" {
    stop_after_client_disconnect = "1h"

    task "t" {
      driver = "docker"

      logs {
        enabled = true
      }

      resources {
        iops = 10

        network {
          mbits = 10
        }
      }
    }
  }
}
