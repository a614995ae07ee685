//! Property tests of injection and rendering over generated Connect jobs: injecting twice
//! equals injecting once, service IDs are unique per allocation, every environment variable
//! name is valid, and every proxy listener port is in 1–65535 and unique in its group.

use std::collections::BTreeSet;

use jobspec::{AllocContext, Job};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(128)
}

/// A service of a generated job: its name, port, upstreams (name, port), whether a check is
/// exposed, and its sidecar port label, if any.
#[derive(Debug, Clone)]
struct Svc {
    name: String,
    port: u16,
    upstreams: Vec<(String, u16)>,
    expose: bool,
    sidecar_port: Option<String>,
}

fn svc() -> impl Strategy<Value = Svc> {
    (
        "[a-z][a-z0-9-]{0,8}",
        1024u16..40000,
        prop::collection::btree_map("[a-z0-9][a-z0-9._-]{0,6}", 1u16..=65535, 0..4)
            .prop_map(|m| m.into_iter().collect()),
        any::<bool>(),
        prop::option::of("[a-z][a-z0-9_]{0,5}"),
    )
        .prop_map(|(name, port, upstreams, expose, sidecar_port)| Svc {
            name,
            port,
            upstreams,
            expose,
            sidecar_port,
        })
}

fn jobspec(groups: &[Vec<Svc>], mode: &str) -> String {
    let mut out = String::from("job \"gen\" {\n");
    for (i, services) in groups.iter().enumerate() {
        out += &format!("group \"g{i}\" {{\nnetwork {{\nmode = \"{mode}\"\n");
        for (j, s) in services.iter().enumerate() {
            if let Some(label) = &s.sidecar_port {
                out += &format!("port \"{label}{j}\" {{\nto = -1\n}}\n");
            }
        }
        out += "}\n";
        for (j, s) in services.iter().enumerate() {
            // Names, labels and upstreams carry the service's index, so that most generated
            // jobs are valid.
            out += &format!(
                "service {{\nname = \"{}{j}\"\nport = \"{}\"\n",
                s.name, s.port
            );
            if s.expose {
                out += "check {\ntype = \"http\"\npath = \"/health\"\ninterval = \"10s\"\ntimeout = \"2s\"\nexpose = true\n}\n";
            }
            out += "connect {\nsidecar_service {\n";
            if let Some(label) = &s.sidecar_port {
                out += &format!("port = \"{label}{j}\"\n");
            }
            out += "proxy {\n";
            for (name, port) in &s.upstreams {
                out += &format!(
                    "upstreams {{\ndestination_name = \"{name}-{j}\"\nlocal_bind_port = {port}\n}}\n"
                );
            }
            out += "}\n}\n}\n}\n";
        }
        out += "task \"app\" {\ndriver = \"docker\"\n}\n}\n";
    }
    out + "}\n"
}

/// A generated job that parses and that validation accepts.
fn valid_job(groups: &[Vec<Svc>], mode: &str) -> Option<Job> {
    let job = jobspec::parse(&jobspec(groups, mode)).ok()?;
    jobspec::validate(&job)
        .iter()
        .all(|d| !d.is_error())
        .then_some(job)
}

fn groups() -> impl Strategy<Value = Vec<Vec<Svc>>> {
    prop::collection::vec(prop::collection::vec(svc(), 1..4), 1..3)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn injecting_twice_equals_injecting_once(groups in groups(), bridge in any::<bool>()) {
        let mode = if bridge { "bridge" } else { "host" };
        let Ok(mut once) = jobspec::parse(&jobspec(&groups, mode)) else {
            return Err(TestCaseError::reject("does not parse"));
        };
        jobspec::inject(&mut once);
        let mut twice = once.clone();
        jobspec::inject(&mut twice);
        prop_assert_eq!(
            jobspec::model::to_api_json(&once),
            jobspec::model::to_api_json(&twice)
        );
    }

    #[test]
    fn renders_keep_their_invariants(groups in groups()) {
        let Some(mut job) = valid_job(&groups, "bridge") else {
            return Err(TestCaseError::reject("invalid job"));
        };
        jobspec::inject(&mut job);
        let rendered = jobspec::render(&job, &AllocContext::default());
        let findings = &rendered.findings;
        prop_assert!(findings.iter().all(|d| !d.is_error()), "{:#?}", findings);
        let mut ids = BTreeSet::new();
        for group in &rendered.groups {
            for reg in group.registrations.iter().chain(&group.effective_services) {
                let id = reg.id.clone().unwrap_or_default();
                prop_assert!(ids.insert(id.clone()), "duplicate service ID {}", id);
            }
            for env in group.env.values() {
                for key in env.keys() {
                    prop_assert!(!key.is_empty() && !key.contains(['=', '\0']), "bad name {:?}", key);
                    let cleaned = ["NOMAD_ADDR_", "NOMAD_IP_", "NOMAD_PORT_", "NOMAD_HOST_PORT_", "NOMAD_META_"];
                    if cleaned.iter().any(|p| key.starts_with(p)) {
                        prop_assert!(
                            key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.'),
                            "uncleaned name {:?}", key
                        );
                    }
                }
            }
            let mut ports = BTreeSet::new();
            for proxy in &group.proxies {
                let listeners = std::iter::once(proxy.public_listener.bind_port)
                    .chain(proxy.upstreams.iter().filter_map(|u| u.local_bind_port))
                    .chain(proxy.expose.iter().map(|e| e.listener_port));
                for port in listeners {
                    prop_assert!(port >= 1, "port 0 in {:#?}", proxy);
                    prop_assert!(ports.insert(port), "port {} twice in group {}", port, group.name);
                }
            }
        }
    }
}
