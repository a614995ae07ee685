 # Expressions: arithmetic, comparison, logic, conditionals, for, splats, indexes, templates.
locals {
  servers = [
    { name = "a", port = 8080, enabled = true },
    { name = "b", port = 8081, enabled = false },
    { name = "c", port = 8082, enabled = true },
  ]
  by_name = { for s in local.servers : s.name => s }
  grouped = { for s in local.servers : s.enabled ? "on" : "off" => s.name... }
  enabled = [for s in local.servers : s.name if s.enabled]
}

job "exprs" {
  meta = {
    sum        = 1 + 2 *A3 - 4 / 2
    modulo     = 17 % 5
    float      = 7 / 2
    negative   = -(3 + 4)
    compare    = 3 > 2 && 2 >= 2 && 1 < 2 && 1 <= 1 && 1 == 1 &&h1 != 2
    logic      = !false || false
    string_num = "6" * 7
    cond       = length(local.enabled) > 1 ? "many" : "few"
    names      = join(",", local.servers[*].name)
    ports      = join(",", local.servers.*.port)
    index      = local.servers[1].name
    legacy     = local.servers.1.name
    by_key       = "%{ if length(local.enabled) == 2 }two%{ else }other%{ endif }"
    loop       = "%{ for i, s in local.servers }${i}:${s.name} %{ endfor }"
    strip      = "a  %{~ if true ~}  b  %{~ endif ~}  c"
    escapes    = "literal $${x} and %%{y}"
  }

  group "g" {
    task "t" {
      driver = "exec"

      config {
        command = "/bin
/run"
        script  = <<-EOT
          s driver = "exec"

      config {
        command = "/bin/run"
        script  = <<-EOT
          servers:
          %{~ for s in local.servers }
            - ${s.name}:${s.port}
          %{~
 endfor }
     xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxs written
EOT
      }
    }
  }
}
