//! Parse+lower against hcl-edit's bare parse of the same text, and inject+render of the
//! parsed job against that same bare parse.
//!
//! The goal: parse+lower costs at most 1.5× the bare parse. Run `cargo bench --bench parse`;
//! compare `jobspec/<input>` and `render/<input>` with `hcl-edit/<input>` in the same run.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// One Connect-heavy group: a bridge network, a service with a sidecar, upstreams, checks,
/// and a task with env, config and a template.
fn group(i: usize) -> String {
    format!(
        r#"
  group "svc-{i}" {{
    count = 3

    network {{
      mode = "bridge"
      port "http" {{
        to = 8080
      }}
      port "metrics" {{}}
    }}

    service {{
      name = "svc-{i}"
      port = "8080"
      tags = ["v1", "team-{team}"]

      meta {{
        owner = "team-{team}"
      }}

      check {{
        type     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
        expose   = true
      }}

      connect {{
        sidecar_service {{
          proxy {{
            upstreams {{
              destination_name = "svc-{a}"
              local_bind_port  = {pa}
            }}
            upstreams {{
              destination_name = "svc-{b}"
              local_bind_port  = {pb}
              mesh_gateway {{
                mode = "local"
              }}
            }}
            config {{
              protocol = "http"
            }}
          }}
        }}
        sidecar_task {{
          resources {{
            cpu    = 200
            memory = 128
          }}
        }}
      }}
    }}

    task "app" {{
      driver = "docker"

      config {{
        image = "registry.example.com/svc-{i}:1.{i}"
        ports = ["http"]
        args  = ["--listen", "127.0.0.1:8080", "--upstream", "${{NOMAD_UPSTREAM_ADDR_svc_{a}}}"]
      }}

      env {{
        UPSTREAM_A = "http://${{NOMAD_UPSTREAM_ADDR_svc_{a}}}"
        UPSTREAM_B = "http://${{NOMAD_UPSTREAM_ADDR_svc_{b}}}"
        LOG_LEVEL  = "info"
      }}

      template {{
        destination = "local/config.yml"
        data        = <<-EOT
          listen: 127.0.0.1:8080
          upstream: {{{{ env "NOMAD_UPSTREAM_ADDR_svc_{a}" }}}}
        EOT
      }}

      resources {{
        cpu    = 500
        memory = 256
      }}
    }}
  }}
"#,
        team = i % 7,
        a = (i + 1) % 1000,
        b = (i + 2) % 1000,
        pa = 10000 + (i % 5000),
        pb = 15000 + (i % 5000),
    )
}

/// A job of `groups` Connect-heavy groups.
fn large_job(groups: usize) -> String {
    let mut text = String::from("job \"large\" {\n  datacenters = [\"dc1\", \"dc2\"]\n");
    for i in 0..groups {
        text.push_str(&group(i));
    }
    text.push_str("}\n");
    text
}

/// An HCL2-heavy job: variables, locals, `for` expressions, functions, and groups whose
/// upstreams and ports come from `dynamic` blocks.
fn hcl2_job(groups: usize) -> String {
    let mut text = String::from(
        r#"variable "dc" {
  type    = string
  default = "dc1"
}

variable "upstreams" {
  type = map(number)
  default = {
    count-api = 8080
    cache     = 6379
    db        = 5432
    search    = 9200
  }
}

locals {
  ports   = [for name, port in var.upstreams : { name = name, port = port }]
  image   = "registry.example.com/app:${upper(var.dc)}"
  env     = { for name, port in var.upstreams : "UPSTREAM_${upper(replace(name, "-", "_"))}" => "127.0.0.1:${port}" }
}

job "hcl2" {
  datacenters = [var.dc]
"#,
    );
    for i in 0..groups {
        text.push_str(&format!(
            r#"
  group "g{i}" {{
    count = max(1, {i} % 3)

    network {{
      mode = "bridge"
      dynamic "port" {{
        for_each = local.ports
        labels   = ["${{port.value.name}}-{i}"]
        content {{
          to = port.value.port + {i}
        }}
      }}
    }}

    service {{
      name = format("svc-%03d", {i})
      port = "8080"
      tags = [for t in ["a", "b", "c"] : "${{t}}-{i}"]
      connect {{
        sidecar_service {{
          proxy {{
            dynamic "upstreams" {{
              for_each = var.upstreams
              iterator = up
              content {{
                destination_name = up.key
                local_bind_port  = up.value + {i}
              }}
            }}
          }}
        }}
      }}
    }}

    task "app" {{
      driver = "docker"
      config {{
        image = local.image
        args  = ["--id", "{i}", "--upstream", "${{NOMAD_UPSTREAM_ADDR_count_api}}"]
      }}
      env = merge(local.env, {{ INDEX = "{i}" }})
    }}
  }}
"#
        ));
    }
    text.push_str("}\n");
    text
}

fn bench(c: &mut Criterion) {
    let mut inputs = vec![(
        "countdash".to_owned(),
        include_str!("../examples/countdash.nomad.hcl").to_owned(),
    )];
    let large = large_job(700);
    assert!(
        large.len() >= 1 << 20,
        "the large input must be at least 1 MiB"
    );
    inputs.push(("large-1MiB".to_owned(), large));
    inputs.push(("hcl2-heavy".to_owned(), hcl2_job(400)));

    for (name, text) in &inputs {
        let mut group = c.benchmark_group(name.as_str());
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function("hcl-edit", |b| {
            b.iter(|| hcl_edit::parser::parse_body(black_box(text)).unwrap())
        });
        let source = jobspec::SourceFile::new(name.as_str(), text.as_str());
        let parsed = jobspec::parse_recoverable(&source);
        assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
        group.bench_function("jobspec", |b| {
            b.iter(|| jobspec::parse_recoverable(black_box(&source)))
        });
        let job = parsed.job.expect("a job");
        let cx = jobspec::AllocContext::default();
        group.bench_function("clone", |b| b.iter(|| black_box(&job).clone()));
        group.bench_function("render", |b| {
            b.iter(|| {
                let mut job = job.clone();
                jobspec::inject(&mut job);
                jobspec::render(black_box(&job), &cx)
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
