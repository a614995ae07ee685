# What a batch job may not have, and task rules.
job "report" {
  type = "batch"

  parameterized {
    payload       = "sometimes"
    meta_required = ["dataset"]
    meta_optional = ["dataset"]
  }

  group "run" {
    max_run_duration = "-1m"

    update {
      max_parallel = 1
    }

    migrate {
      max_parallel = 1
    }

    ephemeral_disk {
      size = 5
    }

    volume "data" {
      type   = "host"
      source = "data"
    }

    task "run" {
      driver         = "docker"
      shutdown_delay = "-5s"

      resources {
        cpu        = 100
        cores      = 2
        memory     = 5
        memory_max = 2
        disk       = 100
      }

      logs {
        max_files     = 0
        max_file_size = 10
      }

      volume_mount {
        volume      = "dta"
        destination = "/data"
      }

      template {
        destination = "../../../etc/passwd"
        change_mode = "signal"
        env         = true
        perms       = "999"
      }

      template {
        data        = "x"
        destination = "../../../etc/passwd"
        change_mode = "reload"
        splay       = "-1s"
      }

      secret "db" {
        provider = "vault"
        path     = "secret/db"
      }

      secret "db" {
        provider = "nomad"
        path     = "db"
      }

      action "flush" {
        command = "/bin/flush"
      }

      action "flush" {
        command = "/bin/flush"
      }

      csi_plugin {
        type = "sidecar"
      }
    }
  }
}
