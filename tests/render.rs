//! `jobspec render` over every Connect fixture: snapshots of the whole render, Consul's
//! strict decoding of every register body, and the render's invariants.
//!
//! A fixture `x.nomad.hcl` may have `x.args` beside it: extra `render` arguments, one per
//! line (`--canary`, `--node-address`, `2001:db8::5`, ...).

mod common;
mod consul_schema;

use std::path::Path;

use common::jobspec;

/// Renders a fixture with its `.args`, asserting a clean exit.
fn render(path: &Path, extra: &[&str]) -> (serde_json::Value, String) {
    let file = path.to_str().unwrap();
    let stem = file.split(".nomad.").next().unwrap();
    let args = std::fs::read_to_string(format!("{stem}.args")).unwrap_or_default();
    let mut argv = vec!["render", file];
    argv.extend(args.lines().filter(|l| !l.is_empty()));
    argv.extend(extra);
    let out = jobspec(&argv);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{file}: {stderr}");
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{file}: {e}"));
    (value, stderr)
}

/// Every register body a render holds: the request bodies and the effective sidecars.
fn bodies(rendered: &serde_json::Value) -> Vec<serde_json::Value> {
    let groups = rendered["groups"].as_array().unwrap();
    groups
        .iter()
        .flat_map(|g| {
            let regs = g["registrations"].as_array().unwrap().iter();
            regs.chain(g["effective_services"].as_array().unwrap())
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn render_fixtures() {
    let schema = consul_schema::schema();
    insta::glob!(
        "../testdata",
        "{render/*.nomad.hcl,valid/connect-*.nomad.hcl,valid/countdash.nomad.json}",
        |path| {
            let path = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
            let (rendered, stderr) = render(path, &[]);
            for body in bodies(&rendered) {
                let errors = consul_schema::check(&schema, &body);
                assert!(
                    errors.is_empty(),
                    "{}: {errors:#?}\n{body:#}",
                    path.display()
                );
            }
            insta::assert_json_snapshot!(rendered);
            if !stderr.is_empty() {
                insta::assert_snapshot!("warnings", stderr);
            }
        }
    );
}

#[test]
fn countdash_renders_as_nomad_does() {
    let (r, _) = render(Path::new("examples/countdash.nomad.hcl"), &[]);
    insta::assert_json_snapshot!(r);
    let dash = &r["groups"][1];
    assert_eq!(dash["name"], "dashboard");
    let tasks: Vec<&str> = dash["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["Name"].as_str().unwrap())
        .collect();
    assert_eq!(tasks, ["dashboard", "connect-proxy-count-dashboard"]);
    let proxy = &dash["tasks"][1];
    assert_eq!(proxy["Kind"], "connect-proxy:count-dashboard");
    assert_eq!(proxy["Resources"]["CPU"], 250);
    assert_eq!(proxy["Resources"]["MemoryMB"], 128);
    assert_eq!(proxy["Lifecycle"]["Hook"], "prestart");
    assert_eq!(proxy["ShutdownDelay"], 5_000_000_000_i64);
    assert_eq!(
        dash["ports"]["connect-proxy-count-dashboard"]["value"],
        20000
    );
    let reg = &dash["registrations"][0];
    let id = format!(
        "_nomad-task-{}-group-dashboard-count-dashboard-9002",
        dash["alloc_id"].as_str().unwrap()
    );
    assert_eq!(reg["ID"], id.as_str());
    assert_eq!(reg["Port"], 9002);
    assert!(reg.get("Address").is_none());
    let side = &reg["Connect"]["SidecarService"];
    assert_eq!(side["Checks"][0]["AliasService"], id.as_str());
    assert_eq!(side["Checks"][1]["TCP"], "127.0.0.1:20000");
    assert_eq!(side["Proxy"]["Config"]["bind_port"], 20000);
    let effective = &dash["effective_services"][0];
    assert_eq!(effective["ID"], format!("{id}-sidecar-proxy").as_str());
    assert_eq!(effective["Proxy"]["LocalServicePort"], 9002);
    let env = &dash["env"]["dashboard"];
    assert_eq!(env["COUNTING_SERVICE_URL"], "http://127.0.0.1:8080");
    assert_eq!(env["NOMAD_UPSTREAM_ADDR_count-api"], "127.0.0.1:8080");
    assert_eq!(env["NOMAD_PORT_connect_proxy_count_dashboard"], "20000");
    assert_eq!(
        dash["env"]["connect-proxy-count-dashboard"]["NOMAD_ENVOY_ADMIN_ADDR_count_dashboard"],
        "127.0.0.2:19001"
    );
}

#[test]
fn flags_override_the_allocation() {
    let path = Path::new("examples/countdash.nomad.hcl");
    let args = [
        "--group",
        "dashboard",
        "--alloc-id",
        "A",
        "--namespace",
        "prod",
        "--node-address",
        "10.0.0.5",
        "--port",
        "connect-proxy-count-dashboard=25123",
        "--dynamic-range",
        "30000-30010",
    ];
    let (r, _) = render(path, &args);
    assert_eq!(r["groups"].as_array().unwrap().len(), 1);
    let reg = &r["groups"][0]["registrations"][0];
    assert_eq!(
        reg["ID"],
        "_nomad-task-A-group-dashboard-count-dashboard-9002"
    );
    let side = &reg["Connect"]["SidecarService"];
    assert_eq!(side["Port"], 25123);
    assert_eq!(side["Address"], "10.0.0.5");
    assert_eq!(side["Checks"][1]["TCP"], "10.0.0.5:25123");
    let tags = &side["Proxy"]["Config"]["envoy_stats_tags"];
    assert_eq!(tags[0], "nomad.alloc_id=A");
    assert_eq!(tags[3], "nomad.namespace=prod");
}

#[test]
fn only_prints_one_part() {
    let out = jobspec(&[
        "render",
        "examples/countdash.nomad.hcl",
        "--only",
        "registrations",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let regs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(regs.as_array().unwrap().len(), 2);
    let out = jobspec(&[
        "render",
        "examples/countdash.nomad.hcl",
        "--only",
        "env",
        "--format",
        "yaml",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\"COUNTING_SERVICE_URL\": \"http://127.0.0.1:8080\""),
        "{text}"
    );
    let out = jobspec(&[
        "render",
        "examples/countdash.nomad.hcl",
        "--format",
        "human",
    ]);
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn invalid_jobs_are_not_rendered() {
    let out = jobspec(&["render", "testdata/invalid/validate-sidecar-port.nomad.hcl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("jobspec::connect::sidecar_static_port"),
        "{stderr}"
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [
        ["--port", "http"],
        ["--dynamic-range", "9-1"],
        ["--node-address", "nowhere"],
        ["--group", "nope"],
    ] {
        let mut argv = vec!["render", "examples/countdash.nomad.hcl"];
        argv.extend(args);
        assert_eq!(jobspec(&argv).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn missing_ports_are_errors() {
    let job = r#"
job "j" {
  group "g" {
    network { mode = "bridge" }
    service {
      name = "web"
      port = "http"
      check {
        type     = "http"
        path     = "/"
        interval = "10s"
        timeout  = "2s"
      }
    }
    task "t" { driver = "docker" }
  }
}
"#;
    let job = jobspec::parse(job).unwrap();
    let findings = jobspec::render(&job, &jobspec::AllocContext::default()).findings;
    let codes: Vec<&str> = findings.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["jobspec::render::port", "jobspec::render::port"]);
    let messages: Vec<String> = findings
        .iter()
        .map(|d| format!("{}: {}", d.code.as_str(), d.message))
        .collect();
    insta::assert_debug_snapshot!(messages);
}

#[test]
fn dynamic_ports_skip_upstream_listeners() {
    let job = r#"
job "j" {
  group "g" {
    network { mode = "bridge" }
    service {
      name = "web"
      port = "8080"
      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "db"
              local_bind_port  = 20000
            }
          }
        }
      }
    }
    task "t" { driver = "docker" }
  }
}
"#;
    let mut job = jobspec::parse(job).unwrap();
    jobspec::inject(&mut job);
    let r = jobspec::render(&job, &jobspec::AllocContext::default());
    assert_eq!(r.groups[0].ports["connect-proxy-web"].value, 20001);
}

/// Inputs the fuzzers found (`testdata/fuzz/`): each parses without panic with spans on
/// character boundaries; formatting it is idempotent and keeps its job; and it either fails
/// validation or renders with valid environment variable names.
/// Every task sees every port of its group, so a group of many Connect services would need
/// gigabytes of environment: the render refuses it and still renders the registrations.
#[test]
fn environments_over_budget_are_an_error() {
    let services: String = (0..400)
        .map(|i| {
            format!(
                "service {{\n name = \"s{i}\"\n port = \"{}\"\n connect {{\n sidecar_service {{}}\n }}\n }}\n",
                9000 + i
            )
        })
        .collect();
    let text = format!(
        "job \"j\" {{\n group \"g\" {{\n network {{\n mode = \"bridge\"\n }}\n{services} task \"app\" {{\n driver = \"docker\"\n }}\n }}\n group \"small\" {{\n task \"t\" {{\n driver = \"docker\"\n }}\n }}\n}}\n"
    );
    let mut job = jobspec::parse(&text).unwrap();
    assert!(!jobspec::validate(&job).iter().any(|d| d.is_error()));
    jobspec::inject(&mut job);
    let rendered = jobspec::render(&job, &jobspec::AllocContext::default());
    let messages: Vec<String> = rendered
        .findings
        .iter()
        .map(|d| format!("{}: {}", d.code.as_str(), d.message))
        .collect();
    insta::assert_debug_snapshot!(messages);
    let [big, small] = &rendered.groups[..] else {
        panic!("two groups")
    };
    assert!(big.env.is_empty());
    assert_eq!(big.registrations.len(), 400);
    assert_eq!(big.effective_services.len(), 400);
    assert_eq!(small.env["t"]["NOMAD_GROUP_NAME"], "small");
    let span = rendered.findings[0].labels().next().unwrap().span;
    assert_eq!(&text[span.start..span.end], "\"g\"");
}

#[test]
fn fuzz_regressions() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/fuzz");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let parsed = jobspec::parse_recoverable(&jobspec::SourceFile::new("fuzz", text.as_str()));
        for label in parsed.diagnostics.iter().flat_map(|d| d.labels()) {
            let span = label.span;
            assert!(span.end <= text.len(), "{}: {span:?}", path.display());
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
        let source = jobspec::SourceFile::new("fuzz", text.as_str());
        if let Ok(formatted) = jobspec::write::format(&source) {
            let again = jobspec::write::format(&jobspec::SourceFile::new("f", formatted.as_str()));
            assert_eq!(again.as_ref(), Ok(&formatted), "{}", path.display());
        }
        let Some(mut job) = parsed.job.clone().filter(|_| !parsed.has_errors()) else {
            continue;
        };
        if let Ok(formatted) = jobspec::write::format(&source) {
            let back = jobspec::parse(&formatted);
            assert_eq!(back.ok().as_ref(), Some(&job), "{}", path.display());
        }
        let hcl = jobspec::write::to_hcl(&job);
        if hcl.dropped.is_empty() {
            let back = jobspec::parse(&hcl.text);
            assert_eq!(back.ok().as_ref(), Some(&job), "{}", path.display());
        }
        if jobspec::validate(&job).iter().any(|d| d.is_error()) {
            continue;
        }
        jobspec::inject(&mut job);
        for group in jobspec::render(&job, &jobspec::AllocContext::default()).groups {
            for key in group.env.values().flat_map(|env| env.keys()) {
                assert!(!key.contains(['=', '\0']), "{}: {key:?}", path.display());
            }
        }
    }
}
