# What a system job may not have.
job "agents" {
  type        = "system"
  datacenters = ["dc1", ""]

  periodic {
    crons = ["@daily"]
  }

  affinity {
    attribute = "${node.class}"
    value     = "large"
  }

  group "agent" {
    count = 3

    spread {
      attribute = "${node.datacenter}"
    }

    reschedule {
      attempts = 1
    }

    task "agent" {
      driver = "exec"
    }
  }
}
