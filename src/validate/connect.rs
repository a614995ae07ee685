//! Consul Connect rules: the server's connect hook (network mode, naming, exclusivity,
//! gateways, transparent proxy, upstream listeners, expose checks, proxy tasks), and the
//! upstream checks Nomad never makes (destinations, bind settings, port clashes, env names).

use std::collections::HashMap;

use super::{Checker, Group, Names, head, seen_before, suggest};
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::model::{ConsulUpstream, Service, service_name, span_or};
use crate::model::{clean_env_var, text};
use crate::span::{Span, Spanned};

pub(super) fn check(cx: &mut Checker, g: &Group<'_>) {
    let group = &g.group.inner;
    let mut tproxy_at: Option<Span> = None;
    let mut connect_blocks = 0;
    let mut expose_check: Option<Span> = None;
    let group_reported = &mut false;
    let mut sidecar_names: HashMap<String, Span> = HashMap::new();
    for service in &group.services {
        for check in &service.checks {
            if check.expose.as_deref() == Some(&true) && expose_check.is_none() {
                expose_check = Some(span_or(&check.expose, head(check.span, "check")));
            }
        }
        let Some(connect) = &service.connect else {
            continue;
        };
        connect_blocks += 1;
        let name = service_name(g.job_name, g.name, None, service);
        let at = head(connect.span, "connect");
        let native = connect.native.as_deref() == Some(&true);
        let kinds = usize::from(connect.sidecar_service.is_some())
            + usize::from(native)
            + usize::from(connect.gateway.is_some());
        if kinds != 1 {
            cx.report(
                Code::ConnectExclusive,
                at,
                "Consul Connect must be exclusively native, make use of a sidecar, or represent a Gateway",
                if kinds == 0 { "neither a sidecar, native, nor a gateway" } else { "more than one of sidecar, native and gateway" },
                "keep exactly one of `sidecar_service { }`, `native = true` and `gateway { }`",
            );
        }
        if let Some(sidecar) = &connect.sidecar_service {
            network_rule(cx, g, at, "connect sidecar", false);
            let here = span_or(&service.name, head(service.span, "service"));
            if let Some(first) = seen_before(&mut sidecar_names, name.clone(), here) {
                cx.push(
                    Diagnostic::new(
                        Code::SidecarShared,
                        here,
                        format!("a second Connect sidecar service named {name:?} in group {:?}", g.name),
                        )
                    .with_label("same name as an earlier sidecar service")
                    .with_related(first, "first named here")
                    .with_help("Nomad finds a sidecar task and port by service name, so both services would share one Envoy listening for only one of them; give each service its own name"),
                );
            }
            if let Some(port) = &sidecar.port {
                match g.port(port) {
                    None if super::unusable_in_env_name(port) => cx.report(
                        Code::InvalidPortLabel,
                        port.span,
                        format!("sidecar port label {:?} cannot name an environment variable", port.inner),
                        "holds `=` or a control character",
                        "Nomad adds a dynamic port with this label and sets NOMAD_PORT_<label>; use letters, digits and underscores",
                    ),
                    Some(p) if p.value.is_some() => cx.push(
                        Diagnostic::new(
                            Code::SidecarStaticPort,
                            port.span,
                            format!("Port label {} already in use by taskgroup network", p.label.inner),
                        )
                        .with_label("names a static port")
                        .with_related(p.span, "the static port")
                        .with_help("Nomad looks for the sidecar's port among dynamic ports only and adds a second port with this label; name a dynamic port (no `static`) instead"),
                    ),
                    _ => {}
                }
            }
            if name.chars().any(|c| c.is_ascii_uppercase()) {
                cx.report(
                    Code::ConnectUppercase,
                    span_or(&service.name, head(service.span, "service")),
                    format!("Consul Connect service name {name:?} in group {:?} must not contain uppercase characters", g.name),
                    "uppercase characters",
                    "use a lowercase service name: Consul Connect matches names case-sensitively in DNS",
                );
            }
            if g.name.chars().any(|c| c.is_ascii_uppercase()) && !*group_reported {
                *group_reported = true;
                cx.report(
                    Code::ConnectUppercase,
                    span_or(&g.group.name, g.head()),
                    format!("Consul Connect group {:?} with service {name:?} must not contain uppercase characters", g.name),
                    "uppercase characters",
                    "use a lowercase group name",
                );
            }
            if let Some(proxy) = &sidecar.proxy {
                if let Some(tp) = &proxy.transparent_proxy {
                    tproxy_at.get_or_insert(head(tp.span, "transparent_proxy"));
                    transparent_proxy(cx, g, tp);
                }
                if let Some(expose) = &proxy.expose {
                    for path in &expose.paths {
                        if let Some(listener) = &path.listener_port {
                            if g.port(listener).is_none() && !listener.contains("${") {
                                let help = cx.suggest(listener, &g.labels, || "add `port \"<label>\" {}` to the group network: Nomad resolves it only when the allocation registers, and fails there".to_owned());
                                cx.report(
                                    Code::UnknownPortLabel,
                                    listener.span,
                                    format!("port label {:?} referenced by an expose path of service {name:?} does not exist", listener.inner),
                                    "no port block has this label",
                                    help,
                                );
                            }
                        }
                    }
                }
            }
        }
        if native {
            let tasks = &group.tasks;
            if service.task_name.is_none() && !group.networks.is_empty() && tasks.len() != 1 {
                cx.report(
                    Code::ConnectNative,
                    at,
                    format!("task for Consul Connect Native service {}->{name} is ambiguous and must be set", g.name),
                    "which task speaks Connect?",
                    "set `task` on the service",
                );
            }
            if service.port_label.is_none() {
                cx.report(
                    Code::ConnectNative,
                    head(service.span, "service"),
                    format!("Service {name} is Connect Native and requires setting the port"),
                    "no `port`",
                    "set `port` on the service",
                );
            }
        }
        if let Some(gateway) = &connect.gateway {
            network_rule(cx, g, at, "connect gateway", true);
            let configs = usize::from(gateway.ingress.is_some())
                + usize::from(gateway.terminating.is_some())
                + usize::from(gateway.mesh.is_some());
            if configs != 1 {
                cx.report(
                    Code::GatewayConfig,
                    head(gateway.span, "gateway"),
                    "One Consul Gateway Configuration must be set",
                    if configs == 0 {
                        "no ingress, terminating or mesh block"
                    } else {
                        "more than one of ingress, terminating and mesh"
                    },
                    "keep exactly one of `ingress { }`, `terminating { }` and `mesh { }`",
                );
            }
            gateway_config(cx, gateway);
            if gateway.mesh.is_some() && service.port_label.is_none() {
                cx.report(
                    Code::GatewayPort,
                    head(service.span, "service"),
                    "service.port must be set for mesh gateway service",
                    "no `port`",
                    "set `port` to the label of the gateway's WAN port",
                );
            }
        }
    }
    if let (Some(at), true) = (tproxy_at, connect_blocks > 1) {
        cx.report(
            Code::TransparentProxy,
            at,
            "Consul Connect transparent proxy requires there is only one connect block",
            "transparent proxy in a group with several Connect services",
            "split the services into groups of their own",
        );
    }
    if let Some(at) = expose_check {
        network_rule(cx, g, at, "connect expose check", false);
    }
    upstreams(cx, g);
    proxy_tasks(cx, g);
}

/// A Connect service's group needs exactly one network, in bridge or CNI mode (gateways may
/// also use host mode).
fn network_rule(cx: &mut Checker, g: &Group<'_>, at: Span, prefix: &str, host_ok: bool) {
    let networks = &g.group.networks;
    if networks.len() != 1 {
        let mut d = Diagnostic::new(
            Code::ConnectNetwork,
            at,
            format!("{prefix}: must have exactly one network for Consul Connect: group {:?} has {} networks", g.name, networks.len()),
        )
        .with_label("needs the group's network")
        .with_help("give the group one `network { mode = \"bridge\" }` block");
        for n in networks.iter().skip(1) {
            d = d.with_related(head(n.span, "network"), "another network");
        }
        cx.push(d);
        return;
    }
    let network = &networks[0];
    let mode = text(&network.mode).unwrap_or("");
    let ok = mode == "bridge" || mode.starts_with("cni/") || (host_ok && mode == "host");
    if !ok {
        let allowed = if host_ok {
            "\"bridge\", \"host\", or \"cni/*\""
        } else {
            "\"bridge\" or \"cni/*\""
        };
        cx.push(
            Diagnostic::new(
                Code::ConnectNetwork,
                span_or(&network.mode, head(network.span, "network")),
                format!("{prefix}: invalid network mode for Consul Connect: group {:?} uses network mode {mode:?}; must be {allowed}", g.name),
            )
            .with_label(if mode.is_empty() { "no mode: host networking" } else { "not a Connect network mode" })
            .with_related(at, "Connect needs it")
            .with_help("set `mode = \"bridge\"` in the group's network"),
        );
    }
}

fn transparent_proxy(
    cx: &mut Checker,
    g: &Group<'_>,
    tp: &Spanned<crate::model::ConsulTransparentProxy>,
) {
    let at = head(tp.span, "transparent_proxy");
    for cidr in tp.exclude_outbound_cidrs.iter().flat_map(|v| v.iter()) {
        if !valid_cidr(cidr) {
            cx.report(
                Code::TransparentProxy,
                cidr.span,
                format!("could not parse transparent proxy excluded outbound CIDR as network prefix: invalid CIDR address: {}", cidr.inner),
                "not a CIDR",
                "write a prefix such as \"10.0.0.0/8\"",
            );
        }
    }
    for uid in tp
        .uid
        .iter()
        .chain(tp.exclude_uids.iter().flat_map(|v| v.iter()))
    {
        if uid.parse::<u16>().is_err() {
            let field = if tp.uid.as_ref().is_some_and(|u| u.span == uid.span) {
                "UID"
            } else {
                "ExcludeUIDs"
            };
            cx.report(
                Code::TransparentProxy,
                uid.span,
                format!(
                    "transparent proxy block has invalid {field} field: invalid user ID {:?}",
                    uid.inner
                ),
                "not a user ID",
                "user IDs are numbers from 0 to 65535",
            );
        }
    }
    let no_dns = tp.no_dns.as_deref() == Some(&true);
    let dns = g.group.networks.iter().find_map(|n| n.dns.as_ref());
    if let (false, Some(dns)) = (no_dns, dns) {
        let empty = dns.servers.is_none() && dns.searches.is_none() && dns.options.is_none();
        if !empty {
            cx.push(
                Diagnostic::new(Code::TransparentProxy, at, "Consul Connect transparent proxy cannot be used with network.dns unless no_dns=true")
                    .with_label("transparent proxy")
                    .with_related(head(dns.span, "dns"), "the network's DNS settings")
                    .with_help("set `no_dns = true`, or remove the network's `dns` block"),
            );
        }
    }
    let statics: Names<'_> = g
        .ports
        .iter()
        .filter(|p| p.value.is_some())
        .map(|p| p.label.as_str())
        .collect();
    for port in tp.exclude_inbound_ports.iter().flat_map(|v| v.iter()) {
        if port.parse::<u16>().is_err() && !statics.contains(port) {
            let help = cx.suggest(port, &statics, || {
                "use a port number, or the label of a port with `static`".to_owned()
            });
            cx.report(
                Code::TransparentProxy,
                port.span,
                format!("Consul Connect transparent proxy port {:?} must be numeric or one of network.port labels", port.inner),
                if g.port(port).is_some() { "a dynamic port: its number is unknown until placement" } else { "not a static port label" },
                help,
            );
        }
    }
}

fn valid_cidr(s: &str) -> bool {
    let Some((ip, len)) = s.split_once('/') else {
        return false;
    };
    match (ip.parse::<std::net::IpAddr>(), len.parse::<u8>()) {
        (Ok(std::net::IpAddr::V4(_)), Ok(n)) => n <= 32,
        (Ok(std::net::IpAddr::V6(_)), Ok(n)) => n <= 128,
        _ => false,
    }
}

/// An upstream with the service it belongs to.
struct Up<'j> {
    service: String,
    upstream: &'j Spanned<ConsulUpstream>,
}

fn upstreams(cx: &mut Checker, g: &Group<'_>) {
    let mut ups: Vec<Up<'_>> = Vec::new();
    for service in &g.group.services {
        let Some(proxy) = service.sidecar_proxy() else {
            continue;
        };
        let name = service_name(g.job_name, g.name, None, service);
        for upstream in &proxy.upstreams {
            check_upstream(cx, upstream);
            ups.push(Up {
                service: name.clone(),
                upstream,
            });
        }
    }
    // Nomad's rule: one listener per address key in the group.
    let key = |u: &ConsulUpstream| match text(&u.local_bind_socket_path) {
        Some(path) => path.to_owned(),
        None => {
            let addr = text(&u.local_bind_address).unwrap_or("");
            let port = u.local_bind_port.as_deref().copied().unwrap_or(0);
            if addr.contains(':') {
                format!("[{addr}]:{port}")
            } else {
                format!("{addr}:{port}")
            }
        }
    };
    // The effective address: Consul binds an empty address to 127.0.0.1.
    let addr = |u: &ConsulUpstream| match text(&u.local_bind_address) {
        None | Some("") | Some("localhost") => "127.0.0.1".to_owned(),
        Some(a) => a.to_owned(),
    };
    // The first upstream of each address key, and of each effective address and port.
    let keys: Vec<String> = ups.iter().map(|u| key(u.upstream)).collect();
    let mut first_key: HashMap<&str, usize> = HashMap::with_capacity(ups.len());
    let mut first_listener: HashMap<(String, i64), usize> = HashMap::with_capacity(ups.len());
    for (i, (up, k)) in ups.iter().zip(&keys).enumerate() {
        first_key.entry(k).or_insert(i);
        if let (None, Some(port)) = (
            &up.upstream.local_bind_socket_path,
            up.upstream.local_bind_port.as_deref(),
        ) {
            first_listener
                .entry((addr(up.upstream), *port))
                .or_insert(i);
        }
    }
    let used = if ups.is_empty() {
        HashMap::new()
    } else {
        used_ports(g)
    };
    for (i, (up, k)) in ups.iter().zip(&keys).enumerate() {
        let at = listener_span(up.upstream);
        if let Some(first) = first_key
            .get(k.as_str())
            .filter(|&&j| j < i)
            .map(|&j| &ups[j])
        {
            cx.push(
                Diagnostic::new(
                    Code::UpstreamListener,
                    at,
                    format!("Consul Connect services {:?} and {:?} in group {:?} using same address for upstreams ({k})", up.service, first.service, g.name),
                )
                .with_label("second listener on this address")
                .with_related(listener_span(first.upstream), "first listener")
                .with_help("give each upstream its own `local_bind_port`"),
            );
            continue;
        }
        let Some(port) = up.upstream.local_bind_port.as_deref().copied() else {
            continue;
        };
        let this = addr(up.upstream);
        if let Some(first) = first_listener
            .get(&(this.clone(), port))
            .filter(|&&j| j < i)
            .map(|&j| &ups[j])
        {
            cx.push(
                Diagnostic::new(
                    Code::UpstreamPortClash,
                    at,
                    format!("upstreams of {:?} and {:?} both listen on {this}:{port}", up.service, first.service),
                )
                .with_label("same listener as another upstream")
                .with_related(listener_span(first.upstream), "the other upstream")
                .with_help("Nomad keys `:PORT` and `127.0.0.1:PORT` apart, but both bind 127.0.0.1: give each upstream its own port"),
            );
            continue;
        }
        if let Some((what, other)) = used.get(&port) {
            port_clash(cx, up, port, what, *other);
        }
    }
    // Environment variable names: `a-b` and `a_b` both become NOMAD_UPSTREAM_ADDR_a_b.
    let mut seen: HashMap<String, &Spanned<String>> = HashMap::new();
    for up in &ups {
        let Some(dest) = &up.upstream.destination_name else {
            continue;
        };
        let clean = clean_env_var(dest);
        match seen_before(&mut seen, clean.clone(), dest) {
            Some(first) if first.inner != dest.inner => {
                cx.push(
                    Diagnostic::new(
                        Code::UpstreamEnvCollision,
                        dest.span,
                        format!("upstreams {:?} and {:?} set the same variables NOMAD_UPSTREAM_ADDR_{clean} and friends", dest.inner, first.inner),
                        )
                    .with_label("same environment variable name")
                    .with_related(first.span, "the other upstream")
                    .with_help("the later upstream's NOMAD_UPSTREAM_* values overwrite the earlier's: rename one service"),
                );
            }
            Some(_) | None => {}
        }
    }
}

/// Where an upstream's listener is set: its port or socket, else the block.
fn listener_span(u: &Spanned<ConsulUpstream>) -> Span {
    u.local_bind_port
        .as_ref()
        .map(|p| p.span)
        .or(u.local_bind_socket_path.as_ref().map(|p| p.span))
        .unwrap_or_else(|| head(u.span, "upstreams"))
}

/// An upstream listener on a port the group already uses inside its network namespace: a
/// static port, the service's own port, an expose listener, or the sidecar's port.
/// Reports an upstream listening on `port`, which something else of the group uses.
fn port_clash(cx: &mut Checker, up: &Up<'_>, port: i64, what: &str, other: Span) {
    cx.push(
        Diagnostic::new(
            Code::UpstreamPortClash,
            listener_span(up.upstream),
            format!("the upstream listens on port {port}, which {what}"),
        )
        .with_label("port already in use")
        .with_related(other, "uses the same port")
        .with_help("move the upstream's `local_bind_port` to a free port"),
    );
}

/// The ports a group uses, by number: what uses each first, and where. Group ports (inside
/// the network namespace) come first, then services' ports, Connect sidecars and expose paths.
fn used_ports(g: &Group<'_>) -> HashMap<i64, (String, Span)> {
    let mut used = HashMap::new();
    for p in &g.ports {
        if let Some(n) = p.to.or(p.value) {
            used.entry(n).or_insert_with(|| {
                let what = format!(
                    "the group's port {:?} uses inside the network namespace",
                    p.label.inner
                );
                (what, p.span)
            });
        }
    }
    for service in &g.group.services {
        let Some(label) = &service.port_label else {
            continue;
        };
        if let Ok(n) = label.parse::<i64>() {
            used.entry(n).or_insert_with(|| {
                let name = service_name(g.job_name, g.name, None, service);
                (format!("the service {name:?} listens on"), label.span)
            });
        }
        if let Some(sidecar) = service
            .connect
            .as_ref()
            .and_then(|c| c.sidecar_service.as_ref())
        {
            if let Some(p) = text(&sidecar.port).and_then(|l| g.port(l)) {
                if let Some(n) = p.value {
                    used.entry(n)
                        .or_insert_with(|| ("the Connect sidecar listens on".into(), p.span));
                }
            }
            for path in sidecar
                .proxy
                .iter()
                .flat_map(|p| p.expose.iter())
                .flat_map(|e| e.paths.iter())
            {
                if let Some(p) = text(&path.listener_port).and_then(|l| g.port(l)) {
                    if let Some(n) = p.value {
                        used.entry(n)
                            .or_insert_with(|| ("an expose path listens on".into(), p.span));
                    }
                }
            }
        }
    }
    used
}

fn check_upstream(cx: &mut Checker, u: &Spanned<ConsulUpstream>) {
    let at = head(u.span, "upstreams");
    match &u.destination_name {
        None => cx.report(
            Code::UpstreamDestination,
            at,
            "the upstream has no `destination_name`",
            "which service does it reach?",
            "set `destination_name` to the Consul service this upstream connects to",
        ),
        Some(d) if d.trim().is_empty() => cx.report(
            Code::UpstreamDestination,
            d.span,
            "the upstream's `destination_name` is empty",
            "empty",
            "set `destination_name` to the Consul service this upstream connects to",
        ),
        Some(d) if super::unusable_in_env_name(d) => cx.report(
            Code::UpstreamDestination,
            d.span,
            format!("the upstream's `destination_name` {:?} cannot name an environment variable", d.inner),
            "`=` or a control character",
            "Nomad exports NOMAD_UPSTREAM_ADDR_<destination_name> with the name as written; use a Consul service name",
        ),
        Some(_) => {}
    }
    match (&u.local_bind_port, &u.local_bind_socket_path) {
        (Some(port), Some(path)) => cx.push(
            Diagnostic::new(
                Code::UpstreamBind,
                port.span,
                "the upstream sets both `local_bind_port` and `local_bind_socket_path`",
            )
            .with_label("a port")
            .with_related(path.span, "and a socket")
            .with_help("an upstream listens on a TCP port or on a Unix socket: keep one"),
        ),
        (None, None) => cx.report(
            Code::UpstreamBind,
            at,
            "the upstream sets neither `local_bind_port` nor `local_bind_socket_path`",
            "no listener",
            "set `local_bind_port`, the port the application connects to",
        ),
        (Some(port), None) if !(1..=65535).contains(&port.inner) => cx.report(
            Code::UpstreamBind,
            port.span,
            format!("local_bind_port {} is not a port", port.inner),
            "out of range",
            "use a port from 1 to 65535",
        ),
        _ => {}
    }
    if let Some(mode) = &u.local_bind_socket_mode {
        let valid = mode.len() <= 4
            && !mode.is_empty()
            && u32::from_str_radix(mode, 8).is_ok_and(|m| m <= 0o777);
        if !valid {
            cx.report(
                Code::UpstreamSocketMode,
                mode.span,
                format!("local_bind_socket_mode {:?} is not a file mode", mode.inner),
                "not an octal mode",
                "write an octal mode such as \"0700\"",
            );
        } else if u.local_bind_socket_path.is_none() {
            let mut d = Diagnostic::new(
                Code::UpstreamSocketMode,
                mode.span,
                "local_bind_socket_mode has no effect without local_bind_socket_path",
            )
            .with_label("unused")
            .with_help("remove it, or listen on a socket with `local_bind_socket_path`");
            d.severity = Severity::Warning;
            cx.push(d);
        }
    }
    if let (Some(peer), Some(dc)) = (&u.destination_peer, &u.datacenter) {
        cx.push(
            Diagnostic::new(
                Code::UpstreamPeerDatacenter,
                dc.span,
                "an upstream cannot set both `destination_peer` and `datacenter`",
            )
            .with_label("a datacenter")
            .with_related(peer.span, "and a peer")
            .with_help("a peered service is reached through its peer: remove `datacenter`"),
        );
    }
    if let Some(mode) = u.mesh_gateway.as_ref().and_then(|m| m.mode.as_ref()) {
        const MODES: &[&str] = &["local", "remote", "none", ""];
        if !MODES.contains(&mode.as_str()) {
            cx.report(
                Code::UpstreamMeshGatewayMode,
                mode.span,
                format!("unknown mesh_gateway mode {:?}", mode.inner),
                "Nomad silently sends Consul's default instead",
                suggest(mode, MODES, || {
                    "use \"local\", \"remote\" or \"none\"".to_owned()
                }),
            );
        }
    }
    if let Some(t) = &u.destination_type {
        const TYPES: &[&str] = &["service", "prepared_query"];
        if !TYPES.contains(&t.as_str()) {
            cx.report(
                Code::UpstreamDestinationType,
                t.span,
                format!("unknown destination_type {:?}", t.inner),
                "not a Consul destination type",
                suggest(t, TYPES, || {
                    "use \"service\" or \"prepared_query\"".to_owned()
                }),
            );
        }
    }
}

/// Tasks of kind `connect-proxy:<service>`: the service must be a Connect service of the
/// group, and the task cannot have services or be the leader.
fn proxy_tasks(cx: &mut Checker, g: &Group<'_>) {
    let connect_services: Vec<String> = g
        .group
        .services
        .iter()
        .filter(|s| {
            s.connect
                .as_ref()
                .is_some_and(|c| c.sidecar_service.is_some())
        })
        .map(|s: &Spanned<Service>| service_name(g.job_name, g.name, None, s))
        .collect();
    let known: Names<'_> = connect_services.iter().map(String::as_str).collect();
    for task in &g.group.tasks {
        let Some(kind) = &task.kind else { continue };
        let Some(svc) = kind.strip_prefix("connect-proxy:") else {
            continue;
        };
        if let Some(service) = task.services.first() {
            cx.report(
                Code::ProxyTask,
                head(service.span, "service"),
                "Connect proxy task must not have a service block",
                "a service in a proxy task",
                "register services in the group, not in the proxy task",
            );
        }
        if let Some(leader) = task.leader.as_ref().filter(|l| l.inner) {
            cx.report(
                Code::ProxyTask,
                leader.span,
                "Connect proxy task must not have leader set",
                "a leader proxy",
                "remove `leader`",
            );
        }
        if connect_services.is_empty() {
            cx.report(
                Code::ProxyTask,
                kind.span,
                format!("No Connect services in task group with Connect proxy ({svc:?})"),
                "no Connect service to proxy",
                "add a group service with `connect { sidecar_service {} }`",
            );
        } else if !known.contains(svc) {
            let help = cx.suggest(svc, &known, || {
                format!("use `connect-proxy:{}`", known.list[0])
            });
            cx.report(
                Code::ProxyTask,
                kind.span,
                format!("Connect proxy service name ({svc:?}) not found in Connect services from task group: [{}]", known.listed(" ")),
                "no such Connect service",
                help,
            );
        }
    }
}

/// The rules of `ConsulGateway.Validate`: the proxy's settings, ingress listeners and
/// services, terminating gateways' linked services.
fn gateway_config(cx: &mut Checker, gateway: &Spanned<crate::model::ConsulGateway>) {
    let bad = |cx: &mut Checker, span: Span, message: &str, help: &str| {
        cx.report(
            Code::GatewayConfig,
            span,
            message,
            "invalid gateway setting",
            help,
        );
    };
    if let Some(proxy) = &gateway.proxy {
        let custom = !proxy.envoy_gateway_bind_addresses.is_empty()
            || proxy.envoy_gateway_no_default_bind.is_some()
            || proxy.envoy_gateway_bind_tagged_addresses.is_some();
        if custom && proxy.connect_timeout.is_none() {
            bad(
                cx,
                head(proxy.span, "proxy"),
                "Consul Gateway Proxy connection_timeout must be set",
                "set `connect_timeout`, e.g. \"5s\"",
            );
        }
        if let Some(dns) = &proxy.envoy_dns_discovery_type {
            if !["STRICT_DNS", "LOGICAL_DNS", ""].contains(&dns.as_str()) {
                bad(
                    cx,
                    dns.span,
                    "Consul Gateway Proxy Envoy DNS Discovery type must be STRICT_DNS or LOGICAL_DNS",
                    "use STRICT_DNS or LOGICAL_DNS",
                );
            }
        }
        for (_, addr) in proxy.envoy_gateway_bind_addresses.iter() {
            if addr.address.as_ref().is_none_or(|a| a.is_empty()) {
                bad(
                    cx,
                    addr.span,
                    "Consul Gateway Bind Address must be set",
                    "set `address`",
                );
            }
            if addr
                .port
                .as_deref()
                .copied()
                .is_none_or(|p| p <= 0 && p != -1)
            {
                bad(
                    cx,
                    span_or(&addr.port, addr.span),
                    "Consul Gateway Bind Address must set valid Port",
                    "set `port`",
                );
            }
        }
    }
    if let Some(ingress) = &gateway.ingress {
        if ingress.listeners.is_empty() {
            bad(
                cx,
                head(ingress.span, "ingress"),
                "Consul Ingress Gateway requires at least one listener",
                "add a `listener { port = ..., service { name = ... } }`",
            );
        }
        for listener in &ingress.listeners {
            let lat = head(listener.span, "listener");
            if listener.port.as_deref().copied().is_none_or(|p| p <= 0) {
                bad(
                    cx,
                    span_or(&listener.port, lat),
                    "Consul Ingress Listener requires valid Port",
                    "set `port`",
                );
            }
            let protocol = text(&listener.protocol).unwrap_or("tcp");
            if !["tcp", "http", "http2", "grpc"].contains(&protocol) {
                let message = format!(
                    "Consul Ingress Listener requires protocol of tcp, http, http2, grpc, got {protocol:?}"
                );
                bad(
                    cx,
                    span_or(&listener.protocol, lat),
                    &message,
                    "use tcp, http, http2 or grpc",
                );
            }
            if listener.services.is_empty() {
                bad(
                    cx,
                    lat,
                    "Consul Ingress Listener requires one or more services",
                    "add a `service { name = ... }`",
                );
            }
            for svc in &listener.services {
                let sat = head(svc.span, "service");
                let name = text(&svc.name).unwrap_or("");
                let hosts = svc.hosts.as_ref().is_some_and(|h| !h.is_empty());
                if name.is_empty() {
                    bad(
                        cx,
                        sat,
                        "Consul Ingress Service requires a name",
                        "set `name`",
                    );
                } else if protocol == "tcp" && name == "*" {
                    bad(
                        cx,
                        span_or(&svc.name, sat),
                        "Consul Ingress Service doesn't support wildcard name for \"tcp\" protocol",
                        "name the service",
                    );
                } else if protocol == "tcp" && hosts {
                    bad(
                        cx,
                        span_or(&svc.hosts, sat),
                        "Consul Ingress Service doesn't support associating hosts to a service for the \"tcp\" protocol",
                        "remove `hosts`, or use an HTTP protocol",
                    );
                } else if name == "*" && hosts {
                    bad(
                        cx,
                        span_or(&svc.hosts, sat),
                        "Consul Ingress Service with a wildcard \"*\" service name can not also specify hosts",
                        "remove `hosts`",
                    );
                }
            }
        }
    }
    if let Some(terminating) = &gateway.terminating {
        if terminating.services.is_empty() {
            bad(
                cx,
                head(terminating.span, "terminating"),
                "Consul Terminating Gateway requires at least one service",
                "add a `service { name = ... }`",
            );
        }
        for svc in &terminating.services {
            let sat = head(svc.span, "service");
            if svc.name.as_ref().is_none_or(|n| n.is_empty()) {
                bad(cx, sat, "Consul Linked Service requires Name", "set `name`");
            }
            let (ca, cert, key) = (
                svc.ca_file.is_some(),
                svc.cert_file.is_some(),
                svc.key_file.is_some(),
            );
            if (cert || key) && !ca {
                bad(
                    cx,
                    sat,
                    "Consul Linked Service TLS requires CAFile",
                    "set `ca_file`",
                );
            }
            if cert != key {
                bad(
                    cx,
                    sat,
                    "Consul Linked Service TLS Cert and Key must both be set",
                    "set both `cert_file` and `key_file`",
                );
            }
            if svc.sni.is_some() && !ca {
                bad(
                    cx,
                    span_or(&svc.sni, sat),
                    "Consul Linked Service TLS SNI requires CAFile",
                    "set `ca_file`",
                );
            }
        }
    }
}
