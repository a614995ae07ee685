# Everything a real job holds beyond Connect.
job "kitchen-sink" {
  region      = "eu"
  namespace   = "prod"
  type        = "batch"
  priority    = 70
  all_at_once = false
  datacenters = ["eu-1", "eu-2"]
  node_pool   = "large"

  meta = {
    "team.name" = "platform"
    cost        = 42
  }

  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }

  constraint {
    distinct_hosts = true
  }

  constraint {
    attribute = "${attr.nomad.version}"
    version   = ">= 1.8"
  }

  constraint {
    distinct_property = "${meta.rack}"
    value             = "2"
  }

  affinity {
    attribute = "${node.class}"
    value     = "ssd"
    weight    = -50
  }

  affinity {
    attribute    = "${meta.zones}"
    set_contains = "a,b"
  }

  spread {
    attribute = "${node.datacenter}"
    weight    = 100

    target "eu-1" {
      percent = 70
    }

    target "eu-2" {
      percent = 30
    }
  }

  periodic {
    crons            = ["0 2 * * *", "0 14 * * *"]
    prohibit_overlap = true
    time_zone        = "Europe/Paris"
  }

  parameterized {
    payload       = "optional"
    meta_required = ["dataset"]
    meta_optional = ["limit"]
  }

  update {
    max_parallel      = 2
    health_check      = "checks"
    min_healthy_time  = "15s"
    healthy_deadline  = "5m"
    progress_deadline = "10m"
    auto_revert       = true
    canary            = 1
  }

  reschedule {
    attempts       = 3
    interval       = "1h"
    delay          = "30s"
    delay_function = "exponential"
    max_delay      = "10m"
    unlimited      = false
  }

  migrate {
    max_parallel = 1
  }

  ui {
    description = "Nightly **reports**"

    link {
      label = "Runbook"
      url   = "https://runbooks.example.com/reports"
    }
  }

  multiregion {
    strategy {
      max_parallel = 1
      on_failure   = "fail_all"
    }

    region "eu" {
      count       = 2
      datacenters = ["eu-1"]

      meta {
        tier = "primary"
      }
    }

    region "us" {
      count = 1
    }
  }

  vault {
    policies = ["reports"]
  }

  secret "db" {
    provider = "vault"
    path     = "secret/data/db"

    env {
      DB_PASSWORD = "password"
    }
  }

  task "setup" {
    driver = "exec"

    config {
      command = "/bin/setup"
    }
  }

  group "workers" {
    count          = 3
    shutdown_delay = "5s"

    meta {
      pool = "workers"
    }

    volume "scratch" {
      type            = "csi"
      source          = "scratch"
      access_mode     = "single-node-writer"
      attachment_mode = "file-system"
      per_alloc       = true

      mount_options {
        fs_type     = "ext4"
        mount_flags = ["noatime"]
      }
    }

    restart {
      attempts         = 2
      interval         = "30m"
      delay            = "15s"
      mode             = "fail"
      render_templates = true
    }

    disconnect {
      lost_after = "1h"
      replace    = false
      reconcile  = "keep_original"
    }

    ephemeral_disk {
      sticky  = true
      migrate = true
      size    = 500
    }

    consul {
      namespace = "reports"
    }

    scaling {
      enabled = true
      min     = 1
      max     = 10

      policy {
        cooldown = "1m"

        check "queue" {
          source = "prometheus"
          query  = "queue_depth"

          strategy "target-value" {
            target = 10
          }
        }
      }
    }

    vault {
      policies      = ["workers"]
      change_mode   = "signal"
      change_signal = "SIGHUP"
    }

    task "worker" {
      driver         = "docker"
      user           = "nobody"
      kill_timeout   = "20s"
      kill_signal    = "SIGINT"
      leader         = true
      shutdown_delay = "2s"

      config {
        image   = "reports/worker:2.1"
        command = "work"
        args    = ["--queue", "${NOMAD_META_queue}"]

        mount {
          type   = "bind"
          source = "local/config"
          target = "/etc/worker"
        }

        mount {
          type   = "tmpfs"
          target = "/tmp"
        }

        logging {
          type = "journald"
          config {
            tag = "worker"
          }
        }
      }

      env = {
        "QUEUE.NAME" = "reports"
        WORKERS      = 4
      }

      lifecycle {
        hook    = "poststart"
        sidecar = false
      }

      resources {
        cpu        = 500
        cores      = 0
        memory     = 256
        memory_max = 512
        secrets    = 10

        device "nvidia/gpu" {
          count = 1

          constraint {
            attribute = "${device.attr.memory}"
            operator  = ">="
            value     = "2 GiB"
          }

          affinity {
            attribute = "${device.model}"
            value     = "Tesla"
            weight    = 50
          }
        }

        numa {
          affinity = "prefer"
        }
      }

      logs {
        max_files     = 5
        max_file_size = 20
        disabled      = false
      }

      artifact {
        source      = "https://example.com/worker.tar.gz"
        destination = "local/"
        mode        = "any"
        insecure    = false
        chown       = true

        options {
          checksum = "sha256:abc"
        }

        headers {
          User-Agent = "nomad"
        }
      }

      template {
        data = <<-EOT
          queue = {{ env "NOMAD_META_queue" }}
        EOT
        destination = "local/config/worker.toml"
        change_mode = "script"
        uid         = 1000
        gid         = 1000

        change_script {
          command             = "/bin/reload"
          run_on_first_render = true
        }

        wait {
          min = "5s"
          max = "30s"
        }
      }

      template {
        source          = "local/env.tpl"
        destination     = "secrets/app.env"
        env             = true
        once            = true
        left_delimiter  = "[["
        right_delimiter = "]]"
      }

      dispatch_payload {
        file = "input.json"
      }

      volume_mount {
        volume           = "scratch"
        destination      = "/scratch"
        propagation_mode = "private"
        selinux_label    = "z"
      }

      identity {
        env  = true
        file = true
      }

      identity {
        name        = "vault_default"
        aud         = ["vault.io"]
        change_mode = "restart"
        ttl         = "30m"
      }

      action "flush" {
        command = "/bin/flush"
        args    = ["--all"]
      }

      schedule {
        cron {
          start    = "0 8 * * 1-5"
          end      = "0 18"
          timezone = "Europe/Paris"
        }
      }

      scaling "cpu" {
        enabled = true
        max     = 2000

        policy {
          cooldown = "5m"
        }
      }

      scaling "mem" {
        max = 4096
      }

      secret "api" {
        provider = "nomad"
        path     = "api"

        config {
          mode = "kv"
        }
      }
    }

    task "plugin" {
      driver = "docker"

      config {
        image = "csi/driver:1"
      }

      csi_plugin {
        id                     = "scratch"
        type                   = "node"
        mount_dir              = "/csi"
        stage_publish_base_dir = "/local/csi"
        health_timeout         = "1m"
      }

      vault {
        policies = ["plugin"]
      }
    }
  }
}
