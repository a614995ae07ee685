#!/usr/bin/env python3
"""Writes N Connect-heavy jobspecs of mixed sizes into a folder (deterministic).

Usage: gen_jobs.py DIR [N]
"""
import os
import random
import sys

def group(rng, job, i, upstream_pool):
    ups = rng.sample(upstream_pool, k=rng.randint(1, 4))
    upstreams = "".join(
        f"""
            upstreams {{
              destination_name = "{u}"
              local_bind_port  = {10000 + n}
            }}
"""
        for n, u in enumerate(ups)
    )
    env = "".join(
        f'        UP_{n} = "http://${{NOMAD_UPSTREAM_ADDR_{u.replace("-", "_")}}}"\n' for n, u in enumerate(ups)
    )
    return f"""
  group "g{i}" {{
    count = {rng.randint(1, 5)}

    network {{
      mode = "bridge"

      port "http" {{
        to = 8080
      }}

      port "metrics" {{}}
    }}

    service {{
      name = "{job}-g{i}"
      port = "8080"
      tags = ["v{rng.randint(1, 9)}", "team-{rng.randint(1, 20)}"]

      check {{
        type     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
        expose   = true
      }}

      connect {{
        sidecar_service {{
          proxy {{{upstreams}          }}
        }}

        sidecar_task {{
          resources {{
            cpu    = 100
            memory = 64
          }}
        }}
      }}
    }}

    task "app" {{
      driver = "docker"

      config {{
        image = "registry.example.com/{job}:{rng.randint(1, 99)}"
        ports = ["http"]
      }}

      env {{
{env}      }}

      template {{
        destination = "local/app.env"
        data        = <<-EOT
          PORT={{{{ env "NOMAD_PORT_http" }}}}
        EOT
      }}

      resources {{
        cpu    = {rng.choice([100, 250, 500])}
        memory = {rng.choice([128, 256, 512])}
      }}
    }}
  }}
"""

def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    rng = random.Random(42)
    os.makedirs(out, exist_ok=True)
    pool = [f"svc-{k}" for k in range(200)]
    total = 0
    for k in range(n):
        job = f"svc-{k}"
        groups = rng.choice([1, 1, 1, 2, 2, 3, 8])
        text = f'job "{job}" {{\n  datacenters = ["dc1"]\n' + "".join(group(rng, job, i, pool) for i in range(groups)) + "}\n"
        path = os.path.join(out, f"{job}.nomad.hcl")
        with open(path, "w") as f:
            f.write(text)
        total += len(text)
    print(f"{n} files, {total} bytes", file=sys.stderr)

if __name__ == "__main__":
    main()
