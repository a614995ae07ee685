# Scaling, migrate, disconnect, reschedule, artifact and vault rules.
job "policies" {
  group "web" {
    count = 12

    scaling {
      min = 2
      max = 10
    }

    migrate {
      max_parallel     = -1
      health_check     = "manual"
      min_healthy_time = "10m"
    }

    disconnect {
      lost_after           = "1h"
      stop_on_client_after = "30m"
      reconcile            = "best"
    }

    reschedule {
      attempts       = 3
      unlimited      = true
      delay          = "100ms"
      delay_function = "linear"
    }

    task "web" {
      driver = "docker"

      artifact {
        mode        = "blob"
        destination = "../../../tmp"
      }

      vault {
        change_mode = "signal"
      }
    }
  }
}
