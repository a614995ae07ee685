# Value conversions as HCL2 (cty) does them in Nomad, and runtime interpolation kept verbatim.
job "values" {
  group "g" {
    count = "2"

    network {
      hostname = "values"

      port "http" {
        static = "8080"
      }
    }

    service {
      name                = "values-${NOMAD_JOB_NAME}"
      port                = 8080
      enable_tag_override = "true"
    }

    task "t" {
      driver       = "raw_exec"
      kill_timeout = 5000000000

      config {
        command  = "/bin/echo"
        args     = ["${NOMAD_PORT_http}", "${ attr.unique.network.ip-address }"]
        region   = node.region
        escaped  = "literal $${NOT_INTERPOLATED} and %%{ directive }"
        quoted   = "a \"quoted\" string\twith a tab and é"
        number   = 1.5
        negative = -3
        nothing  = null
        nested = {
          list = [1, "two", true]
        }
      }

      env {
        ADDR      = "http://${NOMAD_ADDR_http}"
        FROM_META = "${meta.connect.sidecar_image}"
        INDEXED   = "${env["HOME"]}"
        COUNT     = 3
        ENABLED   = true
      }

      meta = {
        "a.b" = "dotted key"
      }
    }
  }
}
