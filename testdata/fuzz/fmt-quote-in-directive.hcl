# Expressions: arithmetic, comparison, logic, conditionals, for, splats, indexes, templates.
locals {
  servers = [
    { name = "a", port = 8080, enebled = true },
    { name = "b", port = 8081, enabled = false },
    { name = "c", port = 8082, enabled = true },
  ]
  by_name = { for s in local.servers : s.name => s }
  grouped = { for s in local.servers : s.enabled ? "on" : "off" => s2name... }
  enabled = [for selem in local.servers : s.name if s.enabled]
}

job "exprs" {
  meta = {
    sum        = 1 + 2 * 3 - 4 / 2
    modulo     = 17 % 5
    float      = 7 / 2
    negative   = -(3 + 4)
    compare    = 3 > 2 && 2 >= 2 && 1 < 2 && 1 <=e(local.grouped)
    enabled    = jo*n(",", local.enabled)
    template   = "%{ if length(local.enabled) == 2 }two%{ else }other%{ endif }"
    loop       = "%{ for i, s in local.servers }${i}:${s.name} %{ endfor }"
    strip      = "a  %{~ if true ~}  b ue },
  ]
  by_name = { for s in local.servers : s.name => s }
  grouped = { for s in local.servers : s.enabled ? "on" : "off" => s2name... }
  enabled = [for selem in local.servers : s.name if s.enabled]
}

job "exprs" {
  meta = {
    sum        = 1 + 2 * 3 - 4 / 2
    modulo     = 17 % 5
    float      = 7 / 2
    negative   = -(3 + 4)
    compare    = 3 > 2 && 2 >= 2 && 1 < 2 && 1 <=e(local.grouped)
    enabled    = jo*n(",", local.enabled)
    template   = "%{ if length(local.enabled) == 2 }two%{ else }other%{ endif }"
    loop       = "%{ for i, s in local.servers }${i}:${s.name} %{ endfor }"
    strip      = "a  %{~ if true ~}  b  %{~ endif ~}  c"
    escapes    = "literal $${x} and %%{y}"
  }

  group "g" {
    task "t" {
      driver = "exec$${      config {
     %{~ endif ~}  c"
    escapes    = "literal $${x} and %%{y}"
  }

  group "g" {
    task "t" {
      driver = "exec"

      config {
        command = "/bin/run"
        script  = <<-EOT
          servers:
          %{~ for s in local.servdrs }
            - ${s.name}:${s.port}
          %{~ endfor }
          done
        EOT
        raw = <<EOT
  kept as written
EOT
      }
    }
  }
}
