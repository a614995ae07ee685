//! References to runtime variables a task's env, templates and config make:
//! `NOMAD_UPSTREAM_{ADDR,IP,PORT}_<name>` must name an upstream of the group, and
//! `NOMAD_{PORT,ADDR,IP,...}_<label>` a port the allocation will have.

use super::{Checker, Group, Names, ports};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Task, Value, service_name};
use crate::model::{clean_env_var, text};
use crate::span::{Span, Spanned};

/// Port variable prefixes, longest first so `NOMAD_ALLOC_ADDR_` is not read as `NOMAD_A...`.
const PORT_PREFIXES: &[&str] = &[
    "NOMAD_ALLOC_PORT_",
    "NOMAD_ALLOC_ADDR_",
    "NOMAD_ALLOC_IP_",
    "NOMAD_HOST_PORT_",
    "NOMAD_HOST_ADDR_",
    "NOMAD_HOST_IP_",
    "NOMAD_PORT_",
    "NOMAD_ADDR_",
    "NOMAD_IP_",
];
const UPSTREAM_PREFIXES: &[&str] = &[
    "NOMAD_UPSTREAM_ADDR_",
    "NOMAD_UPSTREAM_IP_",
    "NOMAD_UPSTREAM_PORT_",
];

/// Where a string value came from, so a reference inside it can be pointed at exactly.
struct Text<'a> {
    value: &'a str,
    span: Span,
}

impl Text<'_> {
    /// The span of `value[start..end]`: exact when the source is a plain quoted string whose
    /// text is the value (runtime interpolations are kept verbatim), else the whole value.
    fn sub(&self, start: usize, end: usize) -> Span {
        if self.span.len() == self.value.len() + 2 {
            Span::new(self.span.start + 1 + start, self.span.start + 1 + end)
        } else {
            self.span
        }
    }
}

/// The variable name part after a prefix: letters, digits, `_`, `-` and `.`, as Nomad's
/// interpolation allows.
fn name_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .unwrap_or(s.len());
    &s[..end]
}

pub(super) fn check(cx: &mut Checker, g: &Group<'_>) {
    let upstreams: Vec<&str> = g
        .group
        .services
        .iter()
        .filter_map(|s| s.sidecar_proxy())
        .flat_map(|p| p.upstreams.iter())
        .filter_map(|u| text(&u.destination_name))
        .collect();
    let upstream_names: Vec<String> = upstreams
        .iter()
        .flat_map(|u| [(*u).to_owned(), clean_env_var(u)])
        .collect();
    // Ports the allocation has: the group's, and the sidecar ports Nomad injects.
    let mut labels: Vec<String> = g.ports.iter().map(|p| p.label.inner.clone()).collect();
    for service in &g.group.services {
        let Some(connect) = &service.connect else {
            continue;
        };
        if let Some(sidecar) = &connect.sidecar_service {
            let name = service_name(g.job_name, g.name, None, service);
            labels.push(
                text(&sidecar.port).map_or_else(|| format!("connect-proxy-{name}"), str::to_owned),
            );
        }
    }
    // Task-level (deprecated) networks: a task's own labels, and `<task>_<label>` for others.
    for task in &g.group.tasks {
        for network in task.resources.iter().flat_map(|r| r.networks.iter()) {
            for p in ports(network) {
                labels.push(p.label.inner.clone());
                if let Some(t) = text(&task.name) {
                    labels.push(format!("{t}_{}", p.label.inner));
                }
            }
        }
    }
    let port_names: Vec<String> = labels
        .iter()
        .flat_map(|l| [l.clone(), clean_env_var(l)])
        .collect();
    let known = Known {
        upstreams: upstream_names.iter().map(String::as_str).collect(),
        ports: port_names.iter().map(String::as_str).collect(),
    };
    for task in &g.group.tasks {
        for text in texts(task) {
            known.check(cx, &text);
        }
    }
}

/// The names references may use: upstreams and port labels, each as written and cleaned.
struct Known<'a> {
    upstreams: Names<'a>,
    ports: Names<'a>,
}

impl Known<'_> {
    fn check(&self, cx: &mut Checker, t: &Text<'_>) {
        let s = t.value;
        let mut from = 0;
        while let Some(i) = s[from..].find("NOMAD_") {
            let at = from + i;
            from = at + "NOMAD_".len();
            let rest = &s[at..];
            if let Some(prefix) = UPSTREAM_PREFIXES.iter().find(|p| rest.starts_with(**p)) {
                let name = name_at(&rest[prefix.len()..]);
                if name.is_empty() || self.upstreams.contains(name) || name.contains('$') {
                    continue;
                }
                let known = &self.upstreams;
                let span = t.sub(at, at + prefix.len() + name.len());
                let help = cx.suggest(name, known, || {
                    if known.is_empty() {
                        "the group's services declare no upstreams: add one to `connect { sidecar_service { proxy { upstreams { ... } } } }`".to_owned()
                    } else {
                        format!("the group's upstreams: {}", known.listed(", "))
                    }
                });
                cx.push(
                    Diagnostic::new(
                        Code::UnknownUpstreamReference,
                        span,
                        format!("{prefix}{name} refers to no upstream of this group"),
                    )
                    .with_label("no such upstream")
                    .with_help(help),
                );
            } else if let Some(prefix) = PORT_PREFIXES.iter().find(|p| rest.starts_with(**p)) {
                let name = name_at(&rest[prefix.len()..]);
                if name.is_empty() || self.ports.contains(name) {
                    continue;
                }
                let known = &self.ports;
                let span = t.sub(at, at + prefix.len() + name.len());
                let help = cx.suggest(name, known, || {
                    if known.is_empty() {
                        "the group defines no port: add `port \"<label>\" {}` to its network"
                            .to_owned()
                    } else {
                        format!("the group's ports: {}", known.listed(", "))
                    }
                });
                cx.push(
                    Diagnostic::new(
                        Code::UnknownPortReference,
                        span,
                        format!("{prefix}{name} refers to no port of this group"),
                    )
                    .with_label("no such port label")
                    .with_help(help),
                );
            }
        }
    }
}

/// Every string in a task that Nomad interpolates at runtime: env values, template data and
/// destinations, artifact sources, and strings anywhere in the driver config.
fn texts(task: &Spanned<Task>) -> Vec<Text<'_>> {
    let mut out = Vec::new();
    let strings = task
        .templates
        .iter()
        .flat_map(|t| [&t.embedded_tmpl, &t.dest_path])
        .chain(task.artifacts.iter().map(|a| &a.getter_source));
    for v in strings.flatten() {
        out.push(Text {
            value: &v.inner,
            span: v.span,
        });
    }
    if let Some(env) = &task.env {
        for (_, v) in env.iter() {
            out.push(Text {
                value: &v.inner,
                span: v.span,
            });
        }
    }
    if let Some(config) = &task.config {
        for (_, v) in config.iter() {
            value_texts(v, &mut out);
        }
    }
    out
}

fn value_texts<'a>(v: &'a Spanned<Value>, out: &mut Vec<Text<'a>>) {
    match &v.inner {
        Value::String(s) => out.push(Text {
            value: s,
            span: v.span,
        }),
        Value::List(items) => items.iter().for_each(|i| value_texts(i, out)),
        Value::Object(map) => map.values().for_each(|i| value_texts(i, out)),
        _ => {}
    }
}
