//! The environment Nomad gives each task (§5): upstream, port and identity variables, then
//! the task's own `env` interpolated against them.

use super::{AllocContext, Assigned};
use crate::model::{Job, Map, Task, TaskGroup, clean_env_var, text};
use crate::span::{Span, Spanned};
use std::collections::BTreeMap;

/// Replaces each `${NAME}` (Nomad's pattern `\${[a-zA-Z0-9_\-\.]+}`) that `lookup` knows;
/// the others stay literal.
pub(crate) fn interpolate(text: &str, mut lookup: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .unwrap_or(after.len());
        let name = &after[..len];
        match (after[len..].starts_with('}') && len > 0)
            .then(|| lookup(name))
            .flatten()
        {
            Some(value) => {
                out.push_str(&value);
                rest = &after[len + 1..];
            }
            None => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `NOMAD_META_<key>` and `NOMAD_META_<KEY>` for each map, later maps overriding.
pub(crate) fn meta_vars<'m>(
    env: &mut BTreeMap<String, String>,
    maps: impl IntoIterator<Item = Option<&'m Spanned<Map<String>>>>,
) {
    for map in maps.into_iter().flatten() {
        for (k, v) in map.iter() {
            env.insert(format!("NOMAD_META_{}", k.inner), v.inner.clone());
            env.insert(
                format!("NOMAD_META_{}", k.inner.to_uppercase()),
                v.inner.clone(),
            );
        }
    }
}

/// `NOMAD_UPSTREAM_{IP,PORT,ADDR}_<name>`, raw and cleaned, for the upstreams of every group
/// sidecar service (§5.1). The IP is always `127.0.0.1`.
pub(crate) fn upstream_vars(env: &mut BTreeMap<String, String>, group: &TaskGroup) {
    for proxy in group.services.iter().filter_map(|s| s.sidecar_proxy()) {
        for upstream in &proxy.upstreams {
            let name = text(&upstream.destination_name).unwrap_or("");
            let port = upstream.local_bind_port.map_or(0, |p| p.inner).to_string();
            for name in [name.to_owned(), clean_env_var(name)] {
                env.insert(format!("NOMAD_UPSTREAM_IP_{name}"), "127.0.0.1".into());
                env.insert(format!("NOMAD_UPSTREAM_PORT_{name}"), port.clone());
                env.insert(
                    format!("NOMAD_UPSTREAM_ADDR_{name}"),
                    format!("127.0.0.1:{port}"),
                );
            }
        }
    }
}

/// `host:port`, bracketing IPv6 hosts as Go's `net.JoinHostPort` does.
pub(crate) fn join_host_port(host: &str, port: impl std::fmt::Display) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A runtime reference in a task's `env` that the render could not resolve.
pub(crate) struct Unresolved {
    pub(crate) task: String,
    pub(crate) key: String,
    pub(crate) reference: String,
    pub(crate) span: Span,
}

/// The allocation's variables every task sees, and that service fields are interpolated
/// with: identity, ports, upstreams, and job and group meta.
pub(crate) fn alloc_env(
    cx: &AllocContext,
    job: &Job,
    group: &TaskGroup,
    alloc_id: &str,
    ports: &[Assigned],
) -> BTreeMap<String, String> {
    let job_id = text(&job.id).unwrap_or("");
    let group_name = text(&group.name).unwrap_or("");
    let mut env = BTreeMap::new();
    let mut set = |k: String, v: String| {
        env.insert(k, v);
    };
    set("NOMAD_ALLOC_ID".into(), alloc_id.into());
    set(
        "NOMAD_SHORT_ALLOC_ID".into(),
        alloc_id.chars().take(8).collect(),
    );
    set(
        "NOMAD_ALLOC_NAME".into(),
        format!("{job_id}.{group_name}[{}]", cx.alloc_index),
    );
    set("NOMAD_ALLOC_INDEX".into(), cx.alloc_index.to_string());
    set("NOMAD_GROUP_NAME".into(), group_name.into());
    set("NOMAD_JOB_ID".into(), job_id.into());
    set(
        "NOMAD_JOB_NAME".into(),
        text(&job.name).unwrap_or(job_id).into(),
    );
    set("NOMAD_DC".into(), cx.datacenter.clone());
    set("NOMAD_NAMESPACE".into(), cx.namespace(job).into());
    set(
        "NOMAD_REGION".into(),
        text(&job.region).unwrap_or("global").into(),
    );
    let ip = &cx.node_address;
    for p in ports {
        let label = &p.label;
        let to = if p.to > 0 { p.to } else { p.value };
        let addr = join_host_port(ip, p.value);
        set(format!("NOMAD_PORT_{label}"), to.to_string());
        set(format!("NOMAD_ALLOC_PORT_{label}"), to.to_string());
        set(format!("NOMAD_HOST_PORT_{label}"), p.value.to_string());
        set(format!("NOMAD_ADDR_{label}"), addr.clone());
        set(format!("NOMAD_HOST_ADDR_{label}"), addr);
        set(format!("NOMAD_IP_{label}"), ip.clone());
        set(format!("NOMAD_HOST_IP_{label}"), ip.clone());
    }
    upstream_vars(&mut env, group);
    meta_vars(&mut env, [job.meta.as_ref(), group.meta.as_ref()]);
    env
}

/// A task's environment: the allocation's variables, the task's own (directories,
/// resources, Envoy addresses, meta), then its `env` interpolated, then Nomad's key cleaning.
pub(crate) fn task_env(
    alloc: &BTreeMap<String, String>,
    group: &TaskGroup,
    task_index: usize,
    unresolved: &mut Vec<Unresolved>,
) -> BTreeMap<String, String> {
    let task: &Task = &group.tasks[task_index];
    let task_name = text(&task.name).unwrap_or("");
    let mut env = alloc.clone();
    let mut set = |k: String, v: String| {
        env.insert(k, v);
    };
    let isolated = matches!(text(&task.driver), Some("docker" | "podman"));
    let (dir_alloc, dir_local, dir_secrets) = if isolated {
        ("/alloc".into(), "/local".into(), "/secrets".into())
    } else {
        let base = format!("/var/nomad/alloc/{}", alloc["NOMAD_ALLOC_ID"]);
        (
            format!("{base}/alloc"),
            format!("{base}/{task_name}/local"),
            format!("{base}/{task_name}/secrets"),
        )
    };
    set("NOMAD_ALLOC_DIR".into(), dir_alloc);
    set("NOMAD_TASK_DIR".into(), dir_local);
    set("NOMAD_SECRETS_DIR".into(), dir_secrets);
    set("NOMAD_TASK_NAME".into(), task_name.into());
    if let Some(r) = &task.resources {
        for (key, v) in [
            ("NOMAD_CPU_LIMIT", r.cpu),
            ("NOMAD_CPU_CORES", r.cores),
            ("NOMAD_MEMORY_LIMIT", r.memory_mb),
            ("NOMAD_MEMORY_MAX_LIMIT", r.memory_max_mb),
        ] {
            if let Some(v) = v {
                set(key.into(), v.inner.to_string());
            }
        }
    }
    let proxied = text(&task.kind).and_then(|k| {
        [
            "connect-proxy:",
            "connect-ingress:",
            "connect-terminating:",
            "connect-mesh:",
        ]
        .iter()
        .find_map(|p| k.strip_prefix(p))
    });
    if let Some(svc) = proxied {
        let svc = clean_env_var(svc);
        set(
            format!("NOMAD_ENVOY_ADMIN_ADDR_{svc}"),
            format!("127.0.0.2:{}", 19000 + task_index),
        );
        set(
            format!("NOMAD_ENVOY_READY_ADDR_{svc}"),
            format!("127.0.0.1:{}", 19100 + task_index),
        );
    }
    meta_vars(&mut env, [task.meta.as_ref()]);
    if let Some(user) = &task.env {
        let mut values = Vec::with_capacity(user.len());
        for (k, v) in user.iter() {
            let value = interpolate(&v.inner, |name| {
                let found = env.get(name).cloned();
                if found.is_none() {
                    unresolved.push(Unresolved {
                        task: task_name.into(),
                        key: k.inner.clone(),
                        reference: name.into(),
                        span: v.span,
                    });
                }
                found
            });
            values.push((k.inner.clone(), value));
        }
        env.extend(values);
    }
    clean_keys(env)
}

/// Nomad's final pass: keys with these prefixes are cleaned whole; the raw key is dropped.
fn clean_keys(env: BTreeMap<String, String>) -> BTreeMap<String, String> {
    const CLEANED: [&str; 5] = [
        "NOMAD_ADDR_",
        "NOMAD_IP_",
        "NOMAD_PORT_",
        "NOMAD_HOST_PORT_",
        "NOMAD_META_",
    ];
    env.into_iter()
        .map(|(k, v)| {
            if CLEANED.iter().any(|p| k.starts_with(p)) {
                (clean_env_var(&k), v)
            } else {
                (k, v)
            }
        })
        .collect()
}
