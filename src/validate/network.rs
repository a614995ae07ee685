//! Network and port rules (`TaskGroup.validateNetworks`), and the port-label rules Nomad's
//! HCL1 parser had: a label must name an environment variable (`NOMAD_PORT_<label>`).

use std::collections::HashMap;

use super::{Checker, Group, PortDef, ports, seen_before, unusable_in_env_name};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::NetworkResource;
use crate::model::text;
use crate::span::Spanned;

pub(super) fn check(cx: &mut Checker, g: &Group<'_>) {
    let task_networks = g
        .group
        .tasks
        .iter()
        .flat_map(|t| t.resources.iter().flat_map(|r| r.networks.iter()));
    for network in g.group.networks.iter().chain(task_networks) {
        check_network(cx, network);
    }
    check_labels(cx, &g.ports);
    check_statics(cx, g.group.networks.iter());
    // Deprecated task networks: their labels are unique within the task.
    for task in &g.group.tasks {
        let networks: Vec<_> = task
            .resources
            .iter()
            .flat_map(|r| r.networks.iter())
            .collect();
        let labels: Vec<PortDef<'_>> = networks.iter().copied().flat_map(ports).collect();
        check_labels(cx, &labels);
        check_statics(cx, networks.into_iter());
    }
}

/// Port labels are unique, and do not differ only in case.
fn check_labels(cx: &mut Checker, ports: &[PortDef<'_>]) {
    let mut seen: HashMap<&str, &PortDef<'_>> = HashMap::new();
    let mut folded: HashMap<String, &PortDef<'_>> = HashMap::new();
    for port in ports {
        let label = port.label.as_str();
        let first_folded = seen_before(&mut folded, label.to_ascii_lowercase(), port);
        if let Some(first) = seen_before(&mut seen, label, port) {
            cx.push(
                Diagnostic::new(
                    Code::DuplicatePortLabel,
                    port.label.span,
                    format!("Port label {label} already in use by taskgroup network"),
                )
                .with_label("second definition")
                .with_related(first.label.span, "first defined here")
                .with_help("give each port a different label"),
            );
        } else if let Some(first) = first_folded {
            cx.push(
                Diagnostic::new(
                    Code::PortLabelCollision,
                    port.label.span,
                    format!(
                        "found a port label collision: {label:?} and {:?} differ only in case",
                        first.label.inner
                    ),
                )
                .with_label("collides with another label")
                .with_related(first.label.span, "the other label")
                .with_help("NOMAD_PORT_<label> variables collide where names are case-insensitive; rename one"),
            );
        }
    }
}

/// Static ports are unique per host network, unless a collision is allowed.
fn check_statics<'j>(
    cx: &mut Checker,
    networks: impl Iterator<Item = &'j Spanned<NetworkResource>>,
) {
    let mut statics: HashMap<(&str, i64), &Spanned<String>> = HashMap::new();
    for network in networks {
        for port in &network.reserved_ports {
            let (Some(label), Some(value)) = (&port.label, port.value.as_deref().copied()) else {
                continue;
            };
            if value <= 0 || port.ignore_collision.as_deref() == Some(&true) {
                continue;
            }
            let host = text(&port.host_network).unwrap_or("default");
            if let Some(first) = seen_before(&mut statics, (host, value), label) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateStaticPort,
                        port.value.as_ref().map_or(port.span, |v| v.span),
                        format!(
                            "Static port {value} already reserved by taskgroup network:{}",
                            first.inner
                        ),
                    )
                    .with_label("reserved twice")
                    .with_related(first.span, "first reserved here")
                    .with_help("use another static port, or a dynamic one"),
                );
            }
        }
    }
}

fn check_network(cx: &mut Checker, network: &Spanned<NetworkResource>) {
    let mode = text(&network.mode).unwrap_or("host");
    for port in network.reserved_ports.iter().chain(&network.dynamic_ports) {
        let Some(label) = &port.label else { continue };
        check_label(cx, label);
        if let Some(value) = &port.value {
            if **value > 65535 {
                cx.report(
                    Code::PortRange,
                    value.span,
                    format!(
                        "Port {} ({}) cannot be greater than 65535",
                        label.inner, value.inner
                    ),
                    "out of range",
                    "ports are 1 to 65535",
                );
            } else if **value < 0 {
                cx.report(
                    Code::PortRange,
                    value.span,
                    format!("Port {} ({}) cannot be negative", label.inner, value.inner),
                    "out of range",
                    "ports are 1 to 65535; leave `static` out for a dynamic port",
                );
            }
        }
        if let Some(to) = &port.to {
            if **to < -1 {
                cx.report(
                    Code::PortRange,
                    to.span,
                    format!(
                        "Port {:?} cannot be mapped to negative value {}",
                        label.inner, to.inner
                    ),
                    "out of range",
                    "`to` is a port from 1 to 65535, or -1 for the same port as the host's",
                );
            } else if **to > 65535 {
                cx.report(
                    Code::PortRange,
                    to.span,
                    format!(
                        "Port {:?} cannot be mapped to a port ({}) greater than 65535",
                        label.inner, to.inner
                    ),
                    "out of range",
                    "`to` is a port from 1 to 65535",
                );
            }
        }
        if port.ignore_collision.as_deref() == Some(&true) && mode != "host" {
            cx.report(
                Code::IgnoreCollision,
                port.ignore_collision.as_ref().map_or(port.span, |v| v.span),
                format!(
                    "Port {:?} collision may not be ignored on non-host network mode {mode:?}",
                    label.inner
                ),
                "only valid in host mode",
                "remove `ignore_collision`, or use `mode = \"host\"`",
            );
        }
    }
    if let Some(hostname) = &network.hostname {
        if !hostname.contains("${") && !is_dns_name(hostname) {
            cx.report(
                Code::InvalidHostname,
                hostname.span,
                "Hostname is not a valid DNS name",
                "not a DNS name",
                "use letters, digits, dashes and dots, each label at most 63 characters",
            );
        }
    }
    if let Some(cni) = &network.cni {
        if let Some(args) = &cni.args {
            for key in args.keys() {
                if key.contains(';') {
                    cx.report(
                        Code::CniArgs,
                        key.span,
                        format!("invalid ';' character in CNI arg key {:?}", key.inner),
                        "contains `;`",
                        "CNI args are passed as `key=value;...`: a key cannot hold `;`",
                    );
                }
            }
        }
    }
}

/// Whether `name` is a DNS name: labels of letters, digits and dashes, not starting or ending
/// with a dash, at most 63 characters each, 253 in all.
fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.trim_end_matches('.').split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// A port label names environment variables (`NOMAD_PORT_<label>`): an error when empty or
/// unusable in a variable name, a warning for other characters outside `^[a-zA-Z0-9_]+$`.
fn check_label(cx: &mut Checker, label: &Spanned<String>) {
    if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        let message = if label.is_empty() {
            "Port label does not conform to naming requirements ^[a-zA-Z0-9_]+$: the label is empty"
                .to_owned()
        } else {
            format!(
                "Port label does not conform to naming requirements ^[a-zA-Z0-9_]+$: {:?}",
                label.inner
            )
        };
        let mut d = Diagnostic::new(Code::InvalidPortLabel, label.span, message)
            .with_label("not a valid label")
            .with_help("use letters, digits and underscores: the label names NOMAD_PORT_<label>");
        // Nomad lets other characters through (they are cleaned to `_` in most variable
        // names), so they only warn; but `NOMAD_ALLOC_PORT_<label>` keeps the label raw,
        // and an environment variable name cannot hold `=`, NUL or control characters.
        if !label.is_empty() && !unusable_in_env_name(label) {
            d.severity = crate::diagnostic::Severity::Warning;
        }
        cx.push(d);
    }
}
